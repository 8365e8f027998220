//! One attempt of `chamber ab`: a real `chamber run` on one provider in a
//! linked worktree, what it reported, and its test score.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chamber_verify::{Detected, RunOptions, failure_count, run_tests};
use serde_json::{Value, json};

use super::AbOptions;
use crate::BenchError;
use crate::process::run_with_timeout;

/// Which provider (and model) an attempt uses.
#[derive(Debug, Clone)]
pub struct Spec {
    /// As the user wrote it.
    pub label: String,
    /// Provider name.
    pub provider: String,
    /// Model, when given after the first `:`.
    pub model: Option<String>,
}

impl Spec {
    /// `provider` or `provider:model` (the model may hold more colons).
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        let (provider, model) = match text.split_once(':') {
            Some((p, m)) if !m.is_empty() => (p.to_string(), Some(m.to_string())),
            _ => (text.trim_end_matches(':').to_string(), None),
        };
        Self {
            label: text.to_string(),
            provider,
            model,
        }
    }

    /// Whether it is the built-in local model (served one request at a time).
    pub fn is_local(&self) -> bool {
        self.provider == "local"
    }
}

/// What one attempt did.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Its provider and model.
    pub spec: Spec,
    /// The run's id and final status.
    pub run_id: String,
    /// `completed`, `failed`, … or `error` when the run never reported.
    pub status: String,
    /// The run branch, when it committed.
    pub branch: Option<String>,
    /// The worktree the run left (removed after scoring).
    pub worktree: Option<PathBuf>,
    /// Lines added and removed.
    pub diff_lines: u64,
    /// Model cost in USD.
    pub cost_usd: f64,
    /// Wall time in seconds.
    pub secs: f64,
    /// Tests: green, failing count, passed count (when the runner says).
    pub tests: Option<(bool, u32, Option<u32>)>,
    /// The run's summary or error.
    pub summary: String,
}

/// Runs one attempt to its end (or its time limit).
pub(crate) async fn run(
    exe: &Path,
    root: &Path,
    spec: &Spec,
    args: &AbOptions,
) -> Result<Attempt, BenchError> {
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("-C")
        .arg(root)
        .arg("--json")
        .args(["--provider", &spec.provider]);
    if let Some(m) = &spec.model {
        cmd.args(["--model", m]);
    }
    cmd.args(["run", "--yes", "--worktree", "--keep-worktree"]);
    if let Some(s) = &args.strategy {
        cmd.args(["--strategy", s]);
    }
    cmd.arg(&args.task);
    let started = Instant::now();
    let (_, stdout) = run_with_timeout(cmd, args.timeout).await?;
    let secs = started.elapsed().as_secs_f64();
    Ok(from_output(spec, &stdout, secs))
}

/// Reads the run's JSON envelope (the last stdout line with a payload).
fn from_output(spec: &Spec, stdout: &str, secs: f64) -> Attempt {
    let envelope = stdout
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v.get("payload").is_some() || v.get("error").is_some());
    let mut a = Attempt {
        spec: spec.clone(),
        run_id: String::new(),
        status: "error".into(),
        branch: None,
        worktree: None,
        diff_lines: 0,
        cost_usd: 0.0,
        secs,
        tests: None,
        summary: "the run printed no result".into(),
    };
    let Some(env) = envelope else {
        return a;
    };
    if let Some(msg) = env["error"]["message"].as_str() {
        a.summary = msg.to_string();
    }
    let p = &env["payload"];
    let text = |k: &str| p[k].as_str().map(String::from);
    a.run_id = text("run_id").unwrap_or_default();
    a.status = text("status").unwrap_or(a.status);
    a.summary = text("summary").unwrap_or(a.summary);
    a.worktree = text("worktree").map(PathBuf::from);
    a.branch = text("commit").and(text("branch"));
    a.cost_usd = p["cost_usd"].as_f64().unwrap_or(0.0);
    a.diff_lines = p["diff"].as_str().map_or(0, |d| {
        d.lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
            })
            .count() as u64
    });
    a
}

impl Attempt {
    /// Runs the project's tests in the attempt's worktree.
    pub(crate) async fn score_tests(&mut self, dir: &Path, detected: &Detected) {
        if let Ok(run) = run_tests(dir, detected, RunOptions::default()).await {
            self.tests = Some((run.passed(), failure_count(&run), run.report.passed));
        }
    }

    /// Lower is better: committed, green, fewer failures, smaller diff, faster.
    pub fn rank(&self) -> (bool, bool, u32, u64, f64) {
        let (green, failures) = self.tests.map_or((false, u32::MAX), |(g, f, _)| (g, f));
        (
            self.status != "completed",
            !green && self.tests.is_some(),
            failures,
            self.diff_lines,
            self.secs,
        )
    }

    /// The attempt for the JSON payload.
    pub fn to_json(&self) -> Value {
        json!({
            "provider": self.spec.label,
            "run_id": self.run_id,
            "status": self.status,
            "branch": self.branch,
            "tests_passed": self.tests.map(|t| t.0),
            "failures": self.tests.map(|t| t.1),
            "diff_lines": self.diff_lines,
            "cost_usd": self.cost_usd,
            "secs": self.secs,
            "summary": self.summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Spec;

    #[test]
    fn specs_split_at_the_first_colon() {
        let s = Spec::parse("ollama:qwen2.5-coder:1.5b");
        assert_eq!(
            (s.provider.as_str(), s.model.as_deref()),
            ("ollama", Some("qwen2.5-coder:1.5b"))
        );
        let s = Spec::parse("local");
        assert!(s.is_local() && s.model.is_none());
    }
}
