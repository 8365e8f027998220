//! Git operations that reach past the working tree: pushing a run branch to
//! a remote, reading a remote's URL, and linked worktrees for isolated runs.

use std::path::Path;

use crate::git::{Git, GitError};

impl Git {
    /// The fetch URL of `remote` (`git remote get-url`).
    pub fn remote_url(&self, remote: &str) -> Result<String, GitError> {
        Ok(self.run(&["remote", "get-url", remote])?.trim().to_string())
    }

    /// Pushes `branch` to `remote` and sets it as upstream (`git push -u`).
    pub fn push_branch(&self, remote: &str, branch: &str) -> Result<(), GitError> {
        self.run(&["push", "--quiet", "-u", remote, branch])
            .map(|_| ())
    }

    /// Adds a linked worktree at `path` on a new branch `branch` made from HEAD
    /// (`git worktree add <path> -b <branch>`), and returns it as a [`Git`].
    pub fn add_worktree(&self, path: &Path, branch: &str) -> Result<Git, GitError> {
        let at = path.to_string_lossy();
        self.run(&["worktree", "add", "--quiet", at.as_ref(), "-b", branch])?;
        Git::discover(path).ok_or_else(|| GitError::Failed {
            command: format!("git worktree add {at}"),
            code: None,
            stderr: "the new worktree is not a git repository".into(),
        })
    }

    /// Removes the linked worktree at `path` (`git worktree remove --force`);
    /// its branch and commits stay.
    pub fn remove_worktree(&self, path: &Path) -> Result<(), GitError> {
        let at = path.to_string_lossy();
        self.run(&["worktree", "remove", "--force", at.as_ref()])
            .map(|_| ())
    }
}
