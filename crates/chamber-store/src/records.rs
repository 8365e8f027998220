use chamber_protocol::{Plan, RunStatus, Task};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What is known about a run when it starts.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The task (its id is the run id).
    pub task: Task,
    /// Provider name.
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Run branch, in git.
    pub branch: Option<String>,
    /// Branch the run started from.
    pub base_branch: Option<String>,
    /// Process running it.
    pub pid: u32,
}

/// A stored run.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RunRecord {
    /// Run id.
    pub id: String,
    /// The task prompt.
    pub prompt: String,
    /// Directory it ran in.
    pub workdir: String,
    /// Where it stands.
    pub status: RunStatus,
    /// The full task.
    pub task: Task,
    /// The approved plan, once there is one.
    pub plan: Option<Plan>,
    /// Run branch.
    pub branch: Option<String>,
    /// Branch it started from.
    pub base_branch: Option<String>,
    /// Whether it ran in a throwaway copy.
    pub dry_run: bool,
    /// Process that ran it last.
    pub pid: Option<u32>,
    /// Provider name.
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Outcome summary.
    pub summary: Option<String>,
    /// Prompt tokens used so far.
    pub prompt_tokens: u64,
    /// Completion tokens used so far.
    pub completion_tokens: u64,
    /// Model cost so far in USD (calls with unknown prices count 0).
    pub cost_usd: f64,
    /// Start time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A plan saved by `chamber plan`, waiting for `chamber apply`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlanRecord {
    /// Plan id.
    pub id: String,
    /// The task it plans.
    pub task: Task,
    /// The plan.
    pub plan: Plan,
    /// Directory it was made for.
    pub workdir: String,
    /// `pending` or `applied`.
    pub status: String,
    /// The run that applied it.
    pub run_id: Option<String>,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
}
