//! One wave of parallel steps: worktrees made, steps run together, results
//! merged back in plan order, worktrees removed.

use std::path::PathBuf;

use chamber_llm::Message;
use chamber_protocol::{EventKind, PendingMerge, Plan, Step, Task};
use chamber_tools::{Git, TreeChangeKind};

use super::merge::{Merge, plan_merge};
use crate::checkpoint::StepChanges;
use crate::engine::Engine;
use crate::executor::{self, StepJob, StepOutcome};
use crate::options::{RunOptions, RunOutcome};
use crate::recorder::Recorder;
use crate::step_needs::StepNeeds;
use crate::workspace::Workspace;
use crate::{AgentError, Approver, prompts};

/// How a wave ended.
pub(crate) enum WaveEnd {
    /// It could not start (no commit yet, no worktree): run the steps one by one.
    Skipped,
    /// It ran. `merged`: `(id, title, summary)` of the steps now done;
    /// `serial`: steps that run again alone.
    Ran {
        merged: Vec<(String, String, String)>,
        serial: Vec<String>,
    },
    /// The run stopped (budget, cancel, a model failure).
    Stopped(Box<RunOutcome>),
}

/// What a wave needs from the run.
pub(crate) struct WaveJob<'a> {
    pub task: &'a Task,
    pub plan: &'a Plan,
    pub steps: &'a [Step],
    pub summaries: &'a [(String, String)],
    pub context: &'a str,
    pub branch: Option<&'a str>,
}

/// Puts the questions of steps running at once to a person one at a time:
/// two prompts on one terminal would interleave.
struct OneAtATime<'a> {
    inner: &'a dyn Approver,
    turn: tokio::sync::Mutex<()>,
}

#[async_trait::async_trait]
impl Approver for OneAtATime<'_> {
    fn interactive(&self) -> bool {
        self.inner.interactive()
    }

    fn name(&self) -> String {
        self.inner.name()
    }

    async fn review_plan(&self, plan: &Plan) -> crate::PlanDecision {
        let _turn = self.turn.lock().await;
        self.inner.review_plan(plan).await
    }

    async fn approve_action(&self, question: &crate::ActionQuestion) -> crate::ActionAnswer {
        let _turn = self.turn.lock().await;
        self.inner.approve_action(question).await
    }
}

/// One step's scratch worktree.
struct BranchTree {
    step: Step,
    /// The worktree's root.
    root: PathBuf,
    ws: Workspace,
}

impl Engine {
    /// Whether this run may run steps in parallel at all.
    pub(crate) fn parallel_allowed(&self, ws: &Workspace, opts: &RunOptions) -> bool {
        self.config.agent.parallel_steps && !self.choice.local && !opts.dry_run && ws.git.is_some()
    }

    /// Removes worktrees a killed run left from a wave: their work was
    /// either merged (recorded) or is done again.
    pub(crate) fn clear_stale_branches(&self, ws: &Workspace, run_id: &str) {
        let dir = self.data_dir.join("branches").join(run_id);
        let (Some(git), Ok(entries)) = (ws.git.as_ref(), std::fs::read_dir(&dir)) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if let Err(e) = git.remove_worktree(&path) {
                tracing::warn!("cannot remove the stale worktree {}: {e}", path.display());
                let _ = std::fs::remove_dir_all(&path);
            }
        }
        let _ = std::fs::remove_dir(&dir);
    }

    /// Runs `job.steps` at the same time, each in its own worktree, and
    /// merges each result back into `ws` in plan order.
    pub(crate) async fn run_wave(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
        job: WaveJob<'_>,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<WaveEnd, AgentError> {
        let Some(git) = ws.git.as_ref() else {
            return Ok(WaveEnd::Skipped);
        };
        let Some(head) = git.head()? else {
            return Ok(WaveEnd::Skipped);
        };
        let scope = git.scope_for(&ws.dir);
        // The run's tree as it stands, uncommitted work included.
        let base_tree = git.snapshot_tree(&scope)?;
        let dir = self.data_dir.join("branches").join(rec.run_id());
        let mut trees = Vec::new();
        for step in job.steps {
            match make_tree(git, &head, &base_tree, &scope, &dir, step, ws) {
                Ok(t) => trees.push(t),
                Err(e) => {
                    tracing::warn!("parallel steps: cannot make a worktree, running in order: {e}");
                    remove_trees(git, &trees, &dir);
                    return Ok(WaveEnd::Skipped);
                }
            }
        }
        let result = self
            .run_trees(rec, ws, &job, &trees, &base_tree, approver, opts)
            .await;
        remove_trees(git, &trees, &dir);
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_trees(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
        job: &WaveJob<'_>,
        trees: &[BranchTree],
        base_tree: &str,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<WaveEnd, AgentError> {
        rec.emit(EventKind::StepsParallel {
            step_ids: trees.iter().map(|t| t.step.id.clone()).collect(),
        })
        .await?;
        for t in trees {
            rec.emit(EventKind::StepStarted {
                step_id: t.step.id.clone(),
                title: t.step.title.clone(),
            })
            .await?;
            rec.emit(EventKind::StepRouted {
                step_id: t.step.id.clone(),
                path: chamber_protocol::StepPath::Model,
                rule: None,
            })
            .await?;
        }
        let approver = OneAtATime {
            inner: approver,
            turn: tokio::sync::Mutex::new(()),
        };
        let approver: &dyn Approver = &approver;
        let mut forks: Vec<Recorder> = trees.iter().map(|_| rec.fork()).collect();
        let run_id = rec.run_id().to_string();
        let runs = trees.iter().zip(forks.iter_mut()).map(|(t, fork)| {
            let request =
                prompts::step_request(job.task, job.plan, &t.step, job.summaries, job.context, "");
            let step_job = StepJob {
                step_id: &t.step.id,
                messages: vec![Message::system(prompts::ACT_SYSTEM), Message::user(request)],
                pending: Vec::new(),
                turns_used: 0,
                needs: StepNeeds::of(&t.step),
                changes: StepChanges::new(&t.ws, &run_id, &t.step.id, false, None),
            };
            executor::run_step(self, fork, &t.ws.dir, step_job, approver, opts)
        });
        let results = futures::future::join_all(runs).await;
        rec.absorb(&forks);

        let git = ws.git.as_ref().ok_or_else(|| {
            AgentError::InvalidState("parallel steps need the run's git repository".into())
        })?;
        let scope = git.scope_for(&ws.dir);
        let mut merged = Vec::new();
        let mut serial = Vec::new();
        for (t, result) in trees.iter().zip(results) {
            let outcome = match self.guard(rec, result).await? {
                Ok(o) => o,
                Err(stopped) => return Ok(WaveEnd::Stopped(Box::new(stopped))),
            };
            let summary = match outcome {
                StepOutcome::Done(summary) => summary,
                StepOutcome::Failed(reason) => {
                    self.not_merged(
                        rec,
                        &t.step,
                        Vec::new(),
                        format!("it failed in its worktree: {reason}"),
                    )
                    .await?;
                    serial.push(t.step.id.clone());
                    continue;
                }
            };
            let tree_git = t.ws.git.as_ref().ok_or_else(|| {
                AgentError::InvalidState("a step's worktree lost its repository".into())
            })?;
            let branch_tree = tree_git.snapshot_tree(&tree_git.scope_for(&t.ws.dir))?;
            match plan_merge(git, &scope, base_tree, &branch_tree)? {
                Merge::Clean(plan) => {
                    // Recorded before the files are written, so that a
                    // resumed run finishes this merge instead of running
                    // the step again on top of half of it.
                    let pending = PendingMerge {
                        base_tree: base_tree.to_string(),
                        branch_tree,
                        summary,
                    };
                    rec.emit(EventKind::StepMerged {
                        step_id: t.step.id.clone(),
                        merged: true,
                        files: plan.files.clone(),
                        detail: "3-way merge".into(),
                        merge: Some(pending.clone()),
                    })
                    .await?;
                    plan.write(git)?;
                    self.complete_merged(
                        rec,
                        ws,
                        job.branch,
                        &t.step,
                        pending.summary.clone(),
                        opts,
                    )
                    .await?;
                    merged.push((t.step.id.clone(), t.step.title.clone(), pending.summary));
                }
                Merge::Conflict { files, detail } => {
                    self.not_merged(rec, &t.step, files, format!("merge conflict in {detail}"))
                        .await?;
                    serial.push(t.step.id.clone());
                }
            }
        }
        Ok(WaveEnd::Ran { merged, serial })
    }

    /// Records a merged step completed and commits it as a sequential
    /// step would be.
    async fn complete_merged(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
        branch: Option<&str>,
        step: &Step,
        summary: String,
        opts: &RunOptions,
    ) -> Result<(), AgentError> {
        rec.emit(EventKind::StepCompleted {
            step_id: step.id.clone(),
            summary: summary.clone(),
        })
        .await?;
        self.commit_step(rec, ws, branch, &step.title, &summary, opts)
            .await
    }

    /// Finishes merges a stopped run recorded but may not have written
    /// (`step_merged` without `step_completed`): planned again against the
    /// tree as it is, so files already written stay, and the rest are
    /// written once. Returns `(id, title, summary)` of each step finished.
    pub(crate) async fn finish_merges(
        &self,
        rec: &mut Recorder,
        ws: &Workspace,
        plan: &Plan,
        pending: Vec<(String, PendingMerge)>,
        branch: Option<&str>,
        opts: &RunOptions,
    ) -> Result<Vec<(String, String, String)>, AgentError> {
        let mut finished = Vec::new();
        let Some(git) = ws.git.as_ref() else {
            return Ok(finished);
        };
        let scope = git.scope_for(&ws.dir);
        for (step_id, merge) in pending {
            let Some(step) = plan.steps.iter().find(|s| s.id == step_id) else {
                continue;
            };
            match plan_merge(git, &scope, &merge.base_tree, &merge.branch_tree)? {
                Merge::Clean(files) => files.write(git)?,
                Merge::Conflict { detail, .. } => {
                    return Err(AgentError::InvalidState(format!(
                        "step {step_id} was being merged when the run stopped, and the tree changed since ({detail}); put the file back or start the run again"
                    )));
                }
            }
            self.complete_merged(rec, ws, branch, step, merge.summary.clone(), opts)
                .await?;
            finished.push((step.id.clone(), step.title.clone(), merge.summary));
        }
        Ok(finished)
    }

    async fn not_merged(
        &self,
        rec: &mut Recorder,
        step: &Step,
        files: Vec<String>,
        detail: String,
    ) -> Result<(), AgentError> {
        rec.emit(EventKind::StepMerged {
            step_id: step.id.clone(),
            merged: false,
            files,
            detail,
            merge: None,
        })
        .await?;
        Ok(())
    }
}

/// A detached worktree at `dir/<step id>` holding `base_tree` (within
/// `scope`) on top of `head`.
fn make_tree(
    git: &Git,
    head: &str,
    base_tree: &str,
    scope: &chamber_tools::TreeScope,
    dir: &std::path::Path,
    step: &Step,
    ws: &Workspace,
) -> Result<BranchTree, AgentError> {
    let root = dir.join(sanitize(&step.id));
    if root.exists() {
        // Left by a killed run: its work was never merged.
        let _ = git.remove_worktree(&root);
        let _ = std::fs::remove_dir_all(&root);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| AgentError::io(format!("cannot create {}", dir.display()), e))?;
    let tree_git = git.add_detached_worktree(&root, head)?;
    let changes = git.diff_trees(head, base_tree, scope)?;
    let (gone, changed): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|c| c.kind == TreeChangeKind::Deleted);
    let changed: Vec<String> = changed.into_iter().map(|c| c.path).collect();
    tree_git.checkout_from_tree(base_tree, &changed)?;
    for c in gone {
        let _ = std::fs::remove_file(root.join(&c.path));
    }
    // The project may be a folder inside the repository.
    let project_dir = match ws.dir.strip_prefix(git.root()) {
        Ok(rest) => root.join(rest),
        Err(_) => root.clone(),
    };
    Ok(BranchTree {
        step: step.clone(),
        ws: Workspace {
            dir: project_dir,
            project: ws.project.clone(),
            dry_copy: None,
            git: Some(tree_git),
            context: None,
        },
        root,
    })
}

fn remove_trees(git: &Git, trees: &[BranchTree], dir: &std::path::Path) {
    for t in trees {
        if let Err(e) = git.remove_worktree(&t.root) {
            tracing::warn!("cannot remove the worktree {}: {e}", t.root.display());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// A step id as a folder name.
fn sanitize(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("step-{s}")
}
