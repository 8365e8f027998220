//! `chamber undo`: takes back what one or more of a run's last steps
//! changed, back to the checkpoint taken before the first of them. Only the
//! paths the run changed are touched (its announced writes and patches, and
//! with git everything its commit changed, commands' work included); a path
//! changed again since is 3-way merged or the undo is refused (see
//! `step_revert`). The fix loop's round revert puts the whole tree back.
//! History is never rewritten: a committed run keeps its commit, and the
//! restored files show up as uncommitted changes. The undo itself is
//! recorded as a patch, so `chamber patch rollback` can redo it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chamber_protocol::{Checkpoint, CheckpointKind, Event, EventKind, RunStatus};
use chamber_store::{RunRecord, Store};
use chamber_tools::patches::{PatchOrigin, PatchStore};
use chamber_tools::{FileImage, Git, Journal, TreeChangeKind};
use serde::Serialize;

use crate::file_checkpoint::{FileCheckpoint, SavedFile};
use crate::recorder::Recorder;
use crate::{AgentError, reconcile_interrupted};

/// What to undo.
#[derive(Debug, Clone)]
pub struct UndoRequest {
    /// The project root.
    pub project: PathBuf,
    /// The run (id or prefix); `None` = the most recent run in the project.
    pub run: Option<String>,
    /// How many of the run's last steps to undo (at least 1).
    pub steps: u32,
}

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UndoAction {
    /// Its checkpoint content is written back.
    Restore,
    /// It did not exist at the checkpoint and is removed.
    Remove,
}

/// One file undo changes, relative to the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoFile {
    /// The path.
    pub path: String,
    /// What happens to it.
    pub action: UndoAction,
}

/// An undo worked out but not yet done: what it would change.
#[derive(Debug, Clone, Serialize)]
pub struct UndoPlan {
    /// The run.
    pub run_id: String,
    /// The checkpoint restored.
    pub checkpoint: Checkpoint,
    /// Steps undone (the request, capped at the steps with checkpoints).
    pub steps: u32,
    /// The ids of the steps undone, oldest first.
    pub step_ids: Vec<String>,
    /// Steps of the run that have checkpoints.
    pub available: u32,
    /// The files that change.
    pub files: Vec<UndoFile>,
    /// The run's commit, when it committed: it stays in history.
    pub commit: Option<String>,
    /// The branch of that commit.
    pub branch: Option<String>,
    #[serde(skip)]
    project: PathBuf,
    #[serde(skip)]
    git: Option<Git>,
    /// Files checkpoints to write back, newest first.
    #[serde(skip)]
    undone: Vec<Checkpoint>,
    /// Per absolute path: what to put there.
    #[serde(skip)]
    targets: Vec<(PathBuf, Target)>,
}

/// What one path gets back.
#[derive(Debug, Clone)]
enum Target {
    /// This content (`None` removes the file).
    Image(Option<FileImage>),
    /// The file as in the checkpoint tree, at this repository path.
    FromTree(String),
}

/// Works out what undoing `req` would change, refusing a run that is still
/// running, a dry run, and a run without checkpoints.
pub async fn plan_undo(store: &Store, req: &UndoRequest) -> Result<UndoPlan, AgentError> {
    let project = req
        .project
        .canonicalize()
        .unwrap_or_else(|_| req.project.clone());
    let mut run = pick_run(store, &project, req.run.as_deref()).await?;
    reconcile_interrupted(store, &mut run).await?;
    if run.status == RunStatus::Running {
        return Err(AgentError::InvalidState(format!(
            "run {} is still running (pid {}); wait for it to finish or stop it first",
            run.id,
            run.pid.unwrap_or_default()
        )));
    }
    if run.dry_run {
        return Err(AgentError::InvalidState(format!(
            "run {} was a dry run: it changed nothing here to undo",
            run.id
        )));
    }
    let events = store.events(&run.id).await?;
    let (step_ids, checkpoints): (Vec<String>, Vec<Checkpoint>) = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CheckpointCreated {
                step_id,
                checkpoint,
            } => Some((step_id.clone(), checkpoint.clone())),
            _ => None,
        })
        .unzip();
    let available = checkpoints.len() as u32;
    if available == 0 {
        return Err(AgentError::InvalidState(format!(
            "run {} has no checkpoints: no step of it wrote files or ran commands",
            run.id
        )));
    }
    let steps = req.steps.clamp(1, available);
    let first = (available - steps) as usize;
    let undone: Vec<Checkpoint> = checkpoints[first..].iter().rev().cloned().collect();
    let checkpoint = undone[undone.len() - 1].clone();
    let (branch, commit) = last_commit(&events);
    let mut plan = UndoPlan {
        run_id: run.id.clone(),
        checkpoint,
        steps,
        step_ids: step_ids[first..].to_vec(),
        available,
        files: Vec::new(),
        commit,
        branch,
        project,
        git: None,
        undone,
        targets: Vec::new(),
    };
    // Only what the run changed is taken back (see `step_revert`).
    let git = match plan.checkpoint.kind {
        CheckpointKind::Git => Some(checked_git(&plan, run.branch.as_deref())?),
        CheckpointKind::Files => None,
    };
    let revert = crate::step_revert::plan_revert(
        &plan.project,
        git.as_ref(),
        &events,
        &plan.checkpoint,
        &plan.undone,
    )?;
    plan.files = revert.files;
    plan.targets = revert
        .targets
        .into_iter()
        .map(|(path, image)| (path, Target::Image(image)))
        .collect();
    Ok(plan)
}

/// The project's repository, on the run's branch.
fn checked_git(plan: &UndoPlan, run_branch: Option<&str>) -> Result<Git, AgentError> {
    let git = Git::discover(&plan.project).ok_or_else(|| {
        AgentError::InvalidState(
            "the checkpoint is a git tree, but the project is no longer a git repository".into(),
        )
    })?;
    if let Some(branch) = run_branch {
        let current = git.current_branch().unwrap_or_default();
        if current != branch {
            return Err(AgentError::InvalidState(format!(
                "run {} worked on branch {branch}, but {} is checked out; `git switch {branch}` first",
                plan.run_id,
                if current.is_empty() {
                    "a detached HEAD"
                } else {
                    current.as_str()
                }
            )));
        }
    }
    Ok(git)
}

/// The named run, or the most recent real run in the project; it must
/// belong to the project.
async fn pick_run(
    store: &Store,
    project: &Path,
    id: Option<&str>,
) -> Result<RunRecord, AgentError> {
    let here = project.display().to_string();
    let run = match id {
        Some(id) => store.get_run(id).await?,
        None => store
            .list_runs(1000)
            .await?
            .into_iter()
            .find(|r| r.workdir == here && !r.dry_run)
            .ok_or_else(|| {
                AgentError::InvalidState(format!(
                    "no run in {here} to undo; see `chamber runs list`"
                ))
            })?,
    };
    if run.workdir != here {
        return Err(AgentError::InvalidState(format!(
            "run {} worked in {}, not in {here}; run undo there (-C {})",
            run.id, run.workdir, run.workdir
        )));
    }
    Ok(run)
}

/// The branch and commit of the run's last `committed` event.
fn last_commit(events: &[Event]) -> (Option<String>, Option<String>) {
    events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Committed { branch, commit, .. } => {
                Some((Some(branch.clone()), Some(commit.clone())))
            }
            _ => None,
        })
        .unwrap_or((None, None))
}

/// The whole tree back to the checkpoint (the fix loop's round revert,
/// right after the round: nobody else has touched the tree since).
fn plan_git(plan: &mut UndoPlan) -> Result<(), AgentError> {
    let git = checked_git(plan, None)?;
    let tree = plan.checkpoint.tree.clone().unwrap_or_default();
    let scope = git.scope_for(&plan.project);
    let now = git.snapshot_tree(&scope)?;
    for change in git.diff_trees(&tree, &now, &scope)? {
        let rel = scope.project_path(&change.path).to_string();
        let (action, target) = match change.kind {
            TreeChangeKind::Added => (UndoAction::Remove, Target::Image(None)),
            _ => (UndoAction::Restore, Target::FromTree(change.path.clone())),
        };
        plan.files.push(UndoFile { path: rel, action });
        plan.targets.push((git.root().join(&change.path), target));
    }
    plan.git = Some(git);
    Ok(())
}

fn plan_files(plan: &mut UndoPlan) -> Result<(), AgentError> {
    // Older checkpoints come later and win: they hold the earlier content.
    let mut wanted: BTreeMap<String, (FileCheckpoint, SavedFile)> = BTreeMap::new();
    for checkpoint in &plan.undone {
        let Some(dir) = &checkpoint.dir else { continue };
        let saved = FileCheckpoint::at(&plan.project, dir);
        for file in saved.manifest()?.files {
            wanted.insert(file.path.clone(), (saved.clone(), file));
        }
    }
    for (path, (saved, file)) in wanted {
        let image = saved.image(&file)?;
        let abs = plan.project.join(&path);
        let now =
            FileImage::read(&abs).map_err(|e| AgentError::io(format!("cannot read {path}"), e))?;
        if now == image {
            continue;
        }
        let action = if image.is_some() {
            UndoAction::Restore
        } else {
            UndoAction::Remove
        };
        plan.files.push(UndoFile { path, action });
        plan.targets.push((abs, Target::Image(image)));
    }
    Ok(())
}

/// What an undo did.
#[derive(Debug, Clone, Serialize)]
pub struct UndoReport {
    /// The plan carried out.
    #[serde(flatten)]
    pub plan: UndoPlan,
    /// The patch recording the undo, when files changed.
    pub patch_id: Option<String>,
}

/// Carries out a planned undo, records it as a patch and an `undone` event
/// in the run's log.
pub async fn apply_undo(store: &Store, plan: UndoPlan) -> Result<UndoReport, AgentError> {
    let patch_id = restore(&plan)?;
    let mut rec = Recorder::continue_log(
        store.clone(),
        &plan.run_id,
        &[plan.project.join(".chamber/runs").join(&plan.run_id)],
    )
    .await?;
    rec.emit(EventKind::Undone {
        checkpoint_id: plan.checkpoint.id.clone(),
        steps: plan.steps,
        files: plan.files.iter().map(|f| f.path.clone()).collect(),
        patch_id: patch_id.clone(),
    })
    .await?;
    Ok(UndoReport { plan, patch_id })
}

/// Puts the working tree of a running run back to one of its checkpoints
/// (the fix loop's auto-revert); returns the paths restored or removed.
pub(crate) fn restore_checkpoint(
    project: &Path,
    run_id: &str,
    checkpoint: Checkpoint,
) -> Result<Vec<String>, AgentError> {
    let mut plan = UndoPlan {
        run_id: run_id.to_string(),
        checkpoint: checkpoint.clone(),
        steps: 1,
        step_ids: Vec::new(),
        available: 1,
        files: Vec::new(),
        commit: None,
        branch: None,
        project: project.to_path_buf(),
        git: None,
        undone: vec![checkpoint],
        targets: Vec::new(),
    };
    match plan.checkpoint.kind {
        CheckpointKind::Git => plan_git(&mut plan)?,
        CheckpointKind::Files => plan_files(&mut plan)?,
    }
    restore(&plan)?;
    Ok(plan.files.into_iter().map(|f| f.path).collect())
}

/// Takes back what one step changed since its checkpoint, path by path (see
/// `step_revert`), before the step is retried from scratch on resume;
/// returns the paths restored or removed.
pub(crate) fn revert_step(
    project: &Path,
    run_id: &str,
    events: &[Event],
    checkpoint: Checkpoint,
) -> Result<Vec<String>, AgentError> {
    let git = match checkpoint.kind {
        CheckpointKind::Git => Git::discover(project),
        CheckpointKind::Files => None,
    };
    let revert = crate::step_revert::plan_revert(
        project,
        git.as_ref(),
        events,
        &checkpoint,
        std::slice::from_ref(&checkpoint),
    )?;
    let plan = UndoPlan {
        run_id: run_id.to_string(),
        checkpoint: checkpoint.clone(),
        steps: 1,
        step_ids: Vec::new(),
        available: 1,
        files: revert.files,
        commit: None,
        branch: None,
        project: project.to_path_buf(),
        git: None,
        undone: vec![checkpoint],
        targets: revert
            .targets
            .into_iter()
            .map(|(path, image)| (path, Target::Image(image)))
            .collect(),
    };
    restore(&plan)?;
    Ok(plan.files.into_iter().map(|f| f.path).collect())
}

/// Writes a plan's targets back and records them as a patch.
fn restore(plan: &UndoPlan) -> Result<Option<String>, AgentError> {
    let journal = Journal::new(&plan.project);
    for (path, _) in &plan.targets {
        // A path that is not a plain file (a symlink to a directory) is
        // still restored; it is only missing from the undo's patch.
        let _ = journal.before_change(path);
    }
    let mut from_tree = Vec::new();
    for (path, target) in &plan.targets {
        let done = match target {
            Target::FromTree(repo_path) => {
                from_tree.push(repo_path.clone());
                Ok(())
            }
            Target::Image(Some(image)) => image.write(path),
            Target::Image(None) => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => {
                    remove_empty_parents(&plan.project, path);
                    Ok(())
                }
            },
        };
        if let Err(e) = done {
            let _ = journal.revert();
            return Err(AgentError::io(
                format!("cannot restore {}", path.display()),
                e,
            ));
        }
    }
    if let (Some(git), Some(tree)) = (&plan.git, &plan.checkpoint.tree)
        && let Err(e) = git.checkout_from_tree(tree, &from_tree)
    {
        let _ = journal.revert();
        return Err(e.into());
    }
    let changes = journal.finish_call();
    let patch_id = if changes.is_empty() {
        None
    } else {
        let origin = PatchOrigin {
            run_id: Some(plan.run_id.clone()),
            tool: "undo".into(),
            note: Some(format!(
                "undo of {} step(s): back to checkpoint {}",
                plan.steps, plan.checkpoint.id
            )),
            ..Default::default()
        };
        Some(
            PatchStore::in_project(&plan.project)
                .record(origin, &changes)?
                .id,
        )
    };
    Ok(patch_id)
}

/// Removes now-empty directories above a removed file, up to the project.
fn remove_empty_parents(project: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == project || !d.starts_with(project) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
