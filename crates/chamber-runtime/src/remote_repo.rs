//! Tasks that name a git URL instead of a local checkout. The server checks
//! the URL against `[server] allowed_remotes` and asks the remote (`git
//! ls-remote`) before queueing; the worker that runs the task keeps one
//! clone per URL under `<data dir>/clones/`, fetches it before each run
//! (under a file lock, so parallel tasks on one URL take turns), runs in a
//! worktree made from the remote's branch, and pushes the task's branch
//! back when the server is set to.

use std::fs::File;
use std::os::unix::process::CommandExt;
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

/// The parts of a remote the allow-list compares: an entry allows a URL
/// with the same scheme, user, host and port whose path continues the
/// entry's path at a `/`.
#[derive(Debug, PartialEq)]
struct RemoteParts {
    scheme: String,
    user: String,
    host: String,
    port: Option<u16>,
    path: String,
}

/// Schemes a task's URL may use (git's `ext::` and other transports never).
const SCHEMES: [&str; 5] = ["https", "http", "ssh", "git", "file"];

/// Splits `url` (or an allow-list entry) into [`RemoteParts`], refusing
/// what could make git reach another place than the one compared:
/// credentials, `.`/`..` segments (also percent-encoded), other schemes.
fn remote_parts(url: &str) -> Result<RemoteParts, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.contains("%2e") || lower.contains("%2f") || lower.contains('\\') {
        return Err(format!("{url}: encoded dots or slashes are refused"));
    }
    if !url.contains("://") {
        // scp-like `user@host:path`.
        let (user_host, path) = url
            .split_once(':')
            .ok_or_else(|| format!("{url}: not a git URL"))?;
        let (user, host) = user_host.rsplit_once('@').unwrap_or(("", user_host));
        if host.is_empty() || path.starts_with('-') || user_host.starts_with('-') {
            return Err(format!("{url}: not a usable git URL"));
        }
        let path = format!("/{}", path.trim_start_matches('/'));
        if path.split('/').any(|seg| seg == "." || seg == "..") {
            return Err(format!("{url}: `.` and `..` path segments are refused"));
        }
        return Ok(RemoteParts {
            scheme: "ssh".into(),
            user: user.to_string(),
            host: host.to_ascii_lowercase(),
            port: None,
            path,
        });
    }
    // Refused before parsing: the parser would fold them away, and git
    // or the server might not.
    let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme
        .split(['/', '?', '#'])
        .any(|seg| seg == "." || seg == "..")
    {
        return Err(format!("{url}: `.` and `..` path segments are refused"));
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    if !SCHEMES.contains(&parsed.scheme()) {
        return Err(format!(
            "{url}: the scheme {} is not allowed (https, http, ssh, git, file, or user@host:path)",
            parsed.scheme()
        ));
    }
    if parsed.password().is_some() {
        return Err(
            "credentials in the URL are refused: give this machine's git a credential helper or an SSH key"
                .into(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{url}: a query or fragment is refused"));
    }
    Ok(RemoteParts {
        scheme: parsed.scheme().to_string(),
        user: parsed.username().to_string(),
        host: parsed.host_str().unwrap_or_default().to_ascii_lowercase(),
        port: parsed.port_or_known_default(),
        path: parsed.path().to_string(),
    })
}

/// The entry of `allowed` (remote URL prefixes) that lets `url` be cloned,
/// or why none does. An entry allows a URL with the same scheme, user, host
/// and port whose path continues the entry's path at a `/`:
/// `https://host/org/` and `https://host/org` both allow
/// `https://host/org/app.git`, neither allows `https://host/organisation/x`
/// nor `https://host.evil/org/x`.
pub fn allowed_by<'a>(url: &str, allowed: &'a [String]) -> Result<&'a str, String> {
    let wanted = remote_parts(url)?;
    allowed
        .iter()
        .find(|entry| {
            let Ok(entry_parts) = remote_parts(entry) else {
                return false;
            };
            let prefix = entry_parts.path.trim_end_matches('/');
            entry_parts.scheme == wanted.scheme
                && entry_parts.user == wanted.user
                && entry_parts.host == wanted.host
                && entry_parts.port == wanted.port
                && wanted.path.starts_with(prefix)
                && wanted.path[prefix.len()..].starts_with('/')
        })
        .map(String::as_str)
        .ok_or_else(|| format!("{url} is not under any allowed remote"))
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
    // No `ext::` commands, and no redirect to a host the allow-list did
    // not check.
    cmd.args([
        "-c",
        "protocol.ext.allow=never",
        "-c",
        "http.followRedirects=false",
    ])
    .args(args)
    .env("GIT_TERMINAL_PROMPT", "0")
    .env("GIT_ASKPASS", "true")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    // Its own process group, so a timeout also stops ssh and the
    // remote helpers git started.
    .process_group(0);
    if std::env::var_os("GIT_SSH_COMMAND").is_none() {
        cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
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
                let _ = nix::sys::signal::killpg(
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
        // Cloned beside and renamed into place, so a clone cut short (a
        // timeout, a killed worker) never looks like a finished one.
        let partial = dir.with_extension("partial");
        let _ = std::fs::remove_dir_all(&partial);
        let _ = std::fs::remove_dir_all(&dir);
        let at = partial.to_string_lossy();
        let out = git(&["clone", "--quiet", "--", url, at.as_ref()], None, limit)?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(unreachable_error(format!(
                "cloning {url} failed: {}",
                stderr_line(&out)
            )));
        }
        std::fs::rename(&partial, &dir).map_err(|e| io("cannot move the new clone to", e))?;
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
        None => {
            // The remote's default branch; a clone made before it had one
            // (or whose HEAD moved) learns it again.
            if !resolves("origin/HEAD") {
                let _ = git(
                    &["remote", "set-head", "origin", "--auto"],
                    Some(&dir),
                    limit,
                );
            }
            if !resolves("origin/HEAD") {
                return Err(RuntimeError::setting(
                    "unknown_base_branch",
                    format!("{url} has no default branch to start from"),
                    Some("name a base_branch"),
                    ErrorKind::InvalidState,
                ));
            }
            "origin/HEAD".to_string()
        }
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
            "git@example.com:team".into(),
            "https://git.corp".into(),
        ];
        let ok = |u: &str| allowed_by(u, &allowed).ok();
        assert_eq!(
            ok("https://example.com/org/repo.git"),
            Some("https://example.com/org")
        );
        assert_eq!(
            ok("https://EXAMPLE.com/org/repo.git"),
            Some("https://example.com/org")
        );
        assert_eq!(ok("file:///srv/git/app.git"), Some("file:///srv/git/"));
        assert_eq!(
            ok("git@example.com:team/app.git"),
            Some("git@example.com:team")
        );
        assert_eq!(ok("https://git.corp/any/repo"), Some("https://git.corp"));
        for refused in [
            "https://example.com/organisation/x",
            "https://evil.example/org/repo",
            "https://example.com:8443/org/repo",
            "http://example.com/org/repo",
            "https://git.corp:x@evil.example/r",
            "https://git.corp.evil.example/r",
            "file:///srv/git/../../home/u/secret",
            "file:///srv/git/%2e%2e/secret",
            "https://example.com/org/../private/r",
            "https://user:token@example.com/org/repo",
            "ext::sh -c touch% /tmp/pwned",
            "git@example.com:teamx/app.git",
            "git@example.com:team/../other",
            "https://example.com/org/repo?x=1",
        ] {
            assert!(ok(refused).is_none(), "{refused} was allowed");
        }
        assert!(allowed_by("https://example.com/org/repo", &[]).is_err());
        assert!(
            allowed_by("https://user:token@example.com/org/repo", &allowed)
                .unwrap_err()
                .contains("credentials")
        );
    }

    #[test]
    fn commit_ids_are_recognised() {
        assert!(looks_like_commit("1a2b3c4"));
        assert!(!looks_like_commit("main"));
        assert!(!looks_like_commit("abc"));
    }
}
