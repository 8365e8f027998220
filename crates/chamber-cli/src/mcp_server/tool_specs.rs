//! The tools Chamber serves over MCP: their arguments (one struct each,
//! which both parses a call and gives the schema clients see) and
//! descriptions.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Deserialize;

/// `chamber_run`: queue a task.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunArgs {
    /// What to do, in plain words.
    pub prompt: String,
    /// The repository: a path under the server's repository roots (default:
    /// the project Chamber serves).
    #[serde(default)]
    pub repo: Option<String>,
    /// Wait until the task ends, with progress notifications meanwhile.
    #[serde(default)]
    pub wait: bool,
    /// Approval mode for the run: read-only, ask, auto-edit or full-auto.
    #[serde(default)]
    pub mode: Option<String>,
    /// Approve ordinary asks in advance (like `--yes`).
    #[serde(default)]
    pub auto_approve: bool,
    /// Run the tests after the last step and fix what fails.
    #[serde(default)]
    pub verify: bool,
    /// Stop the run at this cost in USD.
    #[serde(default)]
    pub budget_cost_usd: Option<f64>,
    /// Stop the run after this many seconds.
    #[serde(default)]
    pub budget_time_secs: Option<u64>,
}

/// `chamber_plan`: queue a plan-only task.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    /// What to plan, in plain words.
    pub prompt: String,
    /// The repository (default: the project Chamber serves).
    #[serde(default)]
    pub repo: Option<String>,
    /// Wait for the plan.
    #[serde(default)]
    pub wait: bool,
}

/// `chamber_status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusArgs {
    /// The task's id; without it, the most recent tasks.
    #[serde(default)]
    pub task_id: Option<String>,
}

/// `chamber_reply`: continue a task with a follow-up.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyArgs {
    /// The task to continue (its branch is the new task's base).
    pub task_id: String,
    /// The follow-up request.
    pub message: String,
    /// Wait until the new task ends.
    #[serde(default)]
    pub wait: bool,
}

/// `chamber_approve`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveArgs {
    /// The approval request's id (see `chamber_status`); without it, the
    /// pending requests are listed.
    #[serde(default)]
    pub approval_id: Option<String>,
    /// approve, approve_for_session or reject.
    #[serde(default)]
    pub decision: Option<String>,
}

/// `search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words, identifiers or a phrase.
    pub query: String,
    /// Most files to return (default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `symbols`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SymbolsArgs {
    /// A file path (its outline) or a symbol name (where it is defined and used).
    pub target: String,
}

/// `repo_map`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoMapArgs {
    /// Token budget of the map (default 1024).
    #[serde(default)]
    pub tokens: Option<usize>,
    /// Rank files for this task.
    #[serde(default)]
    pub task: Option<String>,
}

/// `context`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextArgs {
    /// The task the context is for.
    pub task: String,
}

/// `apply_patch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchArgs {
    /// A unified diff, or a `*** Begin Patch` envelope.
    pub patch: String,
}

/// `run_tests`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestArgs {
    /// Seconds before the test command is stopped (default 600).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// `review`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewArgs {
    /// A unified diff to review; without it, the uncommitted changes.
    #[serde(default)]
    pub diff: Option<String>,
    /// Review a run's branch instead (run id or prefix).
    #[serde(default)]
    pub run_id: Option<String>,
}

fn schema<A: JsonSchema>() -> Arc<JsonObject> {
    let mut value = serde_json::to_value(schemars::schema_for!(A)).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
    }
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

fn tool<A: JsonSchema>(name: &'static str, description: &'static str, read_only: bool) -> Tool {
    // Whatever changes something may change files or start work: clients
    // that skip confirmation for non-destructive tools must not skip these.
    let mut annotations = ToolAnnotations::new().read_only(read_only);
    annotations.destructive_hint = Some(!read_only);
    Tool::new(name, description, schema::<A>()).with_annotations(annotations)
}

/// Every tool, in a stable order.
pub fn all() -> Vec<Tool> {
    vec![
        tool::<RunArgs>(
            "chamber_run",
            "Start a Chamber task (plan, edit, test, commit on a branch chamber/<id>) and return its id; with wait, stream progress until it ends and return the result.",
            false,
        ),
        tool::<StatusArgs>(
            "chamber_status",
            "A task's state, run, branch, result and pending approvals; without task_id, the recent tasks.",
            true,
        ),
        tool::<ReplyArgs>(
            "chamber_reply",
            "Continue a task: a follow-up task that starts from the first one's branch.",
            false,
        ),
        tool::<ApproveArgs>(
            "chamber_approve",
            "Answer a pending approval (approve, approve_for_session, reject); without approval_id, list the pending ones.",
            false,
        ),
        tool::<PlanArgs>(
            "chamber_plan",
            "Ask Chamber for a plan without acting; the plan is saved for approval.",
            false,
        ),
        tool::<SearchArgs>(
            "search",
            "Ranked files of the project for a query (BM25 over content, paths and symbols), with matching symbols and lines.",
            true,
        ),
        tool::<SymbolsArgs>(
            "symbols",
            "A file's outline, or where a symbol is defined and referenced.",
            true,
        ),
        tool::<RepoMapArgs>(
            "repo_map",
            "The repository map: the most important files with their key symbols, within a token budget.",
            true,
        ),
        tool::<ContextArgs>(
            "context",
            "The context Chamber would give a model for a task: instructions, repo map, relevant files and tests.",
            true,
        ),
        tool::<PatchArgs>(
            "apply_patch",
            "Apply a unified diff or *** Begin Patch envelope with Chamber's tolerant edit engine, all or nothing; ambiguous hunks are refused. Recorded so `chamber patch rollback` undoes it.",
            false,
        ),
        tool::<TestArgs>(
            "run_tests",
            "Run the project's tests and return the structured failures (test, file:line, expected/actual).",
            false,
        ),
        tool::<ReviewArgs>(
            "review",
            "Review a diff: size, secrets, protected paths, debug leftovers, missing tests.",
            true,
        ),
    ]
}
