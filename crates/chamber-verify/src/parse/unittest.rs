//! `python -m unittest` output.

use std::sync::LazyLock;

use regex::Regex;

use super::{count, one_line, re};
use crate::{Failure, Runner, TestReport};

static HEADER: LazyLock<Regex> = LazyLock::new(|| re(r"^(FAIL|ERROR): (\S+) \((\S+?)\)"));
static FRAME: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*File "(.+)", line (\d+)"#));
static RAN: LazyLock<Regex> = LazyLock::new(|| re(r"^Ran (\d+) tests?"));
static FAILURES: LazyLock<Regex> = LazyLock::new(|| re(r"failures=(\d+)"));
static ERRORS: LazyLock<Regex> = LazyLock::new(|| re(r"errors=(\d+)"));
static SKIPPED: LazyLock<Regex> = LazyLock::new(|| re(r"skipped=(\d+)"));
static EXPECTED_FAIL: LazyLock<Regex> = LazyLock::new(|| re(r"expected failures=(\d+)"));
static NOT_EQUAL: LazyLock<Regex> = LazyLock::new(|| re(r"^AssertionError: (.+?) != (.+)$"));

/// Parses unittest output: `FAIL:`/`ERROR:` blocks with their traceback,
/// `Ran N tests`, and `FAILED (failures=…, errors=…)` or `OK`.
pub fn parse(output: &str) -> TestReport {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = TestReport::empty(Runner::Unittest);
    let mut ran: Option<u32> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(c) = HEADER.captures(line) {
            // The block is: header, a dash rule, the traceback, until the
            // next `=====` or `-----` rule.
            let body_start = (i + 2).min(lines.len());
            let end = lines[body_start..]
                .iter()
                .position(|l| l.starts_with("=====") || l.starts_with("-----"))
                .map_or(lines.len(), |p| body_start + p);
            report
                .failures
                .push(block(&c[1], &c[2], &c[3], &lines[body_start..end]));
            i = end;
            continue;
        }
        if let Some(n) = count(&RAN, line) {
            ran = Some(n);
        } else if line.starts_with("FAILED (") || line.starts_with("OK") {
            let failed = count(&FAILURES, line).unwrap_or(0) + count(&ERRORS, line).unwrap_or(0);
            let skipped =
                count(&SKIPPED, line).unwrap_or(0) + count(&EXPECTED_FAIL, line).unwrap_or(0);
            report.failed = Some(failed);
            report.passed = ran.map(|r| r.saturating_sub(failed + skipped));
        }
        i += 1;
    }
    report
}

fn block(kind: &str, test: &str, context: &str, body: &[&str]) -> Failure {
    // Python 3.11+ prints the full id in parentheses; older ones the class.
    let name = if context.ends_with(&format!(".{test}")) {
        context.to_string()
    } else {
        format!("{context}.{test}")
    };
    let mut failure = Failure::new(name, "");
    if let Some(c) = body.iter().rev().find_map(|l| FRAME.captures(l)) {
        failure.file = Some(c[1].to_string());
        failure.line = c[2].parse().ok();
    }
    let last = body
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    failure.message = if last.is_empty() {
        format!("{kind}: test failed")
    } else {
        one_line(last, 300)
    };
    if let Some(c) = NOT_EQUAL.captures(last) {
        failure.actual = Some(c[1].to_string());
        failure.expected = Some(c[2].to_string());
    }
    failure
}
