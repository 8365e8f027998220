use std::collections::HashSet;

use chamber_llm::Message;
use chamber_protocol::{EventKind, Plan, RunStatus, StepPath, Task};

use crate::checkpoint::StepChanges;
use crate::context::ProjectContext;
use crate::engine::Engine;
use crate::executor::{self, StepJob, StepOutcome};
use crate::fix_run::Finish;
use crate::options::{RunOptions, RunOutcome};
use crate::planner::{self, PlanFailure};
use crate::recorder::Recorder;
use crate::replay::ResumePoint;
use crate::step_needs::StepNeeds;
use crate::workspace::Workspace;
use crate::{AgentError, Approver, commit_text, prompts};

impl Engine {
    /// Carries out an approved plan step by step, re-planning once on a
    /// failed step, then commits and reports.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn act(
        &self,
        rec: &mut Recorder,
        task: &Task,
        mut plan: Plan,
        mut ws: Workspace,
        point: ResumePoint,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<RunOutcome, AgentError> {
        let branch = ws.git.as_ref().map(|_| self.run_branch(&task.id, opts));
        if let Some(b) = &branch {
            ws.enter_branch(b)?;
        }
        // HEAD here is what the run (or this resumption of it) starts from.
        let base_commit = ws.git.as_ref().map(|g| g.head()).transpose()?.flatten();
        let context = match ws.context.take() {
            Some(c) => c,
            None => ProjectContext::gather(
                &ws.dir,
                &self.config,
                self.choice.local,
                &self.registry,
                &task.prompt,
            )
            .await
            .render(),
        };
        let mut done: HashSet<String> = point.done.into_iter().collect();
        let mut summaries = point.summaries;
        let mut partial = point.partial;
        let mut replans_left = self
            .config
            .agent
            .max_replans
            .saturating_sub(point.replans_used);

        self.clear_stale_branches(&ws, rec.run_id());
        // Merges of parallel steps a stop cut short are finished first.
        if !point.merging.is_empty() {
            let finished = self
                .finish_merges(rec, &ws, &plan, point.merging, branch.as_deref(), opts)
                .await?;
            for (id, title, summary) in finished {
                done.insert(id);
                summaries.push((title, summary));
            }
        }
        // Steps that fell back from a parallel wave run alone.
        let mut serial: HashSet<String> = HashSet::new();
        'plan: loop {
            for step in plan.steps.clone() {
                if done.contains(&step.id) {
                    continue;
                }
                if partial.is_none() && self.parallel_allowed(&ws, opts) {
                    let wave = crate::parallel::next_wave(&plan, &done, &serial);
                    if !wave.is_empty() {
                        let job = crate::parallel::WaveJob {
                            task,
                            plan: &plan,
                            steps: &wave,
                            summaries: &summaries,
                            context: &context,
                            branch: branch.as_deref(),
                        };
                        match self.run_wave(rec, &ws, job, approver, opts).await? {
                            crate::parallel::WaveEnd::Skipped => {
                                serial.extend(wave.iter().map(|s| s.id.clone()));
                            }
                            crate::parallel::WaveEnd::Ran {
                                merged,
                                serial: alone,
                            } => {
                                for (id, title, summary) in merged {
                                    done.insert(id);
                                    summaries.push((title, summary));
                                }
                                serial.extend(alone);
                            }
                            crate::parallel::WaveEnd::Stopped(outcome) => return Ok(*outcome),
                        }
                        if done.contains(&step.id) {
                            continue;
                        }
                    }
                }
                let needs = StepNeeds::of(&step);
                let focus = if self.choice.local {
                    needs.instruction()
                } else {
                    ""
                };
                let request =
                    prompts::step_request(task, &plan, &step, &summaries, &context, focus);
                let first = vec![Message::system(prompts::ACT_SYSTEM), Message::user(request)];
                let run_id = rec.run_id().to_string();
                let changes =
                    |resumed| StepChanges::new(&ws, &run_id, &step.id, opts.dry_run, resumed);
                let job = match partial.take().filter(|p| p.step_id == step.id) {
                    Some(p) => StepJob {
                        step_id: &step.id,
                        messages: first.into_iter().chain(p.messages).collect(),
                        pending: p.pending,
                        turns_used: p.turns_used,
                        needs,
                        changes: changes(p.checkpoint),
                    },
                    None => {
                        rec.emit(EventKind::StepStarted {
                            step_id: step.id.clone(),
                            title: step.title.clone(),
                        })
                        .await?;
                        StepJob {
                            step_id: &step.id,
                            messages: first,
                            pending: Vec::new(),
                            turns_used: 0,
                            needs,
                            changes: changes(None),
                        }
                    }
                };
                let direct = crate::direct::is_direct(&step);
                let (path, rule) = match (&step.action, direct) {
                    (Some(action), _) => (StepPath::Rule, Some(action.rule.clone())),
                    (None, true) => (StepPath::Direct, None),
                    (None, false) => (StepPath::Model, None),
                };
                rec.emit(EventKind::StepRouted {
                    step_id: step.id.clone(),
                    path,
                    rule,
                })
                .await?;
                let result = if let Some(action) = &step.action {
                    let mut changes = job.changes;
                    self.run_rule_step(rec, &ws.dir, action, &mut changes, approver, opts)
                        .await
                } else if direct {
                    // The harness drives the step; a resumed one starts its
                    // attempt again from the files as they are (writes are
                    // whole-file and atomic).
                    let mut changes = job.changes;
                    crate::direct::run_direct_step(
                        self,
                        rec,
                        &ws,
                        task,
                        &mut changes,
                        approver,
                        opts,
                    )
                    .await
                } else {
                    executor::run_step(self, rec, &ws.dir, job, approver, opts).await
                };
                let outcome = match self.guard(rec, result).await? {
                    Ok(o) => o,
                    Err(failed) => return Ok(failed),
                };
                match outcome {
                    StepOutcome::Done(summary) => {
                        rec.emit(EventKind::StepCompleted {
                            step_id: step.id.clone(),
                            summary: summary.clone(),
                        })
                        .await?;
                        self.commit_step(rec, &ws, branch.as_deref(), &step.title, &summary, opts)
                            .await?;
                        done.insert(step.id.clone());
                        summaries.push((step.title.clone(), summary));
                    }
                    StepOutcome::Failed(reason) => {
                        rec.emit(EventKind::StepFailed {
                            step_id: step.id.clone(),
                            error: reason.clone(),
                        })
                        .await?;
                        let failure = format!("step {} ({}) failed: {reason}", step.id, step.title);
                        // Direct mode keeps its best attempt in the tree; a
                        // re-plan would throw it away for a loop a small
                        // model cannot drive.
                        if replans_left == 0 || direct {
                            return self
                                .finish_failed(rec, Some(plan), &failure, Some(&summaries))
                                .await;
                        }
                        replans_left -= 1;
                        // The new plan starts from the state before the failed
                        // step: its partial effects are never kept and replayed.
                        let failure = match self.restore_failed_step(rec, &ws).await? {
                            0 => failure,
                            n => format!(
                                "{failure} (its changes to {n} file(s) were undone; the new plan starts from the state before that step)"
                            ),
                        };
                        let request = prompts::replan_request(task, &context, &summaries, &failure);
                        let replanned =
                            planner::request_plan(self, rec, request, &task.prompt).await;
                        match self.guard(rec, replanned).await? {
                            Ok(Ok(mut new_plan)) => {
                                self.actionize(&mut new_plan, &ws.dir);
                                rec.emit(EventKind::Replanned {
                                    plan: new_plan.clone(),
                                    reason: failure,
                                })
                                .await?;
                                self.store.set_plan(rec.run_id(), &new_plan).await?;
                                plan = new_plan;
                                done.clear();
                                // A new plan's ids may repeat the old ones.
                                serial.clear();
                                continue 'plan;
                            }
                            Ok(Err(PlanFailure(why))) => {
                                let reason = format!("{failure}; re-planning failed too: {why}");
                                return self
                                    .finish_failed(rec, Some(plan), &reason, Some(&summaries))
                                    .await;
                            }
                            Err(failed) => return Ok(failed),
                        }
                    }
                }
            }
            break;
        }
        let done = Finish {
            plan,
            ws,
            branch,
            base_commit,
            summaries,
        };
        self.verify_and_finish(rec, task, done, None, approver, opts)
            .await
    }

    /// Puts the tree back to the checkpoint of the step that just failed
    /// (the whole tree: nothing else ran since), recording `step_restored`;
    /// returns how many files changed.
    async fn restore_failed_step(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
    ) -> Result<usize, AgentError> {
        let events = self
            .store
            .events_of(
                rec.run_id(),
                &[
                    "step_started",
                    "checkpoint_created",
                    "step_failed",
                    "step_completed",
                ],
            )
            .await?;
        let Some((step_id, checkpoint)) = crate::replay::failed_step(&events) else {
            return Ok(0);
        };
        let checkpoint_id = checkpoint.id.clone();
        let files = crate::undo::restore_checkpoint(&ws.dir, rec.run_id(), checkpoint)?;
        let n = files.len();
        rec.emit(EventKind::StepRestored {
            step_id,
            checkpoint_id,
            files,
            reason: "replan".into(),
        })
        .await?;
        Ok(n)
    }

    /// With `[git] commit_mode = "per_step"`, commits a completed step's
    /// changes on the run branch (subject: the step title).
    pub(crate) async fn commit_step(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
        branch: Option<&str>,
        title: &str,
        summary: &str,
        opts: &RunOptions,
    ) -> Result<(), AgentError> {
        let (Some(git), Some(branch)) = (&ws.git, branch) else {
            return Ok(());
        };
        if opts.dry_run || !self.config.git.commit || self.config.git.commit_mode != "per_step" {
            return Ok(());
        }
        let files = git.dirty_paths().unwrap_or_default();
        let message = commit_text::step_message(title, summary, &files, rec.run_id());
        if let Some(fence) = &opts.fence {
            fence.check().await.map_err(AgentError::Fenced)?;
        }
        if let Some(commit) = git.commit_all_with(&message, opts.signoff)? {
            rec.emit(EventKind::Committed {
                branch: branch.to_string(),
                commit: commit.id,
                files: commit.files,
            })
            .await?;
        }
        Ok(())
    }

    /// Commits the run's changes on its branch and reports it completed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_completed(
        &self,
        rec: &mut Recorder,
        plan: Plan,
        ws: Workspace,
        branch: Option<String>,
        base_commit: Option<String>,
        summaries: &[(String, String)],
        opts: &RunOptions,
    ) -> Result<RunOutcome, AgentError> {
        let mut outcome = self.outcome(
            rec.run_id(),
            RunStatus::Completed,
            Some(plan.clone()),
            String::new(),
        );
        outcome.commands = self.commands_run(rec.run_id()).await?;
        let mut staged = None;
        if opts.dry_run {
            let diff = chamber_tools::tree_diff(&ws.project, &ws.dir);
            if opts.guarded && !diff.is_empty() {
                staged = Some(crate::guarded::stage_run(
                    &ws.project,
                    rec.run_id(),
                    &plan,
                    &diff,
                )?);
            }
            outcome.diff = Some(diff);
        } else if let (Some(git), Some(branch), true) = (&ws.git, &branch, self.config.git.commit) {
            let files = git.dirty_paths().unwrap_or_default();
            let message = commit_text::run_message(&plan, summaries, &files, rec.run_id());
            if let Some(fence) = &opts.fence {
                fence.check().await.map_err(AgentError::Fenced)?;
            }
            if let Some(commit) = git.commit_all_with(&message, opts.signoff)? {
                rec.emit(EventKind::Committed {
                    branch: branch.clone(),
                    commit: commit.id.clone(),
                    files: commit.files.clone(),
                })
                .await?;
                outcome.commit = Some(commit.id);
            } else if self.config.git.commit_mode == "per_step" {
                // The steps committed already: report the last of them.
                outcome.commit = git.head()?.filter(|h| Some(h) != base_commit.as_ref());
            }
            outcome.branch = Some(branch.clone());
            outcome.diff = match &base_commit {
                Some(base) => git.diff_against(base).ok(),
                None => None,
            };
        }
        self.learn(rec.run_id(), &ws, &plan, &outcome.commands, opts)
            .await;
        // The diff is shown and returned (the JSON envelope): context lines
        // near a secret get placeholders like everything else shown.
        outcome.diff = outcome.diff.map(|d| self.redactor.redact(&d).into_owned());
        let done = summaries.len();
        outcome.summary = match (&outcome.commit, &outcome.branch) {
            (Some(c), Some(b)) => format!(
                "{}: {done} step(s) done; committed {} on {b}",
                plan.title,
                &c[..c.len().min(10)]
            ),
            (None, Some(b)) => format!(
                "{}: {done} step(s) done; nothing to commit on {b}",
                plan.title
            ),
            _ if staged.is_some() => format!(
                "{}: {done} step(s) done; {} file(s) staged, your tree is untouched. Review and apply: chamber apply-guarded {id}; discard: chamber reject {id}",
                plan.title,
                staged.unwrap_or(0),
                id = &rec.run_id()[..rec.run_id().len().min(8)]
            ),
            _ if opts.guarded => {
                format!("{}: {done} step(s) done; no changes to stage", plan.title)
            }
            _ if opts.dry_run => format!(
                "{}: {done} step(s) done in a throwaway copy (dry run); your tree is untouched",
                plan.title
            ),
            _ => format!("{}: {done} step(s) done", plan.title),
        };
        rec.emit(EventKind::RunFinished {
            status: RunStatus::Completed,
            summary: outcome.summary.clone(),
            diff: outcome.diff.clone(),
        })
        .await?;
        self.store
            .set_status(rec.run_id(), RunStatus::Completed, Some(&outcome.summary))
            .await?;
        Ok(outcome)
    }

    /// Ends the run as failed with a report saying what failed and what to do.
    pub(crate) async fn finish_failed(
        &self,
        rec: &mut Recorder,
        plan: Option<Plan>,
        reason: &str,
        summaries: Option<&[(String, String)]>,
    ) -> Result<RunOutcome, AgentError> {
        // The reason may quote tool output; it is stored and shown.
        let reason = self.redactor.redact(reason);
        let mut report = format!("Run stopped: {reason}.");
        if let Some(s) = summaries.filter(|s| !s.is_empty()) {
            report.push_str(&format!(
                " Completed before that: {}.",
                s.iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        report.push_str(&format!(
            " Next: fix the cause (see `chamber runs show {}`), then `chamber resume {}` to continue from the failed step, or rephrase the task.",
            rec.run_id(),
            rec.run_id()
        ));
        rec.emit(EventKind::RunFinished {
            status: RunStatus::Failed,
            summary: report.clone(),
            diff: None,
        })
        .await?;
        self.store
            .set_status(rec.run_id(), RunStatus::Failed, Some(&report))
            .await?;
        let mut outcome = self.outcome(rec.run_id(), RunStatus::Failed, plan, report);
        outcome.commands = self.commands_run(rec.run_id()).await?;
        Ok(outcome)
    }

    /// Ends the run at a spent budget: what was done stays (files are only
    /// ever written whole), and `chamber resume` with a larger budget goes on.
    pub(crate) async fn finish_budget(
        &self,
        rec: &mut Recorder,
        reading: &chamber_policy::Reading,
    ) -> Result<RunOutcome, AgentError> {
        let r = reading.resource;
        let flag = match r {
            chamber_policy::Resource::Cost => "--budget-cost",
            chamber_policy::Resource::Time => "--budget-time",
            chamber_policy::Resource::Tokens => "--budget-tokens",
        };
        let done: Vec<String> = self.store.completed_steps(rec.run_id()).await?;
        let mut report = format!(
            "Run stopped at its {} budget: used {} of {}.",
            r.as_str(),
            r.show(reading.used),
            r.show(reading.limit)
        );
        if done.is_empty() {
            report.push_str(" No step was finished.");
        } else {
            report.push_str(&format!(" Steps finished: {}.", done.join(", ")));
        }
        report.push_str(&format!(
            " Files written so far stay in the working tree, uncommitted. Next: `chamber resume {} {flag} <larger>` to continue, or `chamber runs show {}`.",
            rec.run_id(),
            rec.run_id()
        ));
        rec.emit(EventKind::RunFinished {
            status: RunStatus::BudgetExceeded,
            summary: report.clone(),
            diff: None,
        })
        .await?;
        self.store
            .set_status(rec.run_id(), RunStatus::BudgetExceeded, Some(&report))
            .await?;
        let mut outcome = self.outcome(rec.run_id(), RunStatus::BudgetExceeded, None, report);
        outcome.commands = self.commands_run(rec.run_id()).await?;
        Ok(outcome)
    }

    async fn commands_run(&self, run_id: &str) -> Result<Vec<(String, Option<i32>)>, AgentError> {
        // Two narrow queries: a long run's tool output never loads here.
        Ok(self
            .store
            .shell_commands(run_id)
            .await?
            .into_iter()
            .map(|c| (c.command, c.exit_code))
            .collect())
    }
}
