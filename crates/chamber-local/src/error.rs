use std::path::PathBuf;

/// What went wrong while installing or serving a local model. Every variant
/// has a hint saying what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// A program the installer needs is not on PATH.
    #[error("{program} not found: {why}")]
    MissingTool {
        /// The program.
        program: String,
        /// What it is needed for.
        why: String,
        /// How to get it.
        install: String,
    },
    /// A helper program ran and failed.
    #[error("{what} failed (exit {code}): {tail}")]
    CommandFailed {
        /// What was being done.
        what: String,
        /// Exit code (-1 when killed by a signal).
        code: i32,
        /// The last lines of its output.
        tail: String,
        /// Full log.
        log: PathBuf,
    },
    /// A downloaded or assembled file does not have the pinned hash.
    #[error("{path}: sha256 {actual} does not match the pinned {expected}")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// Pinned hash.
        expected: String,
        /// Hash found.
        actual: String,
    },
    /// A package did not contain what the catalogue says it does.
    #[error("{0}")]
    BadPackage(String),
    /// No model by that name in the catalogue or the user's registry.
    #[error("unknown model {name:?}; known: {known}")]
    UnknownModel {
        /// What was asked for.
        name: String,
        /// Known names.
        known: String,
    },
    /// The model exists but its weights are not installed.
    #[error("model {0} is not installed")]
    NotInstalled(String),
    /// `llama-server` has not been built yet.
    #[error("the llama-server runtime is not installed")]
    RuntimeMissing,
    /// The server did not become ready.
    #[error("llama-server for {model} did not start: {reason}")]
    ServerStart {
        /// The model.
        model: String,
        /// Why, with the end of the server log.
        reason: String,
        /// Server log.
        log: PathBuf,
    },
    /// Another process already serves this model.
    #[error("{model} is already served by pid {pid} on port {port}")]
    AlreadyServing {
        /// The model.
        model: String,
        /// Supervisor pid.
        pid: u32,
        /// Port.
        port: u16,
    },
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl LocalError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// What the user can do next.
    pub fn hint(&self) -> String {
        match self {
            Self::MissingTool { install, .. } => install.clone(),
            Self::CommandFailed { log, .. } => {
                format!("the full output is in {}; fix the cause and run the same command again (finished parts are kept)", log.display())
            }
            Self::HashMismatch { .. } => "the file was deleted; run the install again to fetch it afresh".into(),
            Self::BadPackage(_) => "the pinned package changed or is damaged; report it".into(),
            Self::UnknownModel { .. } => "`chamber model list` shows the catalogue; `chamber model add NAME --gguf PATH` registers your own file".into(),
            Self::NotInstalled(name) => format!("run `chamber model install {name}`, or set OPENAI_API_KEY / --base-url to use a remote model"),
            Self::RuntimeMissing => "run `chamber model install` (it builds llama-server once, about 10 minutes on 2 cores)".into(),
            Self::ServerStart { log, .. } => format!("see {}; `chamber doctor` checks the setup", log.display()),
            Self::AlreadyServing { .. } => "use that server, or stop it first".into(),
            Self::Io { .. } => "check free disk space and permissions of the data directory (CHAMBER_HOME)".into(),
        }
    }
}
