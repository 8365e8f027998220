//! `cargo nextest run` output.

use std::sync::LazyLock;

use regex::Regex;

use super::{count, re, rust_panic};
use crate::{Failure, Runner, TestReport};

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(PASS|FAIL|SIGSEGV|SIGABRT|SIGKILL|TIMEOUT|LEAK|LEAK-FAIL|ABORT|TRY \d+ FAIL|SKIP|START|SLOW)\s+\[[^\]]*\]\s+(?:\(\s*\d+/\d+\)\s+)?(\S+)\s+(\S+)\s*$",
    )
});
static SUMMARY_PASSED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*Summary \[.*\] .*?(\d+) passed"));
static SUMMARY_FAILED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*Summary \[.*\] .*?(\d+) failed"));
static SUMMARY_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*Summary \[.*\] (\d+) tests? run"));

/// Parses nextest's human output: each `FAIL` line, the indented
/// stdout/stderr section below it, and the final `Summary` line.
pub fn parse(output: &str) -> TestReport {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = TestReport::empty(Runner::Nextest);
    let mut failures: Vec<Failure> = Vec::new();
    let mut summary_seen = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim_start().starts_with("Summary [") {
            summary_seen = true;
            report.passed = count(&SUMMARY_PASSED, line);
            report.failed =
                count(&SUMMARY_FAILED, line).or_else(|| count(&SUMMARY_RUN, line).map(|_| 0));
        }
        let Some(c) = STATUS.captures(line) else {
            i += 1;
            continue;
        };
        let failing = !matches!(&c[1], "PASS" | "SKIP" | "START" | "SLOW");
        let name = c[3].to_string();
        let end = lines[i + 1..]
            .iter()
            .position(|l| STATUS.is_match(l) || l.starts_with('─') || l.contains("Summary ["))
            .map_or(lines.len(), |p| i + 1 + p);
        // After the summary the failures are listed again, without output.
        if failing && !summary_seen && !failures.iter().any(|f| f.name == name) {
            let mut failure = rust_panic(&name, &lines[i + 1..end]);
            if &c[1] != "FAIL" {
                failure.message = format!("{}: {}", &c[1], failure.message);
            }
            failures.push(failure);
        }
        i = end;
    }
    report.failures = failures;
    report
}
