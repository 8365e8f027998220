//! What a person (or a task) asked of one run, without the front end's
//! types, and the rules that turn it into the engine's run options:
//! budgets, guarded runs, dry runs, verification and approval.

use std::sync::Arc;
use std::time::Duration;

use chamber_agent::{CancelToken, Engine, RunOptions, SideEffectFence};
use chamber_policy::ApprovalMode;
use chamber_protocol::Origin;

use crate::error::{ErrorKind, RuntimeError};

/// The settings of one run: the CLI's run flags, or a task's constraints.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// Approve the plan and every action the policy allows, without asking.
    pub yes: bool,
    /// Work even though the git tree has uncommitted changes.
    pub allow_dirty: bool,
    /// Model turns allowed per plan step.
    pub max_turns: Option<u32>,
    /// Stop once models cost this many USD.
    pub budget_cost: Option<f64>,
    /// Stop after this long.
    pub budget_time: Option<Duration>,
    /// Stop once this many tokens are used.
    pub budget_tokens: Option<u64>,
    /// The tests must pass at the end (the fix loop runs after the plan).
    pub verify: bool,
    /// Add a Signed-off-by trailer to the run's commits.
    pub signoff: bool,
    /// Work in a new git worktree on the run branch.
    pub worktree: bool,
    /// Keep that worktree after a completed run.
    pub keep_worktree: bool,
    /// Start the run branch from this branch or commit (needs `worktree`).
    pub base: Option<String>,
    /// Approval mode (`read-only`, `ask`, `auto-edit`, `full-auto`).
    pub mode: Option<String>,
    /// Confine writes to this lane's globs.
    pub lane: Option<String>,
    /// Stage the changes as a patch instead of touching the project.
    pub guarded: bool,
    /// `auto`, `loop` or `direct`.
    pub strategy: Option<String>,
    /// Direct-mode attempts.
    pub candidates: Option<u32>,
    /// Where the run was asked for.
    pub origin: Origin,
    /// Cancels the run at its next safe point.
    pub cancel: CancelToken,
    /// Checked before side effects that leave the run (a queue worker's
    /// fencing token); none for the CLI.
    pub fence: Option<Arc<dyn SideEffectFence>>,
}

/// Which acting entry point the options are for (a guarded run can only be
/// a new one; `--verify` is the fix loop itself for `Fix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A new run.
    New,
    /// Any other (apply, resume, a branch update).
    Other,
    /// The fix loop.
    Fix,
}

/// Applies `settings` to the engine (budget, strategy) and builds the run's
/// options and gate. Refuses combinations that could not keep their
/// promise (a guarded resume, a guarded run with `--verify`).
pub async fn run_options(
    engine: &mut Engine,
    settings: &RunSettings,
    resuming: Option<&str>,
) -> Result<RunOptions, RuntimeError> {
    options_for(engine, settings, resuming, Entry::New).await
}

pub(crate) async fn options_for(
    engine: &mut Engine,
    settings: &RunSettings,
    resuming: Option<&str>,
    entry: Entry,
) -> Result<RunOptions, RuntimeError> {
    let mut budget = engine.budget;
    if let Some(run_id) = resuming {
        // A resumed run keeps the budget it was started (or last resumed)
        // with; the settings below override it resource by resource.
        if let Ok(run) = engine.store.get_run(run_id).await
            && let Some(recorded) = &run.task.constraints.budget
        {
            budget = chamber_agent::budget_from_record(recorded, &budget);
        }
    }
    if let Some(c) = settings.budget_cost {
        if !(c > 0.0 && c.is_finite()) {
            return Err(RuntimeError::setting(
                "bad_flag",
                format!("--budget-cost {c}: expected a positive amount of USD"),
                None,
                ErrorKind::Config,
            ));
        }
        budget.cost_usd = Some(c);
    }
    if let Some(t) = settings.budget_time {
        budget.time = Some(t);
    }
    if let Some(n) = settings.budget_tokens {
        budget.tokens = Some(n);
    }
    engine.budget = budget;
    if let Some(s) = &settings.strategy {
        engine.config.agent.strategy = s.clone();
    }
    if let Some(n) = settings.candidates {
        engine.config.agent.candidates = n;
    }
    let mode = crate::gate::mode_of(&engine.config, settings)?;
    let gate = crate::gate::build_gate(
        &engine.root,
        &engine.config,
        settings,
        crate::gate::sandbox_state(&engine.config, &engine.root, mode),
    )?;
    // Full-auto approves the plan too; `--yes` (and the older `auto`) as before.
    let auto = gate.settings().auto_approve || mode == ApprovalMode::FullAuto;
    let auto_approved_by = match (settings.yes, gate.settings().auto_approve) {
        (true, _) => "--yes",
        (false, true) => "approval.mode = auto",
        (false, false) => "full-auto mode",
    };
    let mut opts = RunOptions {
        gate: Arc::new(gate),
        guarded: settings.guarded
            || engine.config.approval.guarded
            || !engine.config.paths.guarded.is_empty(),
        auto_approve: auto,
        allow_dirty: settings.allow_dirty,
        max_turns_per_step: settings.max_turns,
        signoff: settings.signoff,
        worktree: settings.worktree || settings.keep_worktree,
        keep_worktree: settings.keep_worktree,
        base: settings.base.clone(),
        auto_approved_by: auto_approved_by.to_string(),
        origin: settings.origin,
        cancel: settings.cancel.clone(),
        budget: Some(budget),
        fence: settings.fence.clone(),
        ..RunOptions::default()
    };
    if opts.guarded && entry != Entry::New {
        // Only a new run can start in the throwaway copy a guarded run
        // needs; anything else would write to the project itself.
        return Err(RuntimeError::setting(
            "guarded_unsupported",
            "this run would be guarded (--guarded, approval.guarded or [paths] guarded), but only `chamber run` can stage its changes; nothing was done",
            Some("use `chamber run --guarded \"…\"`, then `chamber apply-guarded <run>`"),
            ErrorKind::InvalidState,
        ));
    }
    if opts.guarded && settings.verify {
        return Err(RuntimeError::setting(
            "guarded_unsupported",
            "--verify cannot be combined with a guarded run: its tests would run on changes that are only staged",
            Some("run the tests after `chamber apply-guarded`, or drop --verify"),
            ErrorKind::InvalidState,
        ));
    }
    if settings.verify && entry != Entry::Fix {
        opts.verify = Some(crate::test_setup::fix_settings(engine, None)?);
    }
    Ok(opts)
}
