use std::path::PathBuf;

/// Why detecting or running the tests failed (a failing test is not an error).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// `[test] runner` names no known runner.
    #[error("unknown test runner {0:?}: expected one of {list}", list = crate::Runner::NAMES.join(", "))]
    UnknownRunner(String),
    /// A runner was named without a command and it has no default command.
    #[error("test runner {0:?} has no default command; set [test] command")]
    NoDefaultCommand(String),
    /// The test command could not be started.
    #[error("cannot start `{command}` in {}: {source}", root.display())]
    Spawn {
        /// The command line.
        command: String,
        /// Where it was started.
        root: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Reading the command's output or waiting for it failed.
    #[error("running `{command}` failed: {source}")]
    Io {
        /// The command line.
        command: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
