//! Persistence: runs, their events, saved plans and model call records in
//! SQLite or PostgreSQL (via sqlx's `Any` driver, with migrations), plus the per-run `events.jsonl` file; the durable task queue
//! (leases, fencing tokens, retries), API tokens and durable approvals.
//! No domain rules here beyond the queue's own state machine: callers decide
//! what a status means.

mod approval_records;
mod approvals;
mod calls;
mod db;
mod event_query;
mod jsonl;
mod listen;
mod open;
#[macro_use]
mod queue;
mod queue_claim;
mod queue_claim_pg;
mod queue_lease;
mod queue_records;
mod records;
mod runs;
mod scratch;
mod service_events;
mod tokens;

pub use approval_records::{ApprovalAnswer, ApprovalRecord, ApprovalState, Decision, NewApproval};
pub use calls::{CallFilter, CallRecord};
pub use event_query::ShellCommand;
pub use jsonl::JsonlLog;
pub use listen::TaskListener;
pub use open::{Store, is_postgres_url, redact_url};
pub use queue_records::{
    Claim, ErrorClass, Heartbeat, NewTask, QueueStats, RetryPolicy, Submitted, TaskFilter,
    TaskRecord, TaskState,
};
pub use records::{NewRun, PlanRecord, RunRecord};
pub use scratch::create_scratch_database;
pub use service_events::{ServiceEvent, ServiceEventKind};
pub use tokens::{TokenRecord, TokenScope};

/// A name that is not one of an enum's stored values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    /// What was being read (`task state`, `token scope`, ...).
    pub what: &'static str,
    /// The text given.
    pub value: String,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations could not be applied.
    /// A database URL that names no database Chamber can use.
    #[error(
        "unsupported database URL {url:?}: use postgres://USER:PASSWORD@HOST/DB or sqlite://PATH"
    )]
    BadUrl {
        /// The URL, password hidden.
        url: String,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be decoded.
    #[error("corrupt stored record: {0}")]
    Decode(#[from] serde_json::Error),
    /// A file could not be written.
    #[error("cannot write {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// Nothing matches the id.
    #[error("no {what} matches id {id:?}")]
    NotFound {
        /// `run`, `plan`, `task`, `token` or `approval`.
        what: &'static str,
        /// The id or prefix given.
        id: String,
    },
    /// Several records match an id prefix.
    #[error("id prefix {id:?} matches several {what}s: {candidates}")]
    Ambiguous {
        /// `run`, `plan`, `task` or `approval`.
        what: &'static str,
        /// The prefix given.
        id: String,
        /// Some of the matches.
        candidates: String,
    },
    /// A stored or given value is not one of its enum's names.
    #[error(transparent)]
    UnknownValue(#[from] UnknownValue),
    /// The idempotency key was used before for a different request.
    #[error("idempotency key {key:?} was used for a different request (task {task_id})")]
    IdempotencyConflict {
        /// The key.
        key: String,
        /// The task the key made first.
        task_id: String,
    },
    /// The queue holds as many unfinished tasks as it may.
    #[error("queue full: {depth} unfinished tasks, cap {cap}")]
    QueueFull {
        /// Unfinished (queued, running, awaiting approval) tasks.
        depth: u64,
        /// The cap.
        cap: u64,
    },
    /// Another unfinished task holds the unique key.
    #[error("unique key {key:?} is held by unfinished task {task_id}")]
    UniqueKeyTaken {
        /// The key.
        key: String,
        /// The task holding it.
        task_id: String,
    },
    /// The caller's fencing token no longer holds the task: another worker
    /// claimed it, or it left running/awaiting approval.
    #[error("task {task_id} is no longer held by fencing token {token} (current token {current})")]
    Fenced {
        /// The task.
        task_id: String,
        /// The token given.
        token: i64,
        /// The task's token now.
        current: i64,
    },
    /// The record's state does not allow the action.
    #[error("{what} {id} is {state}; cannot {action}")]
    InvalidState {
        /// `task` or `approval`.
        what: &'static str,
        /// Its id.
        id: String,
        /// Its state (`expired` for an approval past its expiry).
        state: String,
        /// What was refused (`retry`, `answer`).
        action: &'static str,
    },
    /// A live record already has the name.
    #[error("a {what} named {name:?} already exists")]
    DuplicateName {
        /// `token`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// The operating system's random number generator failed.
    #[error("no secure randomness available: {0}")]
    Entropy(String),
}
