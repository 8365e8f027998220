use std::path::{Path, PathBuf};

use chamber_tools::Git;

use crate::AgentError;

/// Where a run's tools act: the project itself, or for `--dry-run` a
/// throwaway copy that is deleted when the run ends.
pub struct Workspace {
    /// Directory the tools act on.
    pub dir: PathBuf,
    /// The project.
    pub project: PathBuf,
    /// Keeps a dry-run copy alive until the run ends (dropping deletes it).
    #[expect(dead_code, reason = "held only for its Drop, which deletes the copy")]
    pub dry_copy: Option<tempfile::TempDir>,
    /// Git, for real runs inside a repository.
    pub git: Option<Git>,
    /// The rendered project context, once gathered, so planning and acting
    /// in one process walk the tree once.
    pub context: Option<String>,
}

impl Workspace {
    /// Opens the project as the workspace, or copies it for a dry run.
    pub fn prepare(project: &Path, dry_run: bool) -> Result<Self, AgentError> {
        if dry_run {
            let copy = tempfile::Builder::new()
                .prefix("chamber-dry-run-")
                .tempdir()
                .map_err(|e| AgentError::io("cannot create a temp dir for the dry run", e))?;
            chamber_tools::copy_tree(project, copy.path())
                .map_err(|e| AgentError::io("cannot copy the project for the dry run", e))?;
            // A linked worktree's `.git` is a file pointing at the real repository;
            // git commands in the copy would then act on the user's repo.
            let dot_git = copy.path().join(".git");
            if dot_git.is_file() {
                std::fs::remove_file(&dot_git)
                    .map_err(|e| AgentError::io("cannot detach the dry-run copy from git", e))?;
            }
            return Ok(Self {
                dir: copy.path().to_path_buf(),
                project: project.to_path_buf(),
                dry_copy: Some(copy),
                git: None,
                context: None,
            });
        }
        Ok(Self {
            dir: project.to_path_buf(),
            project: project.to_path_buf(),
            dry_copy: None,
            git: Git::discover(project),
            context: None,
        })
    }

    /// Refuses a dirty tree unless allowed.
    pub fn check_clean(&self, allow_dirty: bool) -> Result<(), AgentError> {
        if let (Some(git), false) = (&self.git, allow_dirty) {
            let paths = git.dirty_paths()?;
            if !paths.is_empty() {
                return Err(AgentError::DirtyTree { paths });
            }
        }
        Ok(())
    }

    /// Switches to the run branch, creating it from the current HEAD when new.
    pub fn enter_branch(&self, branch: &str) -> Result<(), AgentError> {
        let Some(git) = &self.git else { return Ok(()) };
        if git.current_branch().ok().as_deref() == Some(branch) {
            return Ok(());
        }
        if git.branch_exists(branch)? {
            git.switch(branch)?;
        } else {
            git.create_branch_and_switch(branch)?;
        }
        Ok(())
    }

    /// Keeps run data out of commits: `.chamber/.gitignore` lists it.
    pub fn ensure_chamber_gitignore(&self) -> Result<(), AgentError> {
        let path = self.dir.join(".chamber/.gitignore");
        if path.exists() {
            return Ok(());
        }
        chamber_tools::atomic::write_atomic(&path, CHAMBER_GITIGNORE.as_bytes())
            .map_err(|e| AgentError::io(format!("cannot write {}", path.display()), e))
    }
}

/// What `.chamber/.gitignore` holds: run data stays local; config and policy are shared.
pub const CHAMBER_GITIGNORE: &str = "# Run data stays local; config.toml and policy.toml are meant to be committed.\nruns/\nindex/\npatches/\ncheckpoints/\nguarded/\n";
