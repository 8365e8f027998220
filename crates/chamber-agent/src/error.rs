/// Why a run could not start or continue. Each variant maps to a stable code
/// and exit status in the CLI.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] chamber_store::StoreError),
    /// The model provider failed in a way retries did not fix.
    #[error("model request failed: {0}")]
    Llm(#[from] chamber_llm::LlmError),
    /// A git command failed.
    #[error(transparent)]
    Git(#[from] chamber_tools::GitError),
    /// The git tree has uncommitted changes.
    #[error("the working tree has uncommitted changes: {}", paths.join(", "))]
    DirtyTree {
        /// The changed paths.
        paths: Vec<String>,
    },
    /// The run or plan is not in a state that allows the request.
    #[error("{0}")]
    InvalidState(String),
    /// The plan needs a person's approval and nobody can give it here (no
    /// terminal, no `--yes`); the plan stays saved.
    #[error("{message}")]
    NeedsApproval {
        /// What waits for approval.
        message: String,
        /// The saved plan's id.
        plan_id: String,
    },
    /// A cost, time or token budget ran out; the run stops cleanly.
    #[error("the {} budget is spent: {} of {}", .0.resource.as_str(), .0.resource.show(.0.used), .0.resource.show(.0.limit))]
    BudgetExceeded(chamber_policy::Reading),
    /// The front end cancelled the run (a task cancel); the reason given.
    #[error("the run was cancelled: {0}")]
    Cancelled(String),
    /// Another worker holds the run now; this one must not act for it.
    #[error("side effect refused by the fencing token: {0}")]
    Fenced(String),
    /// Recording, finding, applying or rolling back a patch failed.
    #[error(transparent)]
    Patch(#[from] chamber_tools::patches::PatchError),
    /// A file operation failed.
    #[error("{context}: {error}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        error: std::io::Error,
    },
}

impl AgentError {
    /// Wraps an IO error with what was being done.
    pub fn io(context: impl Into<String>, error: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            error,
        }
    }
}
