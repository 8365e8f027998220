//! Why a run could not be assembled. Each front end maps these to its own
//! surface (exit statuses in the CLI, HTTP statuses in the server) without
//! parsing text.

use chamber_agent::AgentError;

/// What kind of failure an error is, for mapping to exit or HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Configuration, policy or a request setting is invalid.
    Config,
    /// The model provider cannot be set up (a missing key, a bad route).
    Provider,
    /// The request does not fit the run's state (guarded with resume…).
    InvalidState,
    /// Something on this machine failed (IO, the database).
    Internal,
}

/// A failure while turning a request into a ready run.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// A setting is wrong; `hint` says where to fix it.
    #[error("{message}")]
    Setting {
        /// Stable machine code (`config_invalid`, `bad_flag`…).
        code: &'static str,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
        /// Which kind of failure.
        kind: ErrorKind,
    },
    /// The agent layer refused or failed.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// Loading the configuration layers failed.
    #[error(transparent)]
    Config(#[from] chamber_config::ConfigError),
    /// The local model could not be made ready.
    #[error(transparent)]
    Local(#[from] chamber_local::LocalError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] chamber_store::StoreError),
}

impl RuntimeError {
    /// A setting error with its code, message, hint and kind.
    pub fn setting(
        code: &'static str,
        message: impl Into<String>,
        hint: Option<&str>,
        kind: ErrorKind,
    ) -> Self {
        Self::Setting {
            code,
            message: message.into(),
            hint: hint.map(String::from),
            kind,
        }
    }

    /// An invalid configuration value, pointing at its section of the docs.
    pub fn config(message: impl Into<String>, section: &str) -> Self {
        Self::Setting {
            code: "config_invalid",
            message: message.into(),
            hint: Some(format!("see docs/configuration.md#{section}")),
            kind: ErrorKind::Config,
        }
    }
}
