-- The durable task queue, API tokens and durable approvals.
--
-- Kept portable to PostgreSQL where easy: timestamps are TEXT in RFC3339
-- UTC with six fractional digits and a `Z` (fixed width, so text order is
-- time order and comparisons can be done on the text), booleans are
-- INTEGER 0/1, JSON values are TEXT. Only `seq` is SQLite-specific
-- (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY).

CREATE TABLE tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    prompt TEXT NOT NULL,
    repo TEXT NOT NULL,
    base_branch TEXT,
    constraints_json TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    queue TEXT NOT NULL,
    labels_json TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    request_hash TEXT,
    unique_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    fencing_token INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TEXT,
    run_id TEXT,
    last_error TEXT,
    error_class TEXT,
    run_after TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    cancel_reason TEXT,
    result_json TEXT,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
-- Claims look for due queued tasks and expired running ones, by priority.
CREATE INDEX tasks_claim ON tasks (state, priority DESC, seq);
CREATE INDEX tasks_queue ON tasks (queue, state);
CREATE INDEX tasks_run ON tasks (run_id);
-- At most one unfinished task per unique key (submit_task returns the live
-- one instead of inserting; this is the backstop).
CREATE UNIQUE INDEX tasks_live_unique_key ON tasks (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('queued', 'running', 'awaiting_approval');

-- One row per (task, label), for filtering by label.
CREATE TABLE task_labels (
    task_id TEXT NOT NULL REFERENCES tasks (id),
    label TEXT NOT NULL,
    PRIMARY KEY (task_id, label)
);
CREATE INDEX task_labels_label ON task_labels (label);

-- Counters that outlive the tasks they count: `claims`, `rescues`.
CREATE TABLE queue_counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL DEFAULT 0
);
INSERT INTO queue_counters (name, value) VALUES ('claims', 0), ('rescues', 0);

-- API tokens: only the SHA-256 (hex) of each secret is kept.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    task_id TEXT,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    tier TEXT NOT NULL,
    detail TEXT NOT NULL,
    approvers_needed INTEGER NOT NULL,
    state TEXT NOT NULL,
    decision TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX approvals_run ON approvals (run_id);
CREATE INDEX approvals_state ON approvals (state, expires_at);

-- Each approver's latest answer to a request.
CREATE TABLE approval_answers (
    approval_id TEXT NOT NULL REFERENCES approvals (id),
    approver TEXT NOT NULL,
    decision TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (approval_id, approver)
);
