//! `go test` output (plain or `-v`).

use std::sync::LazyLock;

use regex::Regex;

use super::{one_line, re};
use crate::{Failure, Runner, TestReport};

static RUN: LazyLock<Regex> = LazyLock::new(|| re(r"^=== (?:RUN|CONT|PAUSE)\s+(\S+)"));
static RESULT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*--- (PASS|FAIL|SKIP): (\S+)"));
static LOG: LazyLock<Regex> = LazyLock::new(|| re(r"^\s+([\w.\-/]+\.go):(\d+): (.*)$"));
static PANIC: LazyLock<Regex> = LazyLock::new(|| re(r"^panic: (.*?)(?: \[recovered\])?$"));
static FRAME: LazyLock<Regex> = LazyLock::new(|| re(r"^\s+(\S+_test\.go):(\d+) "));

/// Parses `go test` output: `--- FAIL: TestX` results with the
/// `file_test.go:N: message` log lines of that test (printed before the
/// result with `-v`, after it without), and panics.
pub fn parse(output: &str) -> TestReport {
    let mut report = TestReport::empty(Runner::GoTest);
    let mut logs: Vec<(String, String, u32, String)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut passed = 0u32;
    let mut current: Option<String> = None;
    let mut panic: Option<(String, Option<(String, u32)>)> = None;
    for line in output.lines() {
        if let Some(c) = RUN.captures(line) {
            current = Some(c[1].to_string());
        } else if let Some(c) = RESULT.captures(line) {
            match &c[1] {
                "PASS" => passed += 1,
                "FAIL" => failed.push(c[2].to_string()),
                _ => {}
            }
            current = Some(c[2].to_string());
        } else if let Some(c) = LOG.captures(line) {
            if let Some(test) = &current {
                let n = c[2].parse().unwrap_or(0);
                logs.push((test.clone(), c[1].to_string(), n, c[3].to_string()));
            }
        } else if let Some(c) = PANIC.captures(line) {
            panic.get_or_insert((c[1].to_string(), None));
        } else if let (Some(c), Some((_, at @ None))) = (FRAME.captures(line), panic.as_mut()) {
            *at = Some((c[1].to_string(), c[2].parse().unwrap_or(0)));
        }
    }
    // A parent fails because a subtest did; report the subtest only.
    let leaves: Vec<&String> = failed
        .iter()
        .filter(|n| !failed.iter().any(|m| m.starts_with(&format!("{n}/"))))
        .collect();
    for name in leaves {
        let mut f = Failure::new(name.clone(), "test failed");
        if let Some((_, file, n, msg)) = logs.iter().find(|(t, ..)| t == name) {
            f.file = Some(file.clone());
            f.line = Some(*n);
            f.message = one_line(msg, 300);
        }
        report.failures.push(f);
    }
    if let Some((msg, at)) = panic {
        let name = current.unwrap_or_else(|| "panic".into());
        if let Some(f) = report.failures.iter_mut().find(|f| f.name == name) {
            f.message = format!("panic: {msg}");
        } else {
            let mut f = Failure::new(name, format!("panic: {msg}"));
            if let Some((file, n)) = at {
                f.file = Some(file);
                f.line = Some(n);
            }
            report.failures.push(f);
        }
    }
    let any_result = passed > 0 || !failed.is_empty();
    report.passed = any_result.then_some(passed);
    report.failed =
        (any_result || !report.failures.is_empty()).then_some(report.failures.len() as u32);
    report
}
