//! `cargo test` (libtest) output.

use std::sync::LazyLock;

use regex::Regex;

use super::{re, rust_panic};
use crate::{Failure, Runner, TestReport};

static RESULT: LazyLock<Regex> = LazyLock::new(|| re(r"^test (\S+) \.\.\. (ok|FAILED|ignored)"));
static SUMMARY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^test result: \w+\. (\d+) passed; (\d+) failed"));
static BLOCK: LazyLock<Regex> = LazyLock::new(|| re(r"^---- (\S+) std(?:out|err) ----$"));

/// Parses libtest output; several test binaries add up.
pub fn parse(output: &str) -> TestReport {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = TestReport::empty(Runner::CargoTest);
    let mut failed_names: Vec<String> = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(c) = RESULT.captures(line) {
            if &c[2] == "FAILED" && !failed_names.iter().any(|n| n == &c[1]) {
                failed_names.push(c[1].to_string());
            }
        } else if let Some(c) = SUMMARY.captures(line) {
            let passed: u32 = c[1].parse().unwrap_or(0);
            let failed: u32 = c[2].parse().unwrap_or(0);
            report.passed = Some(report.passed.unwrap_or(0) + passed);
            report.failed = Some(report.failed.unwrap_or(0) + failed);
        } else if let Some(c) = BLOCK.captures(line) {
            let end = lines[i + 1..]
                .iter()
                .position(|l| BLOCK.is_match(l) || *l == "failures:")
                .map_or(lines.len(), |p| i + 1 + p);
            if !failures.iter().any(|f| f.name == c[1]) {
                failures.push(rust_panic(&c[1], &lines[i + 1..end]));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    // Failed tests without an output block (rare) still count.
    for name in failed_names {
        if !failures.iter().any(|f| f.name == name) {
            failures.push(Failure::new(name, "test failed"));
        }
    }
    report.failures = failures;
    report
}
