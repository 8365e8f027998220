//! One parser per runner, each turning raw output into a [`TestReport`].
//!
//! When a runner's own parser finds nothing but the command failed (a
//! compile error, a crash before any test ran), the generic parser's
//! `file:line` error lines are used instead.

mod cargo;
mod generic;
mod go;
mod jest;
mod nextest;
mod node;
mod pytest;
mod unittest;

use std::sync::LazyLock;

use regex::Regex;

use crate::{Failure, Runner, TestReport};

/// Parses `output` of a run of `runner` that exited with `exit_code`.
///
/// For [`Runner::Generic`] every specific parser is tried (a `make test`
/// often wraps one of them) and the first that recognises its summary wins.
pub fn parse(runner: Runner, output: &str, exit_code: Option<i32>) -> TestReport {
    let failed_exit = exit_code != Some(0);
    let mut report = match runner {
        Runner::Generic => sniff(output),
        other => specific(other, output),
    }
    .unwrap_or_else(|| TestReport::empty(runner));
    if failed_exit && report.failures.is_empty() {
        report.failures = generic::failures(output, exit_code);
    }
    report
}

fn specific(runner: Runner, output: &str) -> Option<TestReport> {
    let report = match runner {
        Runner::CargoTest => cargo::parse(output),
        Runner::Nextest => nextest::parse(output),
        Runner::Pytest => pytest::parse(output),
        Runner::Unittest => unittest::parse(output),
        Runner::Jest | Runner::Vitest => jest::parse(output, runner),
        Runner::GoTest => go::parse(output),
        Runner::NodeTest => node::parse(output),
        Runner::Generic => return None,
    };
    Some(report)
}

/// Tries each specific parser; the first that found counts or failures wins.
fn sniff(output: &str) -> Option<TestReport> {
    Runner::ALL
        .iter()
        .filter_map(|r| specific(*r, output))
        .find(|r| r.passed.is_some() || r.failed.is_some() || !r.failures.is_empty())
}

static FILE_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"([A-Za-z0-9_.\-/\\]*[A-Za-z0-9_\-]\.[A-Za-z]{1,5}):(\d+)(?::\d+)?"));

/// The first `path.ext:line[:col]` in `text`.
pub(crate) fn file_line(text: &str) -> Option<(String, u32)> {
    let c = FILE_LINE.captures(text)?;
    Some((c[1].to_string(), c[2].parse().ok()?))
}

/// The first number captured by `re` in `text`.
pub(crate) fn count(re: &Regex, text: &str) -> Option<u32> {
    re.captures(text)?.get(1)?.as_str().parse().ok()
}

/// Shortens `text` to one trimmed line of at most `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Builds a regex from a literal pattern known to be valid.
pub(crate) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|_| never())
}

/// A regex that matches nothing: the fallback for a pattern that failed to
/// compile (all patterns are literals covered by tests, so never in practice).
fn never() -> Regex {
    match Regex::new(r"[^\s\S]") {
        Ok(r) => r,
        Err(_) => unreachable!("a constant pattern compiles"),
    }
}

/// Parses a Rust panic block (lines after `---- name stdout ----`, or a
/// nextest stderr section) into a failure for `name`.
pub(crate) fn rust_panic(name: &str, lines: &[&str]) -> Failure {
    static PANIC: LazyLock<Regex> =
        LazyLock::new(|| re(r"panicked at (?:'(.*)', )?([^\s:]+):(\d+):(\d+):?\s*$"));
    static LEFT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*left:\s?(.*)$"));
    static RIGHT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*right:\s?(.*)$"));
    let mut failure = Failure::new(name, "");
    let mut in_message = false;
    for line in lines {
        let t = line.trim();
        if let Some(c) = PANIC.captures(t) {
            failure.file = Some(c[2].to_string());
            failure.line = c[3].parse().ok();
            if let Some(m) = c.get(1) {
                failure.message = m.as_str().to_string();
            } else {
                in_message = true;
            }
            continue;
        }
        if let Some(c) = LEFT.captures(t) {
            failure.actual = Some(c[1].to_string());
            in_message = false;
        } else if let Some(c) = RIGHT.captures(t) {
            failure.expected = Some(c[1].to_string());
            in_message = false;
        } else if t.starts_with("stack backtrace:") || t.starts_with("note: ") {
            in_message = false;
        } else if in_message && !t.is_empty() {
            if failure.message.is_empty() {
                failure.message = t.to_string();
            } else {
                failure.message = format!("{}: {t}", failure.message);
            }
        }
    }
    if failure.message.is_empty() {
        failure.message = "test failed".into();
    }
    failure
}
