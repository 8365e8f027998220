#!/usr/bin/env bash
# Queue throughput, side by side in one run: Chamber's queue on SQLite and
# on PostgreSQL, and graphile-worker (npm, bench/graphile) on the same
# PostgreSQL server, each with 1, 4 and 16 workers and 2,000 no-op tasks.
# The server keeps PostgreSQL's durable defaults (fsync on).
#
#   bash scripts/bench_queue.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
cargo build --release --locked -q -p chamber-server --example service_bench
pg_dir=$(mktemp -d /tmp/chamber-bench-pg.XXXXXX)
trap 'bash scripts/postgres_cluster.sh stop "$pg_dir"' EXIT
admin=$(PG_DURABLE=1 bash scripts/postgres_cluster.sh start "$pg_dir")
echo "# PostgreSQL: $admin (durable defaults)"
bench="$CARGO_TARGET_DIR/release/examples/service_bench"
"$bench" queue
CHAMBER_BENCH_POSTGRES_URL=$admin "$bench" queue-pg
psql "$admin" -qc "CREATE DATABASE graphile_bench" >/dev/null
graphile_url="${admin%/postgres}/graphile_bench"
echo "## graphile-worker on the same server (one JSON line per run)"
for overlap in 1 0; do
  DATABASE_URL=$graphile_url SUBMIT=each OVERLAP=$overlap MODES="plain batched" bash bench/graphile/run.sh
done
DATABASE_URL=$graphile_url SUBMIT=bulk OVERLAP=0 MODES="plain batched" bash bench/graphile/run.sh
