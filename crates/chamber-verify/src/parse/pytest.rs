//! pytest output (`-q` or default verbosity).

use std::sync::LazyLock;

use regex::Regex;

use super::{count, one_line, re};
use crate::{Failure, Runner, TestReport};

static SECTION: LazyLock<Regex> = LazyLock::new(|| re(r"^_{3,} (.+?) _{3,}$"));
static LOCATION: LazyLock<Regex> = LazyLock::new(|| re(r"^(\S+?):(\d+): (\w+)$"));
static SHORT: LazyLock<Regex> = LazyLock::new(|| re(r"^(FAILED|ERROR) (\S+?)(?: - (.*))?$"));
static FINAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b\d+ (?:passed|failed|errors?)\b.* in [\d.]+s"));
static PASSED: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) passed"));
static FAILED: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) failed"));
static ERRORS: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) errors?\b"));
static ASSERT_EQ: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:AssertionError: )?assert (.+?) == (.+)$"));

/// A `____ name ____` section of the FAILURES/ERRORS part.
struct Section {
    title: String,
    file: Option<String>,
    line: Option<u32>,
    message: Option<String>,
}

/// Parses pytest output: the failure sections (`E` lines and the
/// `path:line: Error` location), the short summary, and the final counts.
pub fn parse(output: &str) -> TestReport {
    let mut report = TestReport::empty(Runner::Pytest);
    let mut sections: Vec<Section> = Vec::new();
    let mut short: Vec<(String, Option<String>)> = Vec::new();
    for line in output.lines() {
        if let Some(c) = SECTION.captures(line) {
            sections.push(Section {
                title: c[1].to_string(),
                file: None,
                line: None,
                message: None,
            });
        } else if line.starts_with('=') && line.ends_with('=') {
            if FINAL.is_match(line) {
                counts(&mut report, line);
            }
        } else if let Some(c) = SHORT.captures(line) {
            short.push((c[2].to_string(), c.get(3).map(|m| m.as_str().to_string())));
        } else if FINAL.is_match(line) {
            counts(&mut report, line);
        } else if let Some(section) = sections.last_mut() {
            if let Some(e) = line.strip_prefix("E ") {
                if section.message.is_none() && !e.trim().is_empty() {
                    section.message = Some(e.trim().to_string());
                }
            } else if let Some(c) = LOCATION.captures(line) {
                section.file = Some(c[1].to_string());
                section.line = c[2].parse().ok();
            }
        }
    }
    if short.is_empty() {
        report.failures = sections
            .iter()
            .map(|s| failure(s.title.clone(), Some(s), None))
            .collect();
    } else {
        report.failures = short
            .into_iter()
            .map(|(id, msg)| {
                let section = sections.iter().find(|s| matches_id(&s.title, &id));
                failure(id, section, msg)
            })
            .collect();
    }
    report
}

fn counts(report: &mut TestReport, line: &str) {
    report.passed = count(&PASSED, line).or(Some(0));
    let failed = count(&FAILED, line).unwrap_or(0) + count(&ERRORS, line).unwrap_or(0);
    report.failed = Some(failed);
}

/// Whether a section title (`test_x`, `Class.test_x`, `test_x[param]`)
/// names the node id `path::Class::test_x`.
fn matches_id(title: &str, id: &str) -> bool {
    let title = title
        .trim_start_matches("ERROR at setup of ")
        .trim_start_matches("ERROR at teardown of ");
    id.replace("::", ".").ends_with(title)
}

fn failure(name: String, section: Option<&Section>, short_msg: Option<String>) -> Failure {
    let mut f = Failure::new(name.clone(), "");
    if let Some(s) = section {
        f.file = s.file.clone();
        f.line = s.line;
        f.message = s.message.clone().unwrap_or_default();
    }
    if f.message.is_empty() {
        f.message = short_msg.unwrap_or_else(|| "test failed".into());
    }
    if f.file.is_none() {
        f.file = name
            .split("::")
            .next()
            .map(String::from)
            .filter(|p| p.ends_with(".py"));
    }
    if let Some(c) = ASSERT_EQ.captures(&f.message) {
        f.actual = Some(c[1].trim().to_string());
        f.expected = Some(c[2].trim().to_string());
    }
    f.message = one_line(&f.message, 300);
    f
}
