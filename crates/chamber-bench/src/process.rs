//! The processes and their output under the end-to-end benchmarks
//! (`chamber bench tasks`, `chamber bench exercism`, `chamber ab`): the
//! `chamber` binary they start, a throwaway git repo to work in, running
//! with a time limit, counting a run's JSONL events, and restoring the
//! judge's files before judging.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::BenchError;

/// The `chamber` binary the end-to-end benchmarks start (the front end's
/// own), with the global flags that pick the model, so every run uses the
/// model the user asked for.
#[derive(Debug, Clone)]
pub struct ChamberBin {
    /// Path of the binary.
    pub exe: PathBuf,
    /// `--provider`, `--model`, `--base-url`, `--prefer` and their values.
    pub model_flags: Vec<String>,
}

/// An I/O failure of the benchmark itself (a harness error, not a result).
pub(crate) fn io_err(what: String) -> impl FnOnce(std::io::Error) -> BenchError {
    move |source| BenchError::Io { what, source }
}

/// What one `chamber run --json` said about itself: the numbers every
/// end-to-end benchmark reports per run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RunTally {
    /// The run's id.
    pub run_id: String,
    /// Its final status (`completed`, `failed`, …).
    pub run_status: String,
    /// Steps of the plan it proposed.
    pub plan_steps: usize,
    /// Model requests made.
    pub model_turns: u64,
    /// Tool calls the model asked for.
    pub tool_calls: u64,
    /// Of those, the well-formed ones.
    pub valid_tool_calls: u64,
    /// Tokens sent.
    pub prompt_tokens: u64,
    /// Tokens received.
    pub completion_tokens: u64,
    /// The first error envelope's message, if the run failed.
    #[serde(skip)]
    pub failure: Option<String>,
}

/// Counts what the run's JSONL events say: turns, tool calls, tokens, plan
/// size, final status. A call is invalid when it never started because its
/// name, JSON or arguments were rejected; calls refused by the policy, as
/// exact repeats or as destructive writes were well-formed and count as valid.
pub(crate) fn tally(stdout: &str) -> RunTally {
    let mut r = RunTally::default();
    let mut started = std::collections::HashSet::new();
    let mut invalid = 0u64;
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match v.get("type").and_then(Value::as_str) {
            Some("model_turn") => {
                r.model_turns += 1;
                r.tool_calls += v["tool_calls"]
                    .as_array()
                    .map(|a| a.len() as u64)
                    .unwrap_or(0);
                r.prompt_tokens += v["usage"]["prompt_tokens"].as_u64().unwrap_or(0);
                r.completion_tokens += v["usage"]["completion_tokens"].as_u64().unwrap_or(0);
            }
            Some("run_started") => r.run_id = v["run_id"].as_str().unwrap_or_default().to_string(),
            Some("tool_started") => {
                started.insert(v["call"]["id"].as_str().unwrap_or_default().to_string());
            }
            Some("tool_finished") => {
                let id = v["call_id"].as_str().unwrap_or_default();
                let error = v["result"]["error"].as_str().unwrap_or_default();
                // Well-formed calls Chamber chose not to run: policy
                // denials, exact repeats, destructive writes.
                let refused = v["result"]["status"] == "denied"
                    || error.starts_with("You made this exact call")
                    || error.starts_with("not written:");
                if !started.contains(id) && !refused {
                    invalid += 1;
                }
            }
            Some("plan_proposed") => {
                r.plan_steps = v["plan"]["steps"].as_array().map(Vec::len).unwrap_or(0)
            }
            Some("run_finished") => {
                r.run_status = v["status"].as_str().unwrap_or_default().to_string()
            }
            _ => {
                if v.get("ok") == Some(&Value::Bool(false)) && r.failure.is_none() {
                    r.failure = v["error"]["message"]
                        .as_str()
                        .map(|m| m.chars().take(160).collect());
                }
            }
        }
    }
    r.valid_tool_calls = r.tool_calls.saturating_sub(invalid);
    r
}

/// Puts the task's test files back as they were, so a run cannot pass by
/// editing the judge. Returns whether any had been changed.
pub(crate) fn restore_tests(repo: &Path, work: &Path) -> bool {
    let tests: Vec<PathBuf> = ignore::WalkBuilder::new(repo)
        .hidden(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.path().strip_prefix(repo).ok().map(Path::to_path_buf))
        .filter(|rel| {
            rel.starts_with("tests")
                || rel
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("test_"))
        })
        .collect();
    restore_files(repo, work, &tests)
}

/// Puts each of `files` (relative paths) in `work` back to its content in
/// `original`. Returns whether any had been changed (or removed).
pub(crate) fn restore_files(original: &Path, work: &Path, files: &[PathBuf]) -> bool {
    let mut changed = false;
    for rel in files {
        let Ok(bytes) = std::fs::read(original.join(rel)) else {
            continue;
        };
        let target = work.join(rel);
        if std::fs::read(&target).ok().as_deref() != Some(bytes.as_slice()) {
            changed = true;
            if let Some(parent) = target.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&target, &bytes);
        }
    }
    changed
}

/// Makes `work` a git repository on `main` with everything in it committed
/// as "start", under a local benchmark identity (so `chamber run` can
/// commit without a user-wide one).
pub(crate) async fn init_repo(work: &Path) -> Result<(), BenchError> {
    for git_args in [
        vec!["init", "-q", "-b", "main"],
        vec!["config", "user.name", "bench"],
        vec!["config", "user.email", "bench@localhost"],
        vec!["config", "commit.gpgsign", "false"],
        vec!["add", "-A"],
        vec!["commit", "-q", "-m", "start"],
    ] {
        let ok = tokio::process::Command::new("git")
            .args(&git_args)
            .current_dir(work)
            .output()
            .await
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Err(BenchError::RepoSetup {
                command: git_args.join(" "),
                dir: work.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Runs a command in its own process group; on timeout the whole group is
/// killed and the exit code is 124. Returns its stdout.
pub(crate) async fn run_with_timeout(
    cmd: tokio::process::Command,
    limit: Duration,
) -> Result<(i32, String), BenchError> {
    run_captured(cmd, limit, false).await
}

/// Like [`run_with_timeout`], returning stdout followed by stderr (a test
/// runner's report, which unittest writes to stderr).
pub(crate) async fn run_with_timeout_all(
    cmd: tokio::process::Command,
    limit: Duration,
) -> Result<(i32, String), BenchError> {
    run_captured(cmd, limit, true).await
}

async fn run_captured(
    mut cmd: tokio::process::Command,
    limit: Duration,
    with_stderr: bool,
) -> Result<(i32, String), BenchError> {
    use tokio::io::{AsyncRead, AsyncReadExt};
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if with_stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(io_err("cannot start a bench process".into()))?;
    let pid = child.id();
    // Read output as it comes, so a run cut off by the limit still reports
    // the turns and tokens it used.
    fn drain<R: AsyncRead + Unpin + Send + 'static>(
        stream: Option<R>,
    ) -> tokio::task::JoinHandle<Vec<u8>> {
        tokio::spawn(async move {
            let mut buf = Vec::new();
            if let Some(mut s) = stream {
                let _ = s.read_to_end(&mut buf).await;
            }
            buf
        })
    }
    let out_reader = drain(child.stdout.take());
    let err_reader = drain(child.stderr.take());
    let code = match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) => status.code().unwrap_or(-1),
        Ok(Err(e)) => return Err(io_err("bench process failed".into())(e)),
        Err(_) => {
            if let Some(pid) = pid {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            let _ = child.wait().await;
            124
        }
    };
    let mut out = out_reader.await.unwrap_or_default();
    out.extend(err_reader.await.unwrap_or_default());
    Ok((code, String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_turns_tokens_and_invalid_calls() {
        let lines = [
            r#"{"type":"run_started","run_id":"r1"}"#,
            r#"{"type":"plan_proposed","plan":{"steps":[{},{}]}}"#,
            r#"{"type":"model_turn","tool_calls":[{"id":"a"},{"id":"b"},{"id":"c"}],"usage":{"prompt_tokens":100,"completion_tokens":7}}"#,
            r#"{"type":"tool_started","call":{"id":"a"}}"#,
            r#"{"type":"tool_finished","call_id":"a","result":{"status":"ok"}}"#,
            r#"{"type":"tool_finished","call_id":"b","result":{"status":"error","error":"unknown tool"}}"#,
            r#"{"type":"tool_finished","call_id":"c","result":{"status":"denied","error":"not allowed"}}"#,
            r#"{"type":"model_turn","tool_calls":[],"usage":{"prompt_tokens":50,"completion_tokens":3}}"#,
            r#"{"type":"run_finished","status":"completed"}"#,
        ];
        let r = tally(&lines.join("\n"));
        assert_eq!((r.model_turns, r.tool_calls, r.valid_tool_calls), (2, 3, 2));
        assert_eq!((r.prompt_tokens, r.completion_tokens), (150, 10));
        assert_eq!(
            (r.plan_steps, r.run_id.as_str(), r.run_status.as_str()),
            (2, "r1", "completed")
        );
    }

    #[test]
    fn restore_files_puts_back_changed_and_removed_files_only() {
        let original = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in [("a_test.py", "A"), ("b_test.py", "B")] {
            std::fs::write(original.path().join(name), text).unwrap_or_default();
        }
        std::fs::write(work.path().join("a_test.py"), "A").unwrap_or_default();
        let files = [PathBuf::from("a_test.py")];
        assert!(!restore_files(original.path(), work.path(), &files));
        let files = [PathBuf::from("a_test.py"), PathBuf::from("b_test.py")];
        assert!(restore_files(original.path(), work.path(), &files));
        let back = std::fs::read_to_string(work.path().join("b_test.py")).unwrap_or_default();
        assert_eq!(back, "B");
    }
}
