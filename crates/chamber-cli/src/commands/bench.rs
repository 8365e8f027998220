//! `chamber bench tasks DIR`: runs a folder of small tasks end to end, each
//! in a fresh git repo, through `chamber run --yes --json` (the way a user
//! would), then judges it with the task's own test command. With
//! `--attempts N` each task goes through `chamber fix --yes --max-rounds N`
//! instead: round 1 is attempt 1, round 2 the retry with the test feedback.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::bench_process::{RunTally, init_repo, io_err, restore_tests, run_with_timeout, tally};
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
    language: String,
    difficulty: String,
    solved: bool,
    run_exit: i32,
    #[serde(flatten)]
    run: RunTally,
    run_secs: f64,
    test_secs: f64,
    tests_modified: bool,
    error: Option<String>,
    /// With `--attempts`: the fix rounds run.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_rounds: Option<u32>,
    /// With `--attempts`: the attempt (fix round) that solved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    solved_at: Option<u32>,
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
    /// Run `chamber fix` with this many rounds (attempts) instead of
    /// `chamber run` with the instruction.
    pub attempts: Option<u32>,
}

/// The global flags that pick the model (`--provider`, `--model`,
/// `--base-url`, `--prefer`), as arguments for the `chamber` runs a
/// benchmark starts, so they use the same model as asked for.
pub fn model_flags(global: &crate::cli::GlobalArgs) -> Vec<String> {
    let mut flags = Vec::new();
    for (flag, value) in [
        ("--provider", &global.provider),
        ("--model", &global.model),
        ("--base-url", &global.base_url),
        ("--prefer", &global.prefer),
    ] {
        if let Some(v) = value {
            flags.extend([flag.to_string(), v.clone()]);
        }
    }
    flags
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
    let total = totals(&results, started.elapsed(), args.attempts);
    let by_attempt = (1..=args.attempts.unwrap_or(0))
        .map(|n| {
            format!(
                "solved@{n} {}/{} · ",
                total[format!("solved_at_{n}")],
                total["tasks"]
            )
        })
        .collect::<String>();
    out.line(Output::styled(
        style::HEAD,
        format!(
            "{by_attempt}solved {}/{} · tool calls valid {}/{} ({:.0}%) · tokens {} in / {} out · {:.0}s",
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
    let rounds = r
        .fix_rounds
        .map(|n| format!(" · rounds {n}"))
        .unwrap_or_default();
    format!(
        "{verdict} {:<28} {:<7} turns {:>2} · calls {:>2}/{:<2} valid · tokens {:>6}/{:<5} · run {:>5.0}s{rounds}{}",
        r.task,
        r.difficulty,
        r.run.model_turns,
        r.run.valid_tool_calls,
        r.run.tool_calls,
        r.run.prompt_tokens,
        r.run.completion_tokens,
        r.run_secs,
        r.error
            .as_ref()
            .map(|e| format!(" · {e}"))
            .unwrap_or_default()
    )
}

fn totals(results: &[TaskResult], elapsed: Duration, attempts: Option<u32>) -> Value {
    let sum = |f: fn(&RunTally) -> u64| results.iter().map(|r| f(&r.run)).sum::<u64>();
    let calls = sum(|r| r.tool_calls);
    let valid = sum(|r| r.valid_tool_calls);
    let mut total = json!({
        "tasks": results.len(),
        "solved": results.iter().filter(|r| r.solved).count(),
        "tool_calls": calls,
        "valid_tool_calls": valid,
        "tool_call_validity": if calls == 0 { 0.0 } else { valid as f64 / calls as f64 },
        "prompt_tokens": sum(|r| r.prompt_tokens),
        "completion_tokens": sum(|r| r.completion_tokens),
        "model_turns": sum(|r| r.model_turns),
        "seconds": elapsed.as_secs_f64(),
    });
    if let Some(max) = attempts {
        total["attempts"] = json!(max);
        for n in 1..=max {
            let solved = results
                .iter()
                .filter(|r| r.solved_at.is_some_and(|at| at <= n))
                .count();
            total[format!("solved_at_{n}")] = json!(solved);
        }
    }
    total
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
    init_repo(&work).await?;
    let mut result = TaskResult {
        task: name.into(),
        language: spec.language.clone(),
        difficulty: spec.difficulty.clone(),
        ..Default::default()
    };
    let exe = std::env::current_exe().map_err(io_err("cannot find the chamber binary".into()))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(global_flags).arg("-C").arg(&work).arg("--json");
    match args.attempts {
        Some(n) => cmd.args(["fix", "--yes", "--max-rounds", &n.to_string()]),
        None => cmd.args(["run", "--yes"]),
    };
    if let Some(n) = args.max_turns {
        cmd.args(["--max-turns", &n.to_string()]);
    }
    if args.attempts.is_none() {
        cmd.arg(&spec.instruction);
    }
    let started = Instant::now();
    let (code, stdout) = run_with_timeout(cmd, args.timeout).await?;
    result.run_secs = started.elapsed().as_secs_f64();
    result.run_exit = code;
    result.run = tally(&stdout);
    result.error = result.run.failure.clone();
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
    if args.attempts.is_some() {
        result.fix_rounds = fix_rounds(&stdout);
        // The loop stops at the first green round, so the rounds it ran are
        // the attempts it needed.
        result.solved_at = result.solved.then(|| result.fix_rounds.unwrap_or(1).max(1));
    }
    Ok(result)
}

/// The rounds `chamber fix` ran, from its final JSON envelope.
fn fix_rounds(stdout: &str) -> Option<u32> {
    stdout.lines().rev().find_map(|line| {
        let v = serde_json::from_str::<Value>(line).ok()?;
        let rounds = v["payload"]["fix"]["rounds"].as_u64()?;
        u32::try_from(rounds).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_family_task_files_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/tasks-fix");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let toml_path = entry.path().join("task.toml");
            if !toml_path.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&toml_path).unwrap_or_default();
            let spec: TaskSpec = toml::from_str(&text).unwrap_or_else(|e| {
                panic!("{}: {e}", toml_path.display());
            });
            assert_eq!(spec.language, "python", "{}", toml_path.display());
            assert!(entry.path().join("repo").is_dir());
            seen += 1;
        }
        assert_eq!(seen, 6, "bench/tasks-fix holds six tasks");
    }

    #[test]
    fn fix_rounds_come_from_the_envelope_and_count_per_attempt() {
        let stdout =
            "{\"type\":\"model_turn\"}\n{\"ok\":true,\"payload\":{\"fix\":{\"rounds\":2}}}\n";
        assert_eq!(fix_rounds(stdout), Some(2));
        assert_eq!(fix_rounds("{\"ok\":false}"), None);
        let results = [1, 2, 0].map(|at| TaskResult {
            solved: at > 0,
            solved_at: (at > 0).then_some(at),
            ..Default::default()
        });
        let total = totals(&results, Duration::ZERO, Some(2));
        assert_eq!(
            (total["solved_at_1"].as_u64(), total["solved_at_2"].as_u64()),
            (Some(1), Some(2))
        );
    }
}
