//! A run's entry flow: record the new run, gather context, get a plan,
//! pass it through the approval gate, then hand it to the executor. The
//! `Engine` struct stays in `engine.rs`; this is the path every new run takes.

use std::sync::Arc;

use chamber_policy::BudgetMeter;
use chamber_protocol::{EventKind, Plan, RunStatus, Task, TaskConstraints, new_id};
use chamber_store::{JsonlLog, NewRun, PlanRecord};

use crate::context::ProjectContext;
use crate::engine::Engine;
use crate::options::{RunOptions, RunOutcome};
use crate::planner::{self, PlanFailure};
use crate::recorder::Recorder;
use crate::replay::ResumePoint;
use crate::workspace::Workspace;
use crate::{AgentError, Approver, Observer, PlanDecision, prompts};

impl Engine {
    /// Plans, gates and acts on a new task (`chamber run` and `chamber plan`).
    pub async fn run(
        &self,
        prompt: &str,
        opts: RunOptions,
        approver: &dyn Approver,
        observer: Arc<dyn Observer>,
    ) -> Result<RunOutcome, AgentError> {
        let (mut rec, task, ws) = self.start_run(prompt, &opts, observer).await?;
        let keep = opts.keep_worktree;
        let outcome = self
            .plan_and_gate(&mut rec, &task, ws, opts, approver)
            .await?;
        self.settle_worktree(outcome, keep)
    }

    /// Records a new run for `prompt` and emits `run_started`.
    pub(crate) async fn start_run(
        &self,
        prompt: &str,
        opts: &RunOptions,
        observer: Arc<dyn Observer>,
    ) -> Result<(Recorder, Task, Workspace), AgentError> {
        let id = new_id();
        // The task text is stored and sent to models: a secret pasted into
        // it is hidden from the start.
        let prompt = &*self.redactor.redact(prompt);
        let base_branch = opts.base.clone().or_else(|| {
            chamber_tools::Git::discover(&self.root).and_then(|g| g.current_branch().ok())
        });
        let in_worktree = opts.worktree && !opts.dry_run;
        if opts.base.is_some() && !in_worktree {
            return Err(AgentError::InvalidState(
                "a base branch needs a worktree run (the checkout itself stays on its branch)"
                    .into(),
            ));
        }
        let ws = if in_worktree {
            // A worktree starts from HEAD (or the base asked for), so a
            // dirty checkout does not matter.
            Workspace::add_worktree(
                &self.root,
                &self.data_dir.join("worktrees").join(&id),
                &self.run_branch(&id, opts),
                opts.base.as_deref(),
            )?
        } else {
            let ws = Workspace::prepare(&self.root, opts.dry_run)?;
            if !opts.plan_only {
                ws.check_clean(opts.allow_dirty)?;
            }
            ws
        };
        let task = Task {
            id,
            prompt: prompt.to_string(),
            workdir: self.root.display().to_string(),
            origin: opts.origin,
            constraints: TaskConstraints {
                auto_approve: opts.auto_approve,
                dry_run: opts.dry_run,
                allow_dirty: opts.allow_dirty,
                max_turns_per_step: opts.max_turns_per_step,
                budget: Some(crate::run_budget::to_record(
                    &opts.budget.unwrap_or(self.budget),
                )),
            },
            created_at: chrono::Utc::now(),
        };
        let branch = ws.git.as_ref().map(|_| self.run_branch(&task.id, opts));
        let base_branch = ws.git.as_ref().and(base_branch);
        self.store
            .create_run(&NewRun {
                task: task.clone(),
                provider: self.choice.provider.clone(),
                model: self.choice.model.clone(),
                branch: branch.clone(),
                base_branch,
                pid: std::process::id(),
            })
            .await?;
        if !opts.dry_run {
            ws.ensure_chamber_gitignore()?;
        }
        let jsonl = JsonlLog::open(&self.run_log_dir(&task.id, opts.dry_run || in_worktree))?;
        let mut rec = Recorder::new(
            task.id.clone(),
            0,
            self.store.clone(),
            Some(jsonl),
            observer,
        )
        .redacting(self.redactor.clone());
        rec.meter = BudgetMeter::new(opts.budget.unwrap_or(self.budget), 0.0, 0);
        rec.cancel = opts.cancel.clone();
        rec.emit(EventKind::RunStarted {
            task: task.clone(),
            provider: self.choice.provider.clone(),
            model: self.choice.model.clone(),
            branch: if opts.dry_run { None } else { branch },
            workspace: ws.dir.display().to_string(),
        })
        .await?;
        crate::gatekeeper::note_sandbox(&mut rec, opts).await?;
        self.warn_unmeasured(&mut rec).await?;
        Ok((rec, task, ws))
    }

    /// Gathers context, gets a plan, and passes it through the approval gate.
    pub(crate) async fn plan_and_gate(
        &self,
        rec: &mut Recorder,
        task: &Task,
        mut ws: Workspace,
        opts: RunOptions,
        approver: &dyn Approver,
    ) -> Result<RunOutcome, AgentError> {
        let context = ProjectContext::gather(
            &ws.dir,
            &self.config,
            self.choice.local,
            &self.registry,
            &task.prompt,
        )
        .await;
        let context_text = context.render();
        rec.emit(EventKind::ContextBuilt {
            instruction_files: context.instruction_names(),
            chars: context_text.len(),
            pieces: context.pieces(),
            fallback: context.fallback.clone(),
        })
        .await?;
        let requested = match opts.preset_plan.clone() {
            Some(preset) => Ok(Ok(preset)),
            None => match self.strategy(&task.prompt) {
                crate::direct::Strategy::Direct => Ok(Ok(crate::direct::direct_plan(&task.prompt))),
                crate::direct::Strategy::Loop => {
                    planner::request_plan(
                        self,
                        rec,
                        prompts::plan_request(task, &context_text),
                        &task.prompt,
                    )
                    .await
                }
            },
        };
        let plan = match self.guard(rec, requested).await? {
            Ok(Ok(mut plan)) => {
                self.actionize(&mut plan, &ws.dir);
                plan
            }
            Ok(Err(PlanFailure(reason))) => {
                return self
                    .finish_failed(rec, None, &format!("planning failed: {reason}"), None)
                    .await;
            }
            Err(outcome) => return Ok(outcome),
        };
        rec.emit(EventKind::PlanProposed { plan: plan.clone() })
            .await?;
        self.store.set_plan(rec.run_id(), &plan).await?;

        let decision = if opts.plan_only {
            None
        } else if opts.auto_approve {
            Some((PlanDecision::Approve, opts.auto_approver()))
        } else if approver.interactive() {
            rec.emit(EventKind::ApprovalRequested {
                subject: "plan".into(),
                what: plan.title.clone(),
                reason: "the plan needs approval before anything runs".into(),
                tier: "medium".into(),
                approvers: 1,
            })
            .await?;
            Some((approver.review_plan(&plan).await, approver.name()))
        } else if opts.dry_run {
            Some((PlanDecision::Approve, "policy (dry run)".to_string()))
        } else {
            None
        };
        let (plan, by) = match decision {
            None => return self.save_for_approval(rec, task, plan).await,
            Some((PlanDecision::Reject(reason), _)) => {
                rec.emit(EventKind::PlanRejected {
                    reason: reason.clone(),
                })
                .await?;
                self.store
                    .set_status(rec.run_id(), RunStatus::Rejected, Some(&reason))
                    .await?;
                return Ok(self.outcome(
                    rec.run_id(),
                    RunStatus::Rejected,
                    Some(plan),
                    format!("plan rejected: {reason}"),
                ));
            }
            Some((PlanDecision::Edited(edited), by)) => (edited, by),
            Some((PlanDecision::Approve, by)) => (plan, by),
        };
        rec.emit(EventKind::PlanApproved {
            plan: plan.clone(),
            by,
        })
        .await?;
        self.store.set_plan(rec.run_id(), &plan).await?;
        ws.context = Some(context_text);
        self.act(rec, task, plan, ws, ResumePoint::default(), approver, &opts)
            .await
    }

    async fn save_for_approval(
        &self,
        rec: &mut Recorder,
        task: &Task,
        plan: Plan,
    ) -> Result<RunOutcome, AgentError> {
        let plan_id = new_id();
        self.store
            .save_plan(&PlanRecord {
                id: plan_id.clone(),
                task: task.clone(),
                plan: plan.clone(),
                workdir: task.workdir.clone(),
                status: "pending".into(),
                run_id: Some(rec.run_id().to_string()),
                created_at: chrono::Utc::now(),
            })
            .await?;
        rec.emit(EventKind::PlanSaved {
            plan_id: plan_id.clone(),
        })
        .await?;
        let summary = format!("plan saved; approve and run it with `chamber apply {plan_id}`");
        self.store
            .set_status(rec.run_id(), RunStatus::AwaitingApproval, Some(&summary))
            .await?;
        let mut outcome = self.outcome(
            rec.run_id(),
            RunStatus::AwaitingApproval,
            Some(plan),
            summary,
        );
        outcome.plan_id = Some(plan_id);
        Ok(outcome)
    }
}
