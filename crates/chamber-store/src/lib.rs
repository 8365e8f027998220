//! Persistence: runs, their events, saved plans and model call records in SQLite (via sqlx, with
//! migrations), plus the per-run `events.jsonl` file. No domain rules here:
//! callers decide what a status means.

mod calls;
mod event_query;
mod jsonl;
mod records;
mod sqlite;

pub use calls::{CallFilter, CallRecord};
pub use event_query::ShellCommand;
pub use jsonl::JsonlLog;
pub use records::{NewRun, PlanRecord, RunRecord};
pub use sqlite::Store;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations could not be applied.
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
        /// `run` or `plan`.
        what: &'static str,
        /// The id or prefix given.
        id: String,
    },
    /// Several records match an id prefix.
    #[error("id prefix {id:?} matches several {what}s: {candidates}")]
    Ambiguous {
        /// `run` or `plan`.
        what: &'static str,
        /// The prefix given.
        id: String,
        /// Some of the matches.
        candidates: String,
    },
}
