//! Why a benchmark could not run (a harness failure, not a result): each
//! error has a stable code, an optional hint and a kind, so every front end
//! reports it the same way.

use std::path::PathBuf;

/// What sort of failure an error is, for the front end's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The harness itself failed (I/O, a process, git on a benchmark repo).
    Internal,
    /// The input is malformed (a task file, a set, an instance).
    Config,
    /// Git refused to set up a work repository.
    Git,
    /// Something named does not exist (tasks, an exercise, python3, a corpus).
    NotFound,
    /// The project is not in a state the benchmark can start from.
    InvalidState,
}

/// A failure of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The harness's own file or process I/O failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The benchmark's blocking work ended before it finished (a panic).
    #[error("the benchmark stopped: {0}")]
    Stopped(String),
    /// A git command setting up a work repository failed.
    #[error("git {command} failed in {}", dir.display())]
    RepoSetup {
        /// The git arguments.
        command: String,
        /// The work repository.
        dir: PathBuf,
    },
    /// Git failed on a benchmark repository or while switching branches.
    #[error("{message}")]
    Git {
        /// What failed.
        message: String,
        /// What to do.
        hint: Option<&'static str>,
    },
    /// The task folder holds no task.
    #[error("no task folders (with task.toml) in {}", dir.display())]
    NoTasks {
        /// The folder given.
        dir: PathBuf,
    },
    /// A task's `task.toml` does not parse.
    #[error("{task}/task.toml: {reason}")]
    TaskInvalid {
        /// The task's folder name.
        task: String,
        /// The parse error.
        reason: String,
    },
    /// An input file or option is malformed.
    #[error("{message}")]
    BadInput {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<&'static str>,
    },
    /// Something the benchmark needs does not exist.
    #[error("{message}")]
    NotFound {
        /// What is missing.
        message: String,
        /// What to do.
        hint: Option<&'static str>,
    },
    /// `python3`, which judges the exercises, cannot run.
    #[error("cannot run python3, which judges the exercises")]
    PythonMissing,
    /// No source files were found to build the edit corpus from.
    #[error("no source files found for the edit corpus: {notes}")]
    NoCorpus {
        /// Why each source gave nothing.
        notes: String,
    },
    /// `chamber ab` needs a git repository.
    #[error("{} is not a git repository", dir.display())]
    NotARepo {
        /// The project root.
        dir: PathBuf,
    },
    /// `chamber ab` needs at least two providers.
    #[error("--providers needs at least two entries to compare")]
    TooFewProviders,
    /// `chamber ab` checks the winner out, so the tree must be clean.
    #[error(
        "the working tree has uncommitted changes; the winner's branch is checked out at the end"
    )]
    DirtyTree,
}

impl BenchError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } | Self::Stopped(_) => "io_failed",
            Self::RepoSetup { .. } | Self::Git { .. } => "git_failed",
            Self::NoTasks { .. } => "no_tasks",
            Self::TaskInvalid { .. } => "task_invalid",
            Self::BadInput { .. } => "bad_input",
            Self::NotFound { .. } => "not_found",
            Self::PythonMissing => "python_missing",
            Self::NoCorpus { .. } => "no_corpus",
            Self::NotARepo { .. } => "not_a_repo",
            Self::TooFewProviders => "bad_flag",
            Self::DirtyTree => "dirty_tree",
        }
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Git { hint, .. } | Self::BadInput { hint, .. } | Self::NotFound { hint, .. } => {
                *hint
            }
            Self::NoTasks { .. } => Some("see bench/tasks/README.md for the format"),
            Self::PythonMissing => Some("install Python 3 (and pytest, optionally)"),
            Self::NoCorpus { .. } => {
                Some("install Rust crates (cargo fetch) or Python, or run inside a git repository")
            }
            Self::NotARepo { .. } => Some(
                "`chamber ab` compares the attempts' branches; run `git init` and commit first",
            ),
            Self::TooFewProviders => Some("for example --providers local,openai:gpt-4.1-mini"),
            Self::DirtyTree => Some("commit or stash them first"),
            Self::Io { .. }
            | Self::Stopped(_)
            | Self::RepoSetup { .. }
            | Self::TaskInvalid { .. } => None,
        }
    }

    /// Which kind of failure it is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Io { .. } | Self::Stopped(_) | Self::Git { .. } => ErrorKind::Internal,
            Self::RepoSetup { .. } => ErrorKind::Git,
            Self::TaskInvalid { .. } | Self::BadInput { .. } | Self::TooFewProviders => {
                ErrorKind::Config
            }
            Self::NoTasks { .. }
            | Self::NotFound { .. }
            | Self::PythonMissing
            | Self::NoCorpus { .. } => ErrorKind::NotFound,
            Self::NotARepo { .. } | Self::DirtyTree => ErrorKind::InvalidState,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_cli_codes_messages_and_kinds() {
        let e = BenchError::NoTasks {
            dir: PathBuf::from("/t"),
        };
        assert_eq!(
            (e.code(), e.to_string(), e.kind()),
            (
                "no_tasks",
                "no task folders (with task.toml) in /t".to_string(),
                ErrorKind::NotFound
            )
        );
        let e = BenchError::RepoSetup {
            command: "init -q".into(),
            dir: PathBuf::from("/w"),
        };
        assert_eq!(
            (e.code(), e.to_string(), e.kind()),
            (
                "git_failed",
                "git init -q failed in /w".to_string(),
                ErrorKind::Git
            )
        );
        let e = BenchError::Io {
            what: "cannot read x".into(),
            source: std::io::Error::other("gone"),
        };
        assert_eq!(e.to_string(), "cannot read x: gone");
        assert_eq!((e.code(), e.hint()), ("io_failed", None));
        assert_eq!(BenchError::TooFewProviders.code(), "bad_flag");
    }
}
