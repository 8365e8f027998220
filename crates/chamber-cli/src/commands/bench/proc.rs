//! The processes and their output under `chamber bench tasks`: running with
//! a time limit, counting the JSONL events, restoring the judge's tests.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use super::{TaskResult, io_err};
use crate::exit::CliError;

/// Counts what the run's JSONL events say: turns, tool calls, tokens, plan
/// size, final status. A call is invalid when it never started because its
/// name, JSON or arguments were rejected; calls refused by the policy, as
/// exact repeats or as destructive writes were well-formed and count as valid.
pub(super) fn tally(stdout: &str, r: &mut TaskResult) {
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
                if v.get("ok") == Some(&Value::Bool(false)) && r.error.is_none() {
                    r.error = v["error"]["message"]
                        .as_str()
                        .map(|m| m.chars().take(160).collect());
                }
            }
        }
    }
    r.valid_tool_calls = r.tool_calls.saturating_sub(invalid);
}

/// Puts the task's test files back as they were, so a run cannot pass by
/// editing the judge. Returns whether any had been changed.
pub(super) fn restore_tests(repo: &Path, work: &Path) -> bool {
    let mut changed = false;
    for entry in ignore::WalkBuilder::new(repo)
        .hidden(false)
        .build()
        .filter_map(Result::ok)
    {
        let Ok(rel) = entry.path().strip_prefix(repo) else {
            continue;
        };
        let is_test = rel.starts_with("tests")
            || rel
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("test_"));
        if !entry.path().is_file() || !is_test {
            continue;
        }
        let original = std::fs::read(entry.path()).unwrap_or_default();
        let target = work.join(rel);
        if std::fs::read(&target).ok().as_deref() != Some(original.as_slice()) {
            changed = true;
            let _ = std::fs::write(&target, &original);
        }
    }
    changed
}

/// Runs a command in its own process group; on timeout the whole group is
/// killed and the exit code is 124.
pub(super) async fn run_with_timeout(
    mut cmd: tokio::process::Command,
    limit: Duration,
) -> Result<(i32, String), CliError> {
    use tokio::io::AsyncReadExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(io_err("cannot start a bench process".into()))?;
    let pid = child.id();
    // Read output as it comes, so a run cut off by the limit still reports
    // the turns and tokens it used.
    let mut stdout = child.stdout.take();
    let reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.read_to_end(&mut buf).await;
        }
        buf
    });
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
    let out = reader.await.unwrap_or_default();
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
        let mut r = TaskResult::default();
        tally(&lines.join("\n"), &mut r);
        assert_eq!((r.model_turns, r.tool_calls, r.valid_tool_calls), (2, 3, 2));
        assert_eq!((r.prompt_tokens, r.completion_tokens), (150, 10));
        assert_eq!(
            (r.plan_steps, r.run_id.as_str(), r.run_status.as_str()),
            (2, "r1", "completed")
        );
    }
}
