//! The index's error type: what can go wrong opening, updating or querying
//! an index, with the path or store that failed.

use std::path::PathBuf;

/// Why an index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The SQLite store failed.
    #[error("index database: {0}")]
    Db(#[from] sqlx::Error),
    /// The full-text (tantivy) index failed.
    #[error("full-text index: {0}")]
    FullText(#[from] tantivy::TantivyError),
    /// An exclude or include pattern is not a valid glob.
    #[error("invalid index pattern `{pattern}`: {message}")]
    Pattern {
        /// The pattern as configured.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// Another process is updating the index right now.
    #[error("the index is being updated by another process")]
    Busy,
    /// A worker thread panicked or a background task failed.
    #[error("index worker failed: {0}")]
    Worker(String),
}

impl IndexError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
