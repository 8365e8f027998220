//! `chamber bench tasks DIR`: runs a folder of small tasks end to end, each
//! in a fresh git repo, through `chamber run --yes --json` (the way a user
//! would), then judges it with the task's own test command. With
//! `--attempts N` each task goes through `chamber fix --yes --max-rounds N`
//! instead: round 1 is attempt 1, round 2 the retry with the test feedback.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::process::{
    ChamberBin, RunTally, init_repo, io_err, restore_tests, run_with_timeout, tally,
};
use crate::{BenchError, Paint, Progress, Tone};

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
    /// The task's folder name.
    pub task: String,
    /// `task.toml`'s language.
    pub language: String,
    /// `task.toml`'s difficulty.
    pub difficulty: String,
    /// Whether the task's tests passed after the run.
    pub solved: bool,
    /// The run's exit status (124: timed out).
    pub run_exit: i32,
    /// What the run's events say.
    #[serde(flatten)]
    pub run: RunTally,
    /// Seconds the run took.
    pub run_secs: f64,
    /// Seconds the tests took.
    pub test_secs: f64,
    /// Whether the run had changed a test file (restored before judging).
    pub tests_modified: bool,
    /// Why the run failed, or the harness error that stopped the task.
    pub error: Option<String>,
    /// With `--attempts`: the fix rounds run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_rounds: Option<u32>,
    /// With `--attempts`: the attempt (fix round) that solved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solved_at: Option<u32>,
}

/// Options of `chamber bench tasks`.
#[derive(Debug, Clone)]
pub struct TaskOptions {
    /// The folder of task folders.
    pub dir: PathBuf,
    /// Only these task names.
    pub only: Vec<String>,
    /// Time limit of one run.
    pub timeout: Duration,
    /// Model turns per plan step.
    pub max_turns: Option<u32>,
    /// Run `chamber fix` with this many rounds (attempts) instead of
    /// `chamber run` with the instruction.
    pub attempts: Option<u32>,
}

/// Every task's result and the totals.
#[derive(Debug)]
pub struct TasksReport {
    /// One per task, in folder-name order.
    pub results: Vec<TaskResult>,
    /// Sums over the tasks (see the JSON report's `total`).
    pub total: Value,
    /// The attempts asked for, if any.
    pub attempts: Option<u32>,
}

impl TasksReport {
    /// The JSON report: every result and the totals.
    pub fn to_json(&self) -> Value {
        json!({"tasks": self.results, "total": self.total})
    }

    /// The totals as one line: solved per attempt, solved, tool-call
    /// validity, tokens and time.
    pub fn summary(&self, paint: &dyn Paint) -> String {
        let total = &self.total;
        let by_attempt = (1..=self.attempts.unwrap_or(0))
            .map(|n| {
                format!(
                    "solved@{n} {}/{} · ",
                    total[format!("solved_at_{n}")],
                    total["tasks"]
                )
            })
            .collect::<String>();
        paint.paint(
            Tone::Head,
            &format!(
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
        )
    }
}

/// Runs every task in `options.dir` with `chamber`, reporting each task as
/// it starts and its row when judged.
pub async fn run(
    options: &TaskOptions,
    chamber: &ChamberBin,
    progress: &dyn Progress,
) -> Result<TasksReport, BenchError> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&options.dir)
        .map_err(io_err(format!("cannot read {}", options.dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("task.toml").is_file())
        .filter(|p| options.only.is_empty() || options.only.iter().any(|o| p.ends_with(o)))
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(BenchError::NoTasks {
            dir: options.dir.clone(),
        });
    }
    let started = Instant::now();
    let mut results = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        progress.begin(&name);
        let result = match run_task(dir, &name, options, chamber).await {
            Ok(r) => r,
            Err(e) => TaskResult {
                task: name.clone(),
                error: Some(e.to_string()),
                ..Default::default()
            },
        };
        progress.row(&row(&result, progress));
        results.push(result);
    }
    let total = totals(&results, started.elapsed(), options.attempts);
    Ok(TasksReport {
        results,
        total,
        attempts: options.attempts,
    })
}

fn row(r: &TaskResult, paint: &dyn Paint) -> String {
    let verdict = if r.solved {
        paint.paint(Tone::Good, "solved")
    } else {
        paint.paint(Tone::Bad, "failed")
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
    args: &TaskOptions,
    chamber: &ChamberBin,
) -> Result<TaskResult, BenchError> {
    let text = std::fs::read_to_string(dir.join("task.toml"))
        .map_err(io_err(format!("cannot read {name}/task.toml")))?;
    let spec: TaskSpec = toml::from_str(&text).map_err(|e| BenchError::TaskInvalid {
        task: name.to_string(),
        reason: e.to_string(),
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
    let mut cmd = tokio::process::Command::new(&chamber.exe);
    cmd.args(&chamber.model_flags)
        .arg("-C")
        .arg(&work)
        .arg("--json");
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
