//! Jest and Vitest output.

use std::sync::LazyLock;

use regex::Regex;

use super::{count, file_line, one_line, re};
use crate::{Failure, Runner, TestReport};

/// Jest: `● Suite › test`. Vitest: ` FAIL  file > suite > test`.
static JEST_HEAD: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*● (.+)$"));
static VITEST_HEAD: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:FAIL|×)\s+(\S+ > .+?)(?:\s+\d+ms)?$"));
static EXPECTED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:Expected|- Expected)(?: value)?:\s+(.+)$"));
static RECEIVED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:Received|\+ Received)(?: value)?:\s+(.+)$"));
static VITEST_EXPECTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*AssertionError: expected (.+) to (?:be|equal|deeply equal|strictly equal) (.+?)(?: // .*)?$",
    )
});
static EXCERPT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*>?\s*\d*\s*\|"));
static AT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:at |❯ )"));
static TESTS_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*Tests:?\s+(.*)$"));
static PASSED: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) passed"));
static FAILED: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+) failed"));

/// Parses Jest's `●` blocks (or Vitest's `FAIL … > …` blocks), their
/// `Expected:`/`Received:` lines and first user stack frame, and the
/// `Tests:` summary.
pub fn parse(output: &str, runner: Runner) -> TestReport {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = TestReport::empty(runner);
    let head = |l: &str| -> Option<String> {
        JEST_HEAD
            .captures(l)
            .or_else(|| VITEST_HEAD.captures(l))
            .map(|c| c[1].trim().to_string())
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(c) = TESTS_LINE.captures(line)
            && (PASSED.is_match(&c[1]) || FAILED.is_match(&c[1]))
        {
            report.passed = count(&PASSED, &c[1]).or(Some(0));
            report.failed = count(&FAILED, &c[1]).or(Some(0));
        }
        let Some(name) = head(line) else {
            i += 1;
            continue;
        };
        let end = lines[i + 1..]
            .iter()
            .position(|l| {
                head(l).is_some() || TESTS_LINE.is_match(l) || l.starts_with("Test Suites:")
            })
            .map_or(lines.len(), |p| i + 1 + p);
        if !report.failures.iter().any(|f| f.name == name) {
            report.failures.push(block(name, &lines[i + 1..end]));
        }
        i = end;
    }
    report
}

fn block(name: String, body: &[&str]) -> Failure {
    let mut f = Failure::new(name, "");
    for line in body {
        let t = line.trim();
        if let Some(c) = EXPECTED.captures(line) {
            f.expected.get_or_insert_with(|| c[1].trim().to_string());
        } else if let Some(c) = RECEIVED.captures(line) {
            f.actual.get_or_insert_with(|| c[1].trim().to_string());
        } else if let Some(c) = VITEST_EXPECTED.captures(line) {
            f.actual.get_or_insert_with(|| c[1].trim().to_string());
            f.expected.get_or_insert_with(|| c[2].trim().to_string());
        }
        if AT.is_match(line)
            && f.file.is_none()
            && !t.contains("node_modules")
            && let Some((file, n)) = file_line(t)
        {
            f.file = Some(file);
            f.line = Some(n);
        }
        // The message is the first line that is neither a frame nor a code
        // excerpt (`  9 | …`, `> 9 | …`).
        let excerpt = EXCERPT.is_match(line);
        if f.message.is_empty() && !t.is_empty() && !AT.is_match(line) && !excerpt {
            f.message = one_line(t, 300);
        }
    }
    if f.message.is_empty() {
        f.message = "test failed".into();
    }
    f
}
