// graphile-worker throughput: JOBS no-op jobs, submitted then drained by a
// pool of CONCURRENCY workers. Prints ONE JSON line on stdout.
//
// Env: DATABASE_URL (required), JOBS (2000), CONCURRENCY (1),
//   MODE    plain   = library defaults: prepared statements on, each worker
//                     fetches one job per query and completes it with its own
//                     query (no localQueue, completeJobBatchDelay -1)
//           batched = localQueue (one query locks a batch of jobs for the
//                     pool, size LOCAL_QUEUE, default max(100, 2*CONCURRENCY))
//                     + completeJobBatchDelay 0 (completions issued in the
//                     same tick go to the DB as one query)
//   SUBMIT  bulk = addJobs() in chunks of 1000 (one statement per chunk)
//           each = addJob() in a loop, one statement/transaction per job
//                  (like Chamber's submit_task)
//   OVERLAP 0 = submit everything, then start the pool (submit_s, then run_s)
//           1 = start the pool first and submit while it drains, like
//               Chamber's service_bench; run_s is then the tail after submit
// total_s = submit_s + run_s: first submit to last completion in the DB.
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";

const env = process.env;
const connectionString = env.DATABASE_URL;
if (!connectionString) throw new Error("DATABASE_URL is required");
const N = Number(env.JOBS ?? 2000);
const C = Number(env.CONCURRENCY ?? 1);
const MODE = env.MODE ?? "plain";
const SUBMIT = env.SUBMIT ?? "bulk";
const OVERLAP = env.OVERLAP === "1";
const version = createRequire(import.meta.url)("graphile-worker/package.json").version;
if (!(N > 0 && C > 0)) throw new Error("JOBS and CONCURRENCY must be positive");
if (!["plain", "batched"].includes(MODE)) throw new Error(`MODE must be plain or batched`);
if (!["bulk", "each"].includes(SUBMIT)) throw new Error(`SUBMIT must be bulk or each`);

// Only warnings and errors, on stderr (the default logger prints per job).
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[${level}] ${message}`);
});

const worker = { preparedStatements: true };
if (MODE === "batched") {
  worker.localQueue = { size: Number(env.LOCAL_QUEUE ?? Math.max(100, 2 * C)) };
  worker.completeJobBatchDelay = 0;
}
const options = {
  connectionString,
  logger,
  concurrency: C,
  maxPoolSize: Math.max(10, C + 2), // the library's own advice
  pollInterval: 10, // ms; new jobs also wake workers via LISTEN/NOTIFY
  noHandleSignals: true,
  preset: { worker },
};

const now = () => performance.now() / 1000;
const utils = await makeWorkerUtils({ connectionString, logger });
await runMigrations({ connectionString, logger }); // installs/upgrades the schema
// Start from an empty queue (successful jobs are deleted, so 0 rows = all done).
await utils.withPgClient((c) =>
  c.query("truncate graphile_worker._private_jobs, graphile_worker._private_job_queues"),
);
const remaining = () =>
  utils.withPgClient(async (c) =>
    Number((await c.query("select count(*) from graphile_worker._private_jobs")).rows[0].count),
  );

async function submit() {
  if (SUBMIT === "each") {
    for (let i = 0; i < N; i++) await utils.addJob("noop", { i });
  } else {
    for (let i = 0; i < N; i += 1000) {
      const specs = [];
      for (let j = i; j < Math.min(N, i + 1000); j++) specs.push({ identifier: "noop", payload: { i: j } });
      await utils.addJobs(specs);
    }
  }
}

// Count completions from worker events; 'job:complete' can fire before the
// completion reaches the DB, so the end is confirmed by polling the table.
const events = new EventEmitter();
let done = 0, failed = 0, allRan;
const ran = new Promise((r) => (allRan = r));
events.on("job:complete", ({ error }) => {
  if (error) failed++;
  if (++done >= N) allRan();
});
let runner, pool_start_s;
const startPool = async () => {
  const t = now();
  runner = await run({ ...options, events, taskList: { noop: async () => {} } });
  pool_start_s = now() - t; // informational; part of run_s unless OVERLAP=1
};

if (OVERLAP) await startPool();
const tSubmit0 = now();
await submit();
const tSubmit1 = now();
if (!OVERLAP) await startPool();
await ran;
while ((await remaining()) > 0) await new Promise((r) => setTimeout(r, 2));
const tEnd = now();
await runner.stop();
await utils.release();
if (failed) throw new Error(`${failed} jobs failed`);

const submit_s = tSubmit1 - tSubmit0;
const total_s = tEnd - tSubmit0;
const run_s = total_s - submit_s;
const r = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  system: "graphile-worker", version, jobs: N, concurrency: C,
  submit_s: r(submit_s), run_s: r(run_s), total_s: r(total_s),
  jobs_per_s: Math.round(N / total_s), // with OVERLAP=1 run_s is only the tail after the last submit: no rate
  run_jobs_per_s: OVERLAP ? null : Math.round(N / run_s),
  submit_jobs_per_s: Math.round(N / submit_s),
  mode: MODE, submit: SUBMIT, overlap: OVERLAP,
  pool_start_s: r(pool_start_s),
  options: { maxPoolSize: options.maxPoolSize, pollInterval: options.pollInterval, ...worker },
}));
