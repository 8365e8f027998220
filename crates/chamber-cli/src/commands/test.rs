//! `chamber test`: detect the project's test command (or take `[test]
//! command`), run it, and print a structured result with short hints.

use std::time::Duration;

use chamber_verify::{Detected, HintLimits, RunOptions, TestRun, hints, run_tests};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// Runs the first detected test command; the payload is
/// `{detected, also_detected, run, hints}` and the exit status 0 when green,
/// 13 (`TESTS_FAILED`) when tests fail. With `watch`, keeps re-running on
/// changes until Ctrl-C (see [`super::test_watch`]).
pub async fn test(
    setup: &Setup,
    timeout_secs: u64,
    watch: bool,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let mut found = detect_tests(&setup.loaded.config.test, &setup.root)?;
    let detected = found.remove(0);
    if watch {
        return super::test_watch::watch(&setup.root, &detected, timeout_secs, out).await;
    }
    let (payload, run) = run_once(&setup.root, &detected, &found, timeout_secs, out).await?;
    Ok((payload, exit_code(&run)))
}

/// 0 when `run` is green, else 13 (`TESTS_FAILED`).
pub fn exit_code(run: &TestRun) -> i32 {
    if run.passed() {
        status::OK
    } else {
        status::TESTS_FAILED
    }
}

/// Runs `detected` once in `root`, prints the summary and hints, and returns
/// the payload `{detected, also_detected, passed, run, hints, hints_omitted}`
/// with the run.
pub async fn run_once(
    root: &std::path::Path,
    detected: &Detected,
    also: &[Detected],
    timeout_secs: u64,
    out: &Output,
) -> Result<(serde_json::Value, TestRun), CliError> {
    out.line(format!(
        "{} {} ({}, {})",
        Output::styled(style::HEAD, "running"),
        detected.command,
        detected.runner,
        detected.reason
    ));
    let options = RunOptions {
        timeout: Duration::from_secs(timeout_secs.max(1)),
        ..RunOptions::default()
    };
    let run = run_tests(root, detected, options)
        .await
        .map_err(|e| CliError::new("test_run_failed", e.to_string(), None, status::INTERNAL))?;
    let hints = hints(&run.report, HintLimits::default());
    print_summary(&run, out);
    if !hints.lines.is_empty() {
        out.line(Output::styled(style::HEAD, "hints:"));
        out.line(hints.text());
    }
    let payload = json!({
        "detected": detected,
        "also_detected": also,
        "passed": run.passed(),
        "run": run,
        "hints": hints.lines,
        "hints_omitted": hints.omitted,
    });
    Ok((payload, run))
}

pub use chamber_runtime::detect_tests;

/// Prints a test run's verdict, counts and failures.
pub fn print_summary(run: &TestRun, out: &Output) {
    let r = &run.report;
    let n = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    let verdict = if run.passed() {
        Output::styled(style::OK, "passed")
    } else if run.timed_out {
        Output::styled(style::BAD, "timed out")
    } else {
        Output::styled(style::BAD, "failed")
    };
    let exit = run
        .exit_code
        .map_or_else(|| "none".to_string(), |c| c.to_string());
    out.line(format!(
        "{verdict}: {} passed, {} failed ({}, exit {exit}, {} ms{})",
        n(r.passed),
        n(r.failed),
        r.runner,
        run.duration_ms,
        if run.truncated {
            ", output truncated"
        } else {
            ""
        }
    ));
    for f in &r.failures {
        let place = match (&f.file, f.line) {
            (Some(file), Some(line)) => format!(" {file}:{line}"),
            (Some(file), None) => format!(" {file}"),
            _ => String::new(),
        };
        out.line(format!(
            "  {}{} {}",
            Output::styled(style::BAD, &f.name),
            Output::styled(style::DIM, place),
            f.message
        ));
    }
}
