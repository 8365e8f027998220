//! The option and outcome types of a run, in a leaf module so that the
//! engine, the executor, the fix loop and the gatekeeper can share them
//! without depending on each other.

use std::path::PathBuf;
use std::sync::Arc;

use chamber_policy::{Budget, Gate};
use chamber_protocol::{Origin, Plan, RunStatus, Usage};
use serde::Serialize;

use crate::cancel::CancelToken;
use crate::fix_report::{FixReport, FixSettings};

/// How a run should behave, from flags or a task's constraints.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Approve the plan and every action the policy allows.
    pub auto_approve: bool,
    /// Work in a throwaway copy.
    pub dry_run: bool,
    /// Accept a dirty git tree.
    pub allow_dirty: bool,
    /// Stop after saving the plan (`chamber plan`).
    pub plan_only: bool,
    /// Override of the per-step turn budget.
    pub max_turns_per_step: Option<u32>,
    /// Add a `Signed-off-by:` trailer to the run's commits.
    pub signoff: bool,
    /// Run the tests after the plan and fix them until green (`--verify`).
    pub verify: Option<FixSettings>,
    /// Work in a new linked git worktree under the data dir, on the run
    /// branch made from HEAD; the user's checkout stays untouched.
    pub worktree: bool,
    /// Keep the worktree after a completed run (failed runs always keep it).
    pub keep_worktree: bool,
    /// Start the worktree's run branch from this branch or commit instead
    /// of HEAD (a queued task's `base_branch`); needs `worktree`.
    pub base: Option<String>,
    /// Continue this existing branch instead of a new `chamber/<id8>` one
    /// (`chamber pr update`).
    pub branch: Option<String>,
    /// The run's gate: approval mode, path rules, command policy and the
    /// answers remembered for the session.
    pub gate: Arc<Gate>,
    /// Stage the run's changes as a patch for `chamber apply-guarded`
    /// instead of touching the project.
    pub guarded: bool,
    /// What made `auto_approve` true, for the trace (`--yes`, `full-auto
    /// mode`); `--yes` when empty.
    pub auto_approved_by: String,
    /// Where the run was asked for (recorded on its task).
    pub origin: Origin,
    /// Stops the run at its next safe point (before a model or tool call)
    /// when cancelled; the server's task cancel and the CLI's Ctrl-C use it.
    pub cancel: CancelToken,
    /// The run's limits when the request sets them; the engine's
    /// configured budget otherwise.
    pub budget: Option<Budget>,
    /// Checked before every side effect that leaves the run (a commit):
    /// a queue worker that lost its lease must not act after the rescue.
    pub fence: Option<Arc<dyn SideEffectFence>>,
    /// A plan fixed ahead of time (a recipe's steps): no planning turn is
    /// taken, and it goes through the approval gate like a model's plan.
    pub preset_plan: Option<Plan>,
}

/// Says whether this process may still act for the run; the server's
/// workers check their task's fencing token here.
#[async_trait::async_trait]
pub trait SideEffectFence: Send + Sync + std::fmt::Debug {
    /// `Err` with the reason when another worker holds the run now.
    async fn check(&self) -> Result<(), String>;
}

impl RunOptions {
    /// Who approved the plan in advance, as the `plan_approved` event says.
    pub(crate) fn auto_approver(&self) -> String {
        let why = if self.auto_approved_by.is_empty() {
            "--yes"
        } else {
            &self.auto_approved_by
        };
        format!("policy ({why})")
    }
}

/// What a run produced, for the front end to print.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// Run id.
    pub run_id: String,
    /// Final status.
    pub status: RunStatus,
    /// The plan followed (or proposed).
    pub plan: Option<Plan>,
    /// Saved plan id, when the run stopped for approval.
    pub plan_id: Option<String>,
    /// Human summary.
    pub summary: String,
    /// The change as a unified diff.
    pub diff: Option<String>,
    /// Branch committed to.
    pub branch: Option<String>,
    /// Commit id.
    pub commit: Option<String>,
    /// Shell commands run, with exit codes.
    pub commands: Vec<(String, Option<i32>)>,
    /// Tokens used by the run.
    pub usage: Usage,
    /// Model cost of the run in USD (calls with unknown prices count 0).
    pub cost_usd: f64,
    /// What the fix loop did, for `chamber fix` and `run --verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixReport>,
    /// The linked worktree the run worked in, while it still exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<PathBuf>,
}
