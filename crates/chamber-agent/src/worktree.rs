//! Runs in linked git worktrees (`chamber run --worktree`): each run works at
//! `<data dir>/worktrees/<run id>` on its own branch, so parallel runs never
//! collide and the user's checkout is left alone. A completed run's worktree
//! is removed (its branch and commits stay); a failed or stopped run keeps it
//! so that `resume` continues there.

use std::path::{Path, PathBuf};

use chamber_protocol::{Event, EventKind, RunStatus};
use chamber_tools::Git;

use crate::AgentError;
use crate::engine::Engine;
use crate::options::RunOutcome;
use crate::workspace::Workspace;

impl Workspace {
    /// Adds a linked worktree of `project`'s repository at `path`, on a new
    /// branch `branch` made from `base` (the current HEAD when `None`), and
    /// opens it as the workspace.
    pub fn add_worktree(
        project: &Path,
        path: &Path,
        branch: &str,
        base: Option<&str>,
    ) -> Result<Self, AgentError> {
        let git = Git::discover(project).ok_or_else(|| {
            AgentError::InvalidState(format!(
                "--worktree needs a git repository; {} is not in one",
                project.display()
            ))
        })?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| AgentError::io(format!("cannot create {}", parent.display()), e))?;
        }
        if let Some(base) = base
            && !git.is_valid_base(base)
        {
            return Err(AgentError::InvalidState(format!(
                "base branch {base:?} is not a branch or commit of {}",
                project.display()
            )));
        }
        let git = git.add_worktree(path, branch, base)?;
        Ok(Self::in_worktree(project, path, git))
    }

    /// Opens an existing linked worktree at `dir` as the workspace.
    fn in_worktree(project: &Path, dir: &Path, git: Git) -> Self {
        Self {
            dir: dir.to_path_buf(),
            project: project.to_path_buf(),
            dry_copy: None,
            git: Some(git),
            context: None,
        }
    }
}

impl Engine {
    /// Where a worktree run keeps its worktree.
    fn worktree_path(&self, run_id: &str) -> PathBuf {
        self.data_dir.join("worktrees").join(run_id)
    }

    /// The workspace a stored run continues in: the linked worktree recorded
    /// in its `run_started` event, or the project itself.
    pub(crate) fn workspace_for(&self, events: &[Event]) -> Result<Workspace, AgentError> {
        let recorded = events.iter().find_map(|e| match &e.kind {
            EventKind::RunStarted { workspace, .. } => Some(PathBuf::from(workspace)),
            _ => None,
        });
        let Some(dir) = recorded.filter(|d| d.starts_with(self.data_dir.join("worktrees"))) else {
            return Workspace::prepare(&self.root, false);
        };
        let git = Git::discover(&dir).ok_or_else(|| {
            AgentError::InvalidState(format!(
                "the run's worktree {} is gone; start the run again",
                dir.display()
            ))
        })?;
        Ok(Workspace::in_worktree(&self.root, &dir, git))
    }

    /// Whether the run logs outside the project (dry runs and worktree runs).
    pub(crate) fn logs_outside_project(&self, run_id: &str) -> bool {
        self.run_log_dir(run_id, true).is_dir()
    }

    /// After a run: removes its worktree when it completed (unless `keep`);
    /// otherwise reports where the worktree is, for `resume`.
    pub(crate) fn settle_worktree(
        &self,
        mut outcome: RunOutcome,
        keep: bool,
    ) -> Result<RunOutcome, AgentError> {
        let path = self.worktree_path(&outcome.run_id);
        if !path.is_dir() {
            return Ok(outcome);
        }
        let remove = outcome.status == RunStatus::Completed && !keep;
        match Git::discover(&self.root) {
            Some(git) if remove => git.remove_worktree(&path)?,
            _ => outcome.worktree = Some(path),
        }
        Ok(outcome)
    }
}
