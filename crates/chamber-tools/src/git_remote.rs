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

    /// Adds a linked worktree at `path` on a new branch `branch` made from
    /// `base` (a branch or commit; HEAD when `None`)
    /// (`git worktree add <path> -b <branch> [<base>]`), and returns it as a [`Git`].
    pub fn add_worktree(
        &self,
        path: &Path,
        branch: &str,
        base: Option<&str>,
    ) -> Result<Git, GitError> {
        let at = path.to_string_lossy();
        let mut args = vec!["worktree", "add", "--quiet", at.as_ref(), "-b", branch];
        if let Some(base) = base {
            // `--` would end options but git then reads the base as a path:
            // a base starting with `-` is refused by `is_valid_base` instead.
            args.push(base);
        }
        self.run(&args)?;
        Git::discover(path).ok_or_else(|| GitError::Failed {
            command: format!("git worktree add {at}"),
            code: None,
            stderr: "the new worktree is not a git repository".into(),
        })
    }

    /// Adds a linked worktree at `path` with `commit` checked out and no
    /// branch (`git worktree add --detach`): a scratch tree for one plan
    /// step running beside others.
    pub fn add_detached_worktree(&self, path: &Path, commit: &str) -> Result<Git, GitError> {
        let at = path.to_string_lossy();
        self.run(&[
            "worktree",
            "add",
            "--quiet",
            "--detach",
            at.as_ref(),
            commit,
        ])?;
        Git::discover(path).ok_or_else(|| GitError::Failed {
            command: format!("git worktree add --detach {at}"),
            code: None,
            stderr: "the new worktree is not a git repository".into(),
        })
    }

    /// Whether `base` names a branch, tag or commit of this repository that
    /// a run may start from (`git rev-parse --verify <base>^{commit}`).
    pub fn is_valid_base(&self, base: &str) -> bool {
        !base.is_empty()
            && !base.starts_with('-')
            && self
                .run(&[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("{base}^{{commit}}"),
                ])
                .is_ok()
    }

    /// Removes the linked worktree at `path` (`git worktree remove --force`);
    /// its branch and commits stay.
    pub fn remove_worktree(&self, path: &Path) -> Result<(), GitError> {
        let at = path.to_string_lossy();
        self.run(&["worktree", "remove", "--force", at.as_ref()])
            .map(|_| ())
    }
}
