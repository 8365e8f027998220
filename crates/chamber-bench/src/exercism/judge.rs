//! Judging an attempt: restore the exercise's own test files, then run them
//! with pytest, or with unittest where pytest is not installed.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::exercise::Exercise;
use crate::BenchError;
use crate::process::{restore_files, run_with_timeout_all};

/// The test runner the judge uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// `python3 -m pytest -q`.
    Pytest,
    /// `python3 -m unittest` (pytest is not installed).
    Unittest,
}

/// Picks the runner: pytest when `python3` can import it. No `python3` at
/// all is a harness error.
pub async fn detect() -> Result<Runner, BenchError> {
    let probe = |code: &'static str| async move {
        tokio::process::Command::new("python3")
            .args(["-c", code])
            .stdin(std::process::Stdio::null())
            .output()
            .await
    };
    match probe("import sys").await {
        Ok(o) if o.status.success() => {}
        _ => {
            return Err(BenchError::PythonMissing);
        }
    }
    Ok(match probe("import pytest").await {
        Ok(o) if o.status.success() => Runner::Pytest,
        _ => Runner::Unittest,
    })
}

/// A judged attempt.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Whether every test passed.
    pub passed: bool,
    /// Whether a test file had been changed (and was put back).
    pub tests_modified: bool,
    /// The runner's report, stdout then stderr.
    pub output: String,
    /// Time spent running the tests.
    pub secs: f64,
}

/// Restores the test files of `exercise` in `work`, then runs them.
pub async fn judge(
    exercise: &Exercise,
    work: &Path,
    runner: Runner,
    limit: Duration,
) -> Result<Verdict, BenchError> {
    let tests_modified = restore_files(&exercise.dir, work, &exercise.test_paths());
    let mut cmd = tokio::process::Command::new("python3");
    match runner {
        Runner::Pytest => cmd.args(["-m", "pytest", "-q", "-p", "no:cacheprovider"]),
        Runner::Unittest => cmd.args(["-m", "unittest"]),
    };
    cmd.args(&exercise.tests)
        .current_dir(work)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let started = Instant::now();
    let (code, mut output) = run_with_timeout_all(cmd, limit).await?;
    if code == 124 {
        output.push_str(&format!(
            "\n(the tests were stopped after {}s)\n",
            limit.as_secs()
        ));
    }
    Ok(Verdict {
        passed: code == 0,
        tests_modified,
        output,
        secs: started.elapsed().as_secs_f64(),
    })
}
