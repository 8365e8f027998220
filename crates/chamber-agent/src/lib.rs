//! The run loop: a task becomes a plan, the plan passes the approval gate,
//! each step runs as a tool-calling loop under the policy, failures are
//! recovered or reported, and the result is committed. Every step is an
//! event in the store, which is what makes `resume` possible.

mod act;
mod approval;
mod context;
mod engine;
mod error;
mod executor;
mod history_fit;
mod interrupted;
mod planner;
mod prompts;
mod provider_select;
mod recorder;
mod replay;
mod resume;
mod step_needs;
mod workspace;
mod write_guard;

pub use approval::{Approver, Observer, PlanDecision};
pub use engine::{Engine, RunOptions, RunOutcome};
pub use error::AgentError;
pub use interrupted::{pid_alive, reconcile_interrupted};
pub use provider_select::{
    DEFAULT_REMOTE_MODEL, ProviderChoice, build_provider, choose_provider, with_tool_mode,
};
pub use workspace::CHAMBER_GITIGNORE;
