use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A natural-language request and the limits it runs under. It is stored
/// before any work starts, so a crash never loses what was asked.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Task {
    /// Identifier of the task (the run reuses it).
    pub id: String,
    /// What the user asked for, verbatim.
    pub prompt: String,
    /// Absolute path of the working directory the run acts on.
    pub workdir: String,
    /// Where the task came from.
    pub origin: Origin,
    /// Limits the run must respect.
    #[serde(default)]
    pub constraints: TaskConstraints,
    /// When the task was received.
    pub created_at: DateTime<Utc>,
}

/// Who handed Chamber the task; later issues add the API, inbox files and agents.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Typed on the command line.
    #[default]
    Cli,
    /// Submitted over the HTTP API.
    Api,
    /// Picked up from a dropped task file.
    Inbox,
    /// Sent by another agent.
    Agent,
}

/// Limits a run must respect; absent values fall back to configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TaskConstraints {
    /// Approve the plan and every action the policy allows without asking.
    #[serde(default)]
    pub auto_approve: bool,
    /// Run in a throwaway copy of the tree; the user's files are untouched.
    #[serde(default)]
    pub dry_run: bool,
    /// Proceed even though the git tree has uncommitted changes.
    #[serde(default)]
    pub allow_dirty: bool,
    /// Maximum model turns per plan step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns_per_step: Option<u32>,
    /// The budget the run was started (or last resumed) with; `resume`
    /// keeps it unless budget flags override it. Absent in runs recorded
    /// before budgets were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<RunBudget>,
}

/// A run's limits as recorded with its task; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct RunBudget {
    /// Most USD to spend on model calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Longest wall-clock time per invocation, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_secs: Option<f64>,
    /// Most prompt + completion tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
}
