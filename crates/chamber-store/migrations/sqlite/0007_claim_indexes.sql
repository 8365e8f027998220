-- Two partial indexes for claims, so a claim's cost does not grow with the
-- table. On PostgreSQL:
-- - the rescue lookup walked every dead index entry a finished task left
--   under state 'running' in `tasks_claim` (one per task since the last
--   vacuum: about 1.3 ms per claim after 2,000 tasks); in `tasks_lease` the
--   dead entries of tasks that finished within their lease lie beyond the
--   lookup's range;
-- - with young statistics (a new table, or a burst after a quiet spell) the
--   planner read every queued task through `tasks_claim` and sorted them
--   (about 2 ms per claim with 1,500 queued); `tasks_queued` is already in
--   claim order and holds queued tasks only, so it is scanned for just the
--   rows taken.
-- SQLite keeps the twins for an identical schema.
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE state = 'running';
CREATE INDEX tasks_queued ON tasks (priority DESC, seq) WHERE state = 'queued';
