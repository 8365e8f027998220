//! Runs one acting request on a ready engine: the same entry for `chamber
//! run`/`plan`/`apply`/`resume`/`fix`, `pr update` and the server's workers.

use std::sync::Arc;

use chamber_agent::{Approver, Engine, FixSettings, Observer, RunOutcome};
use chamber_verify::TestRun;

use crate::error::RuntimeError;
use crate::run_settings::{Entry, RunSettings, options_for};

/// Which acting request to run.
pub enum Act {
    /// A new run (`chamber run` / `chamber plan`, or a task).
    New {
        /// Task text.
        prompt: String,
        /// Stop after planning.
        plan_only: bool,
        /// Throwaway copy.
        dry_run: bool,
    },
    /// A new run with a plan fixed ahead of time (a recipe's steps).
    Preset {
        /// Task text.
        prompt: String,
        /// The plan; it still goes through the approval gate.
        plan: Box<chamber_protocol::Plan>,
        /// Stop after showing the plan.
        plan_only: bool,
        /// Continue this existing branch instead of a new run branch (the
        /// next run of a multi-agent workflow).
        branch: Option<String>,
    },
    /// A new task continuing an existing branch (`chamber pr update`).
    OnBranch {
        /// Task text.
        prompt: String,
        /// The branch to check out and commit on.
        branch: String,
    },
    /// Runs a saved plan (`chamber apply`).
    Apply(String),
    /// Continues a run from its event log (`chamber resume`, a rescued task).
    Resume(String),
    /// The fix loop, after a red test run (`chamber fix`).
    Fix {
        /// The fix loop's settings.
        settings: Box<FixSettings>,
        /// The test run that failed.
        first: Box<TestRun>,
    },
}

/// Applies `settings`, runs `act` with `approver` and `observer`, and fills
/// the outcome's usage and cost from the store (the whole run's, resumes
/// included).
pub async fn execute(
    engine: &mut Engine,
    act: Act,
    settings: &RunSettings,
    approver: &dyn Approver,
    observer: Arc<dyn Observer>,
) -> Result<RunOutcome, RuntimeError> {
    let (resuming, entry) = match &act {
        Act::Resume(id) => (Some(id.as_str()), Entry::Other),
        Act::New { .. } | Act::Preset { .. } => (None, Entry::New),
        Act::Fix { .. } => (None, Entry::Fix),
        _ => (None, Entry::Other),
    };
    let resuming = resuming.map(String::from);
    let mut opts = options_for(engine, settings, resuming.as_deref(), entry).await?;
    let engine = &*engine;
    let mut outcome = match act {
        Act::New {
            prompt,
            plan_only,
            dry_run,
        } => {
            opts.plan_only = plan_only;
            // A guarded run works in a throwaway copy like a dry run, then
            // stages its diff instead of discarding it.
            // Planning alone touches nothing, guarded or not.
            opts.dry_run = dry_run || (opts.guarded && !plan_only);
            opts.guarded &= !dry_run && !plan_only;
            engine.run(&prompt, opts, approver, observer).await?
        }
        Act::Preset {
            prompt,
            plan,
            plan_only,
            branch,
        } => {
            opts.plan_only = plan_only;
            opts.branch = branch;
            opts.dry_run = opts.guarded && !plan_only;
            opts.guarded &= !plan_only;
            opts.preset_plan = Some(*plan);
            engine.run(&prompt, opts, approver, observer).await?
        }
        Act::OnBranch { prompt, branch } => {
            opts.branch = Some(branch);
            engine.run(&prompt, opts, approver, observer).await?
        }
        Act::Apply(id) => engine.apply(&id, opts, approver, observer).await?,
        Act::Resume(id) => engine.resume(&id, opts, approver, observer).await?,
        Act::Fix { settings, first } => {
            engine
                .fix(*settings, *first, opts, approver, observer)
                .await?
        }
    };
    if let Ok(run) = engine.store.get_run(&outcome.run_id).await {
        outcome.usage.prompt_tokens = run.prompt_tokens;
        outcome.usage.completion_tokens = run.completion_tokens;
        outcome.cost_usd = run.cost_usd;
    }
    Ok(outcome)
}
