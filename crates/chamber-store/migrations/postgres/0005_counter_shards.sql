-- PostgreSQL twin of the SQLite migration of the same name (same tables,
-- columns and indexes; INTEGER is BIGINT, REAL is DOUBLE PRECISION).
-- Queue counters split into shards: on PostgreSQL every claim adding one to
-- a single row held that row's lock through its commit, so concurrent
-- claims queued behind each other. A claim now adds to one of several rows
-- (SQLite uses shard 0 only); readers sum them.
CREATE TABLE queue_counter_shards (
    name TEXT NOT NULL,
    shard BIGINT NOT NULL,
    value BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (name, shard)
);
INSERT INTO queue_counter_shards (name, shard, value) SELECT name, 0, value FROM queue_counters;
DROP TABLE queue_counters;
