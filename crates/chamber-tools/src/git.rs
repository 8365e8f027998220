//! Git operations the agent needs around a run (branching, status, commits,
//! diffs), done with the `git` command line so they match what users see.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A failed git operation, carrying the command and what git said.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// git could not be started (not installed, or the directory is gone).
    #[error("could not run `{command}`: {source}")]
    Spawn {
        /// The command line attempted.
        command: String,
        /// Why it could not start.
        source: std::io::Error,
    },
    /// git ran and reported failure.
    #[error("`{command}` failed: {stderr}")]
    Failed {
        /// The command line that failed.
        command: String,
        /// Its exit code, if it exited normally.
        code: Option<i32>,
        /// What git wrote to stderr, trimmed.
        stderr: String,
    },
    /// HEAD points at a commit, not a branch, so there is no branch to return to.
    #[error("HEAD is detached (not on a branch); check out a branch first")]
    DetachedHead,
}

/// A commit made by [`Git::commit_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    /// Paths changed by the commit, relative to the repository root.
    pub files: Vec<String>,
}

/// A git repository, addressed by its top-level directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Git {
    root: PathBuf,
}

/// Chamber's own state directory, never reported as a user change.
const STATE_DIR: &str = ".chamber";

impl Git {
    /// The repository containing `dir`, if any (via `git rev-parse --show-toplevel`).
    pub fn discover(dir: &Path) -> Option<Git> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--show-toplevel"])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let top = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if top.is_empty() {
            None
        } else {
            Some(Git {
                root: PathBuf::from(top),
            })
        }
    }

    /// The repository's top-level directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(&self.root)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs git and returns its output whatever the exit code.
    fn output(&self, args: &[&str]) -> Result<Output, GitError> {
        self.output_with_index(args, None)
    }

    /// Runs git, with `GIT_INDEX_FILE` set to `index` when given, and
    /// returns its output whatever the exit code.
    pub(crate) fn output_with_index(
        &self,
        args: &[&str],
        index: Option<&Path>,
    ) -> Result<Output, GitError> {
        let mut cmd = self.command(args);
        if let Some(index) = index {
            cmd.env("GIT_INDEX_FILE", index);
        }
        cmd.output().map_err(|source| GitError::Spawn {
            command: render(args),
            source,
        })
    }

    /// Runs git and returns stdout, failing on a non-zero exit.
    pub(crate) fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self.output(args)?;
        check(args, &out)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The checked-out branch's short name; works before the first commit.
    pub fn current_branch(&self) -> Result<String, GitError> {
        let args = ["symbolic-ref", "--quiet", "--short", "HEAD"];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
            Some(1) => Err(GitError::DetachedHead),
            _ => check(&args, &out).map(|_| String::new()),
        }
    }

    /// The current commit id, or `None` in a repository without commits.
    pub fn head(&self) -> Result<Option<String>, GitError> {
        let args = ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => Ok(Some(
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            )),
            Some(1) => Ok(None),
            _ => check(&args, &out).map(|_| None),
        }
    }

    /// Paths with uncommitted changes (staged, unstaged or untracked),
    /// relative to the root, excluding Chamber's own `.chamber/` directory.
    pub fn dirty_paths(&self) -> Result<Vec<String>, GitError> {
        let text = self.run(&["status", "--porcelain=v1", "-z", "--untracked-files=all"])?;
        let mut paths = Vec::new();
        let mut fields = text.split('\0');
        while let Some(entry) = fields.next() {
            if entry.len() < 4 {
                continue;
            }
            let (code, path) = entry.split_at(3);
            // Renames and copies are followed by the old path as its own field.
            if code.starts_with('R') || code.starts_with('C') {
                fields.next();
            }
            if !is_state_path(path) {
                paths.push(path.to_string());
            }
        }
        Ok(paths)
    }

    /// Creates branch `name` at HEAD and checks it out (`git switch -c`).
    pub fn create_branch_and_switch(&self, name: &str) -> Result<(), GitError> {
        self.run(&["switch", "-c", name]).map(|_| ())
    }

    /// Checks out an existing branch (`git switch`).
    pub fn switch(&self, name: &str) -> Result<(), GitError> {
        self.run(&["switch", name]).map(|_| ())
    }

    /// Whether a local branch called `name` exists.
    pub fn branch_exists(&self, name: &str) -> Result<bool, GitError> {
        let full = format!("refs/heads/{name}");
        let args = ["show-ref", "--verify", "--quiet", full.as_str()];
        let out = self.output(&args)?;
        match out.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => check(&args, &out).map(|_| false),
        }
    }

    /// Stages everything except `.chamber/` (`git add -A`) and commits it.
    /// `Ok(None)` when there is nothing to commit. Works without a configured
    /// git identity by falling back to `Chamber <chamber@localhost>`.
    pub fn commit_all(&self, message: &str) -> Result<Option<CommitInfo>, GitError> {
        self.commit_all_with(message, false)
    }

    /// [`Git::commit_all`], adding a `Signed-off-by:` trailer when `signoff`.
    pub fn commit_all_with(
        &self,
        message: &str,
        signoff: bool,
    ) -> Result<Option<CommitInfo>, GitError> {
        self.stage_all()?;
        self.commit_staged(message, signoff)
    }

    /// Stages every change except `.chamber/` (`git add -A`).
    pub fn stage_all(&self) -> Result<(), GitError> {
        let exclude = format!(":(exclude){STATE_DIR}");
        self.run(&["add", "-A", "--", ".", exclude.as_str()])
            .map(|_| ())
    }

    /// Commits what is staged; `Ok(None)` when nothing is. `signoff` adds a
    /// `Signed-off-by:` trailer from the configured identity.
    pub fn commit_staged(
        &self,
        message: &str,
        signoff: bool,
    ) -> Result<Option<CommitInfo>, GitError> {
        let staged = ["diff", "--cached", "--quiet"];
        let out = self.output(&staged)?;
        match out.status.code() {
            Some(0) => return Ok(None),
            Some(1) => {}
            _ => check(&staged, &out)?,
        }
        let mut args: Vec<&str> = Vec::new();
        if !self.has_identity()? {
            args.extend([
                "-c",
                "user.name=Chamber",
                "-c",
                "user.email=chamber@localhost",
            ]);
        }
        args.extend(["commit", "--quiet", "-m", message]);
        if signoff {
            args.push("--signoff");
        }
        self.run(&args)?;
        let id = self.run(&["rev-parse", "HEAD"])?.trim().to_string();
        let listed = self.run(&[
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            "-z",
            "--root",
            "HEAD",
        ])?;
        let files = listed
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Some(CommitInfo { id, files }))
    }

    /// The staged changes: `(unified diff, --stat summary, file names)`.
    pub fn staged_diff(&self) -> Result<(String, String, Vec<String>), GitError> {
        let diff = self.run(&["diff", "--cached", "--no-color", "--no-ext-diff"])?;
        let stat = self.run(&["diff", "--cached", "--no-color", "--stat=72"])?;
        let names = self.run(&["diff", "--cached", "--name-only", "-z"])?;
        let files = names
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        Ok((diff, stat, files))
    }

    /// Whether `user.email` is configured (empty or unset counts as no).
    fn has_identity(&self) -> Result<bool, GitError> {
        let out = self.output(&["config", "user.email"])?;
        Ok(out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty())
    }

    /// Unified diff of what `branch` changed since it left `base`
    /// (`git diff base...branch`): a run branch's own work.
    pub fn branch_diff(&self, base: &str, branch: &str) -> Result<String, GitError> {
        self.run(&[
            "diff",
            "--no-color",
            "--no-ext-diff",
            &format!("{base}...{branch}"),
        ])
    }

    /// Unified diff of the working tree (tracked files) against `rev`.
    pub fn diff_against(&self, rev: &str) -> Result<String, GitError> {
        self.run(&["diff", "--no-color", "--no-ext-diff", rev, "--"])
    }
}

/// Whether `path` lies in Chamber's state directory.
fn is_state_path(path: &str) -> bool {
    path == STATE_DIR
        || path
            .strip_prefix(STATE_DIR)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `Ok` for a zero exit, else a [`GitError::Failed`] with git's stderr.
pub(crate) fn check(args: &[&str], out: &Output) -> Result<(), GitError> {
    if out.status.success() {
        return Ok(());
    }
    Err(GitError::Failed {
        command: render(args),
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

/// The command line as shown in errors.
fn render(args: &[&str]) -> String {
    let mut s = String::from("git");
    for a in args {
        s.push(' ');
        s.push_str(a);
    }
    s
}
