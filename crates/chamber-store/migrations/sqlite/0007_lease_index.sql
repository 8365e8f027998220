-- Expired leases are found through the lease time of running tasks only.
-- On PostgreSQL the claim's rescue lookup walked every dead index entry a
-- finished task left under state 'running' (one per task since the last
-- vacuum: about 1.3 ms per claim after 2,000 tasks); this index keeps a
-- lookup to leases that really have expired. SQLite keeps the twin for an
-- identical schema.
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE state = 'running';
