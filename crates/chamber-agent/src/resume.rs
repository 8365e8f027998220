use std::sync::Arc;

use chamber_protocol::{EventKind, RunStatus};
use chamber_store::JsonlLog;

use crate::engine::Engine;
use crate::options::{RunOptions, RunOutcome};
use crate::recorder::Recorder;
use crate::replay::resume_point;
use crate::{AgentError, Approver, Observer, PlanDecision, reconcile_interrupted};

impl Engine {
    /// Executes a saved plan (`chamber apply`), after approval.
    pub async fn apply(
        &self,
        plan_id: &str,
        opts: RunOptions,
        approver: &dyn Approver,
        observer: Arc<dyn Observer>,
    ) -> Result<RunOutcome, AgentError> {
        let saved = self.store.get_plan(plan_id).await?;
        if saved.status != "pending" {
            return Err(AgentError::InvalidState(format!(
                "plan {} was already applied by run {}",
                saved.id,
                saved.run_id.as_deref().unwrap_or("?")
            )));
        }
        let run_id = saved.run_id.clone().unwrap_or_default();
        let run = self.store.get_run(&run_id).await?;
        let opts = RunOptions {
            branch: opts.branch.or_else(|| run.branch.clone()),
            ..opts
        };
        if run.status != RunStatus::AwaitingApproval {
            return Err(AgentError::InvalidState(format!(
                "run {} is {}, not awaiting approval",
                run.id,
                run.status.as_str()
            )));
        }
        let (plan, by) = if opts.auto_approve {
            (saved.plan.clone(), opts.auto_approver())
        } else if approver.interactive() {
            match approver.review_plan(&saved.plan).await {
                PlanDecision::Approve => (saved.plan.clone(), approver.name()),
                PlanDecision::Edited(p) => (p, approver.name()),
                PlanDecision::Reject(reason) => {
                    return Err(AgentError::InvalidState(format!(
                        "plan not applied: {reason}"
                    )));
                }
            }
        } else {
            return Err(AgentError::NeedsApproval {
                message: format!(
                    "plan {} needs approval, and there is no terminal to ask in; nothing was done",
                    saved.id
                ),
                plan_id: saved.id.clone(),
            });
        };
        let events = self.store.events(&run.id).await?;
        let ws = self.workspace_for(&events)?;
        ws.check_clean(opts.allow_dirty)?;
        let mut rec = self.reopen(&run.id, &events, observer).await?;
        // Cost and tokens count over the whole run; time over this invocation.
        rec.meter = chamber_policy::BudgetMeter::new(
            opts.budget.unwrap_or(self.budget),
            run.cost_usd,
            run.prompt_tokens + run.completion_tokens,
        );
        rec.cancel = opts.cancel.clone();
        self.store.mark_plan_applied(&saved.id, &run.id).await?;
        rec.emit(EventKind::PlanApproved {
            plan: plan.clone(),
            by,
        })
        .await?;
        crate::gatekeeper::note_sandbox(&mut rec, &opts).await?;
        self.store.set_plan(&run.id, &plan).await?;
        let mut task = run.task.clone();
        task.constraints.auto_approve = opts.auto_approve;
        let keep = opts.keep_worktree;
        let outcome = self
            .act(
                &mut rec,
                &task,
                plan,
                ws,
                Default::default(),
                approver,
                &opts,
            )
            .await?;
        self.settle_worktree(outcome, keep)
    }

    /// Continues an interrupted or failed run from its last completed step,
    /// without redoing finished tool calls.
    pub async fn resume(
        &self,
        run_id: &str,
        mut opts: RunOptions,
        approver: &dyn Approver,
        observer: Arc<dyn Observer>,
    ) -> Result<RunOutcome, AgentError> {
        let mut run = self.store.get_run(run_id).await?;
        reconcile_interrupted(&self.store, &mut run).await?;
        match run.status {
            RunStatus::Interrupted | RunStatus::Failed | RunStatus::BudgetExceeded => {}
            RunStatus::Running => {
                return Err(AgentError::InvalidState(format!(
                    "run {} is still running (pid {})",
                    run.id,
                    run.pid.unwrap_or_default()
                )));
            }
            RunStatus::AwaitingApproval => {
                return Err(AgentError::InvalidState(format!(
                    "run {} is waiting for plan approval; use `chamber apply` with its plan id (see `chamber runs show {}`)",
                    run.id, run.id
                )));
            }
            other => {
                return Err(AgentError::InvalidState(format!(
                    "run {} is {}; only interrupted, failed or budget-stopped runs can be resumed",
                    run.id,
                    other.as_str()
                )));
            }
        }
        if run.dry_run {
            return Err(AgentError::InvalidState(
                "a dry run cannot be resumed: its throwaway copy is gone; start it again".into(),
            ));
        }
        let events = self.store.events(&run.id).await?;
        let mut point = resume_point(&events);
        if run.status == RunStatus::Failed {
            // A failed step gets a fresh attempt; an exhausted re-plan budget is reset.
            point.partial = None;
            point.replans_used = 0;
        }
        let ws = self.workspace_for(&events)?;
        if let (Some(git), Some(branch)) = (&ws.git, &run.branch)
            && git.current_branch().ok().as_deref() != Some(branch.as_str())
        {
            ws.check_clean(opts.allow_dirty)?;
        }
        let mut rec = self.reopen(&run.id, &events, observer).await?;
        if run.status == RunStatus::Failed
            && let Some((step_id, checkpoint)) = crate::replay::failed_step(&events)
        {
            // The failed step starts over from the state it started from.
            if let (Some(git), Some(branch)) = (&ws.git, &run.branch)
                && git.current_branch().ok().as_deref() != Some(branch.as_str())
            {
                // Reverting needs the run's branch checked out.
                ws.enter_branch(branch)?;
            }
            let checkpoint_id = checkpoint.id.clone();
            let files = crate::undo::revert_step(&ws.dir, &run.id, &events, checkpoint)?;
            rec.emit(EventKind::StepRestored {
                step_id,
                checkpoint_id,
                files,
                reason: "resume".into(),
            })
            .await?;
        }
        // Cost and tokens count over the whole run; time over this invocation.
        rec.meter = chamber_policy::BudgetMeter::new(
            opts.budget.unwrap_or(self.budget),
            run.cost_usd,
            run.prompt_tokens + run.completion_tokens,
        );
        rec.cancel = opts.cancel.clone();
        // The budget this invocation runs under becomes the run's: a later
        // resume without budget flags keeps it.
        let mut task = run.task.clone();
        task.constraints.budget = Some(crate::run_budget::to_record(
            &opts.budget.unwrap_or(self.budget),
        ));
        self.store.set_task(&run.id, &task).await?;
        self.warn_unmeasured(&mut rec).await?;
        opts.auto_approve |= run.task.constraints.auto_approve;
        if opts.branch.is_none() {
            opts.branch = run.branch.clone();
        }
        if opts.max_turns_per_step.is_none() {
            opts.max_turns_per_step = run.task.constraints.max_turns_per_step;
        }
        let Some(plan) = point.plan.clone() else {
            rec.emit(EventKind::RunResumed {
                from_step: "planning".into(),
            })
            .await?;
            crate::gatekeeper::note_sandbox(&mut rec, &opts).await?;
            let keep = opts.keep_worktree;
            let outcome = self
                .plan_and_gate(&mut rec, &run.task, ws, opts, approver)
                .await?;
            return self.settle_worktree(outcome, keep);
        };
        let from_step = point
            .partial
            .as_ref()
            .map(|p| p.step_id.clone())
            .or_else(|| {
                plan.steps
                    .iter()
                    .find(|s| !point.done.contains(&s.id))
                    .map(|s| s.id.clone())
            })
            .unwrap_or_else(|| "end".into());
        rec.emit(EventKind::RunResumed { from_step }).await?;
        crate::gatekeeper::note_sandbox(&mut rec, &opts).await?;
        let keep = opts.keep_worktree;
        let outcome = self
            .act(&mut rec, &run.task, plan, ws, point, approver, &opts)
            .await?;
        self.settle_worktree(outcome, keep)
    }

    /// Takes over a stored run in this process: claims it (pid, `running`)
    /// and continues its event log after the `recorded` events it has.
    async fn reopen(
        &self,
        run_id: &str,
        recorded: &[chamber_protocol::Event],
        observer: Arc<dyn Observer>,
    ) -> Result<Recorder, AgentError> {
        let outside = self.logs_outside_project(run_id);
        let mut jsonl = JsonlLog::open(&self.run_log_dir(run_id, outside))?;
        // A kill between the database and the file left the file short.
        jsonl.catch_up(recorded)?;
        self.store.claim(run_id, std::process::id()).await?;
        Ok(Recorder::new(
            run_id.to_string(),
            recorded.last().map_or(0, |e| e.seq),
            self.store.clone(),
            Some(jsonl),
            observer,
        )
        .redacting(self.redactor.clone()))
    }
}
