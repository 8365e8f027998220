//! Tasks that name a git URL instead of a local checkout. The server checks
//! the URL against `[server] allowed_remotes` and asks the remote (`git
//! ls-remote`) before queueing; the worker that runs the task keeps one
//! clone per URL under `<data dir>/clones/`, fetches it before each run
//! (under a file lock, so parallel tasks on one URL take turns), runs in a
//! worktree made from the remote's branch, and pushes the task's branch
//! back when the server is set to.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};
use sha2::{Digest, Sha256};

use crate::error::{ErrorKind, RuntimeError};

/// Whether `repo` names a remote (`scheme://…` or scp-like `user@host:path`)
/// rather than a local path.
pub fn is_remote(repo: &str) -> bool {
    if repo.contains("://") {
        return true;
    }
    // scp-like syntax: `git@host:org/repo.git` (a `:` before any `/`).
    match (repo.find(':'), repo.find('/')) {
        (Some(colon), slash) => repo[..colon].contains('@') && slash.is_none_or(|s| colon < s),
        _ => false,
    }
}

/// The entry of `allowed` (URL prefixes) that lets `url` be cloned, if any.
/// A prefix must end at a path boundary: `https://host/org/` allows
/// `https://host/org/repo.git`; `https://host/org` does not allow
/// `https://host/organisation/x`.
pub fn allowed_by<'a>(url: &str, allowed: &'a [String]) -> Option<&'a str> {
    allowed
        .iter()
        .find(|prefix| {
            !prefix.is_empty()
                && url.starts_with(prefix.as_str())
                && (prefix.ends_with('/')
                    || prefix.ends_with(':')
                    || url.len() == prefix.len()
                    || matches!(url.as_bytes()[prefix.len()], b'/' | b':'))
        })
        .map(String::as_str)
}

fn unreachable_error(message: String) -> RuntimeError {
    RuntimeError::setting(
        "repo_unreachable",
        message,
        Some("check the URL and that this machine's git can read it (credentials, network)"),
        ErrorKind::InvalidState,
    )
}

/// Runs git with no prompt for credentials, killing it after `limit`.
fn git(args: &[&str], dir: Option<&Path>, limit: Duration) -> Result<Output, RuntimeError> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().map_err(|e| {
        RuntimeError::setting(
            "git_missing",
            format!("cannot run git: {e}"),
            Some("install git on this machine"),
            ErrorKind::Internal,
        )
    })?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(unreachable_error(format!("git {}: {e}", args.join(" ")))),
        Err(_) => {
            if let Ok(pid) = i32::try_from(pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            Err(unreachable_error(format!(
                "git {} took longer than {} s",
                args.first().copied().unwrap_or_default(),
                limit.as_secs()
            )))
        }
    }
}

fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_string()
}

/// Whether `base` looks like a commit id (checked at run time, since a
/// remote lists only refs).
fn looks_like_commit(base: &str) -> bool {
    (7..=40).contains(&base.len()) && base.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Asks the remote whether it can be read and has `base` (a branch or tag;
/// a commit id is checked when the task runs). Refuses option-like values.
pub fn check_remote(url: &str, base: Option<&str>, limit: Duration) -> Result<(), RuntimeError> {
    if url.starts_with('-') || base.is_some_and(|b| b.starts_with('-') || b.is_empty()) {
        return Err(unreachable_error(format!(
            "{url}: not a usable URL or base"
        )));
    }
    let out = git(&["ls-remote", "--", url], None, limit)?;
    if !out.status.success() {
        return Err(unreachable_error(format!(
            "{url} cannot be read: {}",
            stderr_line(&out)
        )));
    }
    let Some(base) = base.filter(|b| !looks_like_commit(b)) else {
        return Ok(());
    };
    let refs = String::from_utf8_lossy(&out.stdout);
    let wanted = [
        format!("refs/heads/{base}"),
        format!("refs/tags/{base}"),
        base.to_string(),
    ];
    if refs
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .any(|r| wanted.iter().any(|w| w == r))
    {
        Ok(())
    } else {
        Err(RuntimeError::setting(
            "unknown_base_branch",
            format!("base_branch {base:?} is not a branch or tag of {url}"),
            Some(
                "push the branch first, or leave base_branch out to start from the remote's default branch",
            ),
            ErrorKind::InvalidState,
        ))
    }
}

/// Where this machine keeps its clone of `url`.
pub fn clone_dir(data_dir: &Path, url: &str) -> PathBuf {
    let digest = Sha256::digest(url.as_bytes());
    let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    data_dir.join("clones").join(name)
}

/// A clone of `url`, fetched just now, and the ref a task's worktree starts
/// from (`origin/<base>`, a tag or commit, or the remote's default branch).
pub struct PreparedClone {
    /// The clone's checkout (the run's project root).
    pub dir: PathBuf,
    /// What the run's worktree starts from.
    pub base: String,
}

/// Clones `url` into the data dir, or fetches the clone there, under a lock
/// that parallel tasks on the same URL share; then resolves `base`.
pub fn prepare_clone(
    data_dir: &Path,
    url: &str,
    base: Option<&str>,
    limit: Duration,
) -> Result<PreparedClone, RuntimeError> {
    let dir = clone_dir(data_dir, url);
    let io = |what: &str, e: std::io::Error| {
        RuntimeError::setting(
            "io_failed",
            format!("{what} {}: {e}", dir.display()),
            None,
            ErrorKind::Internal,
        )
    };
    let parent = dir.parent().unwrap_or(data_dir);
    std::fs::create_dir_all(parent).map_err(|e| io("cannot create", e))?;
    let lock_file =
        File::create(dir.with_extension("lock")).map_err(|e| io("cannot lock the clone at", e))?;
    let _lock = Flock::lock(lock_file, FlockArg::LockExclusive)
        .map_err(|(_, e)| io("cannot lock the clone at", std::io::Error::from(e)))?;
    if dir.join(".git").is_dir() {
        let out = git(
            &["fetch", "--quiet", "--prune", "--tags", "origin"],
            Some(&dir),
            limit,
        )?;
        if !out.status.success() {
            return Err(unreachable_error(format!(
                "fetching {url} failed: {}",
                stderr_line(&out)
            )));
        }
    } else {
        // A clone cut short (killed worker) is started again.
        let _ = std::fs::remove_dir_all(&dir);
        let at = dir.to_string_lossy();
        let out = git(&["clone", "--quiet", "--", url, at.as_ref()], None, limit)?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(unreachable_error(format!(
                "cloning {url} failed: {}",
                stderr_line(&out)
            )));
        }
    }
    let resolves = |rev: &str| {
        git(
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
            Some(&dir),
            limit,
        )
        .is_ok_and(|o| o.status.success())
    };
    let base = match base {
        None => "origin/HEAD".to_string(),
        Some(b) if b.starts_with('-') => {
            return Err(unreachable_error(format!("base {b:?} is not usable")));
        }
        Some(b) if resolves(&format!("origin/{b}")) => format!("origin/{b}"),
        Some(b) if resolves(b) => b.to_string(),
        Some(b) => {
            return Err(RuntimeError::setting(
                "unknown_base_branch",
                format!("base_branch {b:?} is not a branch, tag or commit of {url}"),
                Some("push it first, or leave base_branch out"),
                ErrorKind::InvalidState,
            ));
        }
    };
    Ok(PreparedClone { dir, base })
}

/// Pushes the task's `branch` from the clone to `origin` (never forced).
pub fn push_branch(dir: &Path, branch: &str, limit: Duration) -> Result<(), RuntimeError> {
    let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
    let out = git(&["push", "--quiet", "origin", &refspec], Some(dir), limit)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(unreachable_error(format!(
            "pushing {branch} failed: {}",
            stderr_line(&out)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls_are_told_from_paths() {
        for url in [
            "https://example.com/org/repo.git",
            "file:///srv/git/repo.git",
            "ssh://git@example.com/org/repo",
            "git@example.com:org/repo.git",
        ] {
            assert!(is_remote(url), "{url}");
        }
        for path in ["/srv/repos/app", "relative/dir", "/tmp/a:b/c", "C:/x"] {
            assert!(!is_remote(path), "{path}");
        }
    }

    #[test]
    fn prefixes_allow_at_path_boundaries_only() {
        let allowed = vec![
            "https://example.com/org".to_string(),
            "file:///srv/git/".into(),
        ];
        assert_eq!(
            allowed_by("https://example.com/org/repo.git", &allowed),
            Some("https://example.com/org")
        );
        assert_eq!(
            allowed_by("https://example.com/organisation/x", &allowed),
            None
        );
        assert_eq!(
            allowed_by("file:///srv/git/app.git", &allowed),
            Some("file:///srv/git/")
        );
        assert_eq!(allowed_by("https://evil.example/org/repo", &allowed), None);
        assert_eq!(allowed_by("https://example.com/org/repo", &[]), None);
    }

    #[test]
    fn commit_ids_are_recognised() {
        assert!(looks_like_commit("1a2b3c4"));
        assert!(!looks_like_commit("main"));
        assert!(!looks_like_commit("abc"));
    }
}
