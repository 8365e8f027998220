//! `chamber bench tasks DIR`: runs a folder of small tasks end to end, each
//! in a fresh git repo, through `chamber run --yes --json` (the way a user
//! would), then judges it with the task's own test command.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// `task.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskSpec {
    instruction: String,
    test: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    difficulty: String,
}

/// The outcome of one task.
#[derive(Debug, Default, Serialize)]
pub struct TaskResult {
    task: String,
    run_id: String,
    language: String,
    difficulty: String,
    solved: bool,
    run_exit: i32,
    run_status: String,
    plan_steps: usize,
    model_turns: u64,
    tool_calls: u64,
    valid_tool_calls: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    run_secs: f64,
    test_secs: f64,
    tests_modified: bool,
    error: Option<String>,
}

/// Options of `chamber bench tasks`.
pub struct BenchArgs {
    /// The folder of task folders.
    pub dir: PathBuf,
    /// Only these task names.
    pub only: Vec<String>,
    /// Time limit of one run.
    pub timeout: Duration,
    /// Model turns per plan step.
    pub max_turns: Option<u32>,
    /// Where to write the JSON report.
    pub json_out: Option<PathBuf>,
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> CliError {
    move |e| CliError::new("io_failed", format!("{what}: {e}"), None, status::INTERNAL)
}

/// Runs every task and prints a table; the payload holds every result.
pub async fn tasks(
    args: BenchArgs,
    global_flags: Vec<String>,
    out: &Output,
) -> Result<Value, CliError> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&args.dir)
        .map_err(io_err(format!("cannot read {}", args.dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("task.toml").is_file())
        .filter(|p| args.only.is_empty() || args.only.iter().any(|o| p.ends_with(o)))
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(CliError::new(
            "no_tasks",
            format!("no task folders (with task.toml) in {}", args.dir.display()),
            Some("see bench/tasks/README.md for the format"),
            status::NOT_FOUND,
        ));
    }
    let started = Instant::now();
    let mut results = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !out.is_quiet() && !out.is_json() {
            eprintln!("» {name}");
        }
        let result = match run_task(dir, &name, &args, &global_flags).await {
            Ok(r) => r,
            Err(e) => TaskResult {
                task: name.clone(),
                error: Some(e.message),
                ..Default::default()
            },
        };
        out.line(row(&result));
        results.push(result);
    }
    let total = totals(&results, started.elapsed());
    out.line(Output::styled(
        style::HEAD,
        format!(
            "solved {}/{} · tool calls valid {}/{} ({:.0}%) · tokens {} in / {} out · {:.0}s",
            total["solved"],
            total["tasks"],
            total["valid_tool_calls"],
            total["tool_calls"],
            total["tool_call_validity"].as_f64().unwrap_or(0.0) * 100.0,
            total["prompt_tokens"],
            total["completion_tokens"],
            total["seconds"].as_f64().unwrap_or(0.0)
        ),
    ));
    let report = json!({"tasks": results, "total": total});
    if let Some(path) = &args.json_out {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        chamber_tools::atomic::write_atomic(path, text.as_bytes())
            .map_err(io_err(format!("cannot write {}", path.display())))?;
        out.line(format!("report: {}", path.display()));
    }
    Ok(report)
}

fn row(r: &TaskResult) -> String {
    let verdict = if r.solved {
        Output::styled(style::OK, "solved")
    } else {
        Output::styled(style::BAD, "failed")
    };
    format!(
        "{verdict} {:<28} {:<7} turns {:>2} · calls {:>2}/{:<2} valid · tokens {:>6}/{:<5} · run {:>5.0}s{}",
        r.task,
        r.difficulty,
        r.model_turns,
        r.valid_tool_calls,
        r.tool_calls,
        r.prompt_tokens,
        r.completion_tokens,
        r.run_secs,
        r.error
            .as_ref()
            .map(|e| format!(" · {e}"))
            .unwrap_or_default()
    )
}

fn totals(results: &[TaskResult], elapsed: Duration) -> Value {
    let sum = |f: fn(&TaskResult) -> u64| results.iter().map(f).sum::<u64>();
    let calls = sum(|r| r.tool_calls);
    let valid = sum(|r| r.valid_tool_calls);
    json!({
        "tasks": results.len(),
        "solved": results.iter().filter(|r| r.solved).count(),
        "tool_calls": calls,
        "valid_tool_calls": valid,
        "tool_call_validity": if calls == 0 { 0.0 } else { valid as f64 / calls as f64 },
        "prompt_tokens": sum(|r| r.prompt_tokens),
        "completion_tokens": sum(|r| r.completion_tokens),
        "model_turns": sum(|r| r.model_turns),
        "seconds": elapsed.as_secs_f64(),
    })
}

async fn run_task(
    dir: &Path,
    name: &str,
    args: &BenchArgs,
    global_flags: &[String],
) -> Result<TaskResult, CliError> {
    let text = std::fs::read_to_string(dir.join("task.toml"))
        .map_err(io_err(format!("cannot read {name}/task.toml")))?;
    let spec: TaskSpec = toml::from_str(&text).map_err(|e| {
        CliError::new(
            "task_invalid",
            format!("{name}/task.toml: {e}"),
            None,
            status::CONFIG,
        )
    })?;
    let tmp = tempfile::Builder::new()
        .prefix("chamber-bench-")
        .tempdir()
        .map_err(io_err("cannot make a temp dir".into()))?;
    let work = tmp.path().join(name);
    let repo = dir.join("repo");
    chamber_tools::copy_tree(&repo, &work)
        .map_err(io_err(format!("cannot copy {}", repo.display())))?;
    for git_args in [
        vec!["init", "-q", "-b", "main"],
        vec!["add", "-A"],
        vec![
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "commit",
            "-q",
            "-m",
            "start",
        ],
    ] {
        let ok = tokio::process::Command::new("git")
            .args(&git_args)
            .current_dir(&work)
            .output()
            .await
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Err(CliError::new(
                "git_failed",
                format!("git {} failed in {}", git_args.join(" "), work.display()),
                None,
                status::GIT,
            ));
        }
    }
    let mut result = TaskResult {
        task: name.into(),
        language: spec.language.clone(),
        difficulty: spec.difficulty.clone(),
        ..Default::default()
    };
    let exe = std::env::current_exe().map_err(io_err("cannot find the chamber binary".into()))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(global_flags)
        .arg("-C")
        .arg(&work)
        .args(["--json", "run", "--yes"]);
    if let Some(n) = args.max_turns {
        cmd.args(["--max-turns", &n.to_string()]);
    }
    cmd.arg(&spec.instruction);
    let started = Instant::now();
    let (code, stdout) = run_with_timeout(cmd, args.timeout).await?;
    result.run_secs = started.elapsed().as_secs_f64();
    result.run_exit = code;
    tally(&stdout, &mut result);
    if code == 124 {
        result.error = Some(format!("run timed out after {}s", args.timeout.as_secs()));
    }
    result.tests_modified = restore_tests(&repo, &work);
    let mut test = tokio::process::Command::new("sh");
    test.args(["-c", &spec.test]).current_dir(&work);
    let started = Instant::now();
    let (test_code, _) = run_with_timeout(test, Duration::from_secs(300)).await?;
    result.test_secs = started.elapsed().as_secs_f64();
    result.solved = test_code == 0;
    Ok(result)
}

/// Counts what the run's JSONL events say: turns, tool calls, tokens, plan
/// size, final status. A call is invalid when it never started because its
/// name, JSON or arguments were rejected; calls refused by the policy, as
/// exact repeats or as destructive writes were well-formed and count as valid.
fn tally(stdout: &str, r: &mut TaskResult) {
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
fn restore_tests(repo: &Path, work: &Path) -> bool {
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
async fn run_with_timeout(
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
