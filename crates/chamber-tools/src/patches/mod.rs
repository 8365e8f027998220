//! Patches: every change the tools make, kept as a git-style unified diff
//! (`.chamber/patches/<id>.diff`) plus metadata (`<id>.json`: run, step,
//! call, tool, time, and each file's sha256 before and after). The full
//! before/after contents go to a content-addressed blob store
//! (`.chamber/patches/blobs/<sha256>`) so a patch can be rolled back with a
//! 3-way merge after the files changed again.

mod apply;
mod diff;
mod rollback;
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use apply::{PlannedFile, plan_diff, write_planned};
pub use diff::{file_diff, git_mode, unified_diff};
pub use rollback::plan_rollback;
pub use store::{PatchStore, sha256_hex};

/// Where a patch came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchOrigin {
    /// The run that made the change, if a run did.
    pub run_id: Option<String>,
    /// The plan step.
    pub step_id: Option<String>,
    /// The tool call.
    pub call_id: Option<String>,
    /// The tool (`write_file`, …) or command (`patch apply`, `undo`, …).
    pub tool: String,
    /// Free text: the applied file, the rolled-back patch, …
    pub note: Option<String>,
}

/// One file of a patch, by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchedFile {
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    /// sha256 (hex) of the content before; `null` when the file did not exist.
    pub before_sha256: Option<String>,
    /// sha256 (hex) of the content after; `null` when the file was deleted.
    pub after_sha256: Option<String>,
    /// Git mode before (`100644` or `100755`), when the file existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_mode: Option<String>,
    /// Git mode after, when the file exists after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_mode: Option<String>,
}

/// A recorded patch: the `<id>.json` next to `<id>.diff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchRecord {
    /// Patch id (12 hex characters); commands accept a unique prefix.
    pub id: String,
    /// Where it came from.
    #[serde(flatten)]
    pub origin: PatchOrigin,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// The files it changes, in diff order.
    pub files: Vec<PatchedFile>,
}

impl PatchRecord {
    /// The changed paths.
    pub fn paths(&self) -> Vec<String> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// A file a patch cannot be applied or rolled back on, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// The path.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

/// A file whose 3-way merge conflicted, with each conflict region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileConflict {
    /// The path.
    pub path: String,
    /// Each conflict as merge-marker text (`<<<<<<< ours` … `>>>>>>> theirs`).
    pub hunks: Vec<String>,
}

/// Why a patch could not be stored, found, applied or rolled back.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// No patch has this id (or prefix).
    #[error("no patch matches \"{0}\"")]
    NotFound(String),
    /// Several patches start with this prefix.
    #[error("\"{id}\" matches several patches: {candidates}")]
    Ambiguous {
        /// The prefix given.
        id: String,
        /// The matching ids.
        candidates: String,
    },
    /// The diff or the metadata cannot be understood.
    #[error("{0}")]
    Invalid(String),
    /// Some files do not match the patch; nothing was changed.
    #[error("the patch does not apply; nothing was changed: {}", describe(.0))]
    DoesNotApply(Vec<FileProblem>),
    /// Files the patch needs are gone; nothing was changed.
    #[error("missing file(s): {}; nothing was changed", .0.join(", "))]
    Missing(Vec<String>),
    /// Files changed since the patch in ways that conflict with undoing it;
    /// nothing was changed.
    #[error("conflicts in {}; nothing was changed", .0.iter().map(|c| c.path.as_str()).collect::<Vec<_>>().join(", "))]
    Conflicts(Vec<FileConflict>),
}

impl PatchError {
    /// Wraps an IO error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// Problems as `path: reason; …`.
fn describe(problems: &[FileProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.reason))
        .collect::<Vec<_>>()
        .join("; ")
}
