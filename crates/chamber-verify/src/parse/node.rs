//! `node --test` output: TAP (the default when not on a terminal) with a
//! YAML block under each `not ok` line, or the spec reporter's counts.

use std::sync::LazyLock;

use regex::Regex;

use super::{count, file_line, one_line, re};
use crate::{Failure, Runner, TestReport};

static NOT_OK: LazyLock<Regex> = LazyLock::new(|| re(r"^(\s*)not ok \d+ - (.+?)(?:\s+#.*)?$"));
static PASS: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:#|ℹ) pass (\d+)\s*$"));
static FAIL: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:#|ℹ) fail (\d+)\s*$"));
static KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*([a-zA-Z_]+):\s?(.*)$"));

/// Parses node's test runner output: each `not ok N - name` with its
/// location, error, expected and actual, and the `# pass N` / `# fail N`
/// totals. Suites whose failure is only their children's are skipped.
pub fn parse(output: &str) -> TestReport {
    let lines: Vec<&str> = output.lines().collect();
    let mut report = TestReport::empty(Runner::NodeTest);
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(n) = count(&PASS, line) {
            report.passed = Some(n);
        } else if let Some(n) = count(&FAIL, line) {
            report.failed = Some(n);
        } else if let Some(c) = NOT_OK.captures(line) {
            let indent = c[1].len();
            let end = block_end(&lines, i + 1, indent);
            if let Some(f) = failure(&c[2], &lines[i + 1..end]) {
                report.failures.push(f);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    report
}

/// The index after the YAML block (`---` … `...`) that follows line `start - 1`.
fn block_end(lines: &[&str], start: usize, indent: usize) -> usize {
    let opens = lines
        .get(start)
        .is_some_and(|l| l.trim() == "---" && l.len() - l.trim_start().len() > indent);
    if !opens {
        return start;
    }
    lines[start + 1..]
        .iter()
        .position(|l| l.trim() == "...")
        .map_or(lines.len(), |p| start + 2 + p)
}

fn failure(name: &str, block: &[&str]) -> Option<Failure> {
    let mut f = Failure::new(name.trim().trim_matches('\''), "");
    let mut location = None;
    let mut stack_at = None;
    let mut i = 0;
    while i < block.len() {
        let Some(c) = KEY.captures(block[i]) else {
            i += 1;
            continue;
        };
        let key_indent = block[i].len() - block[i].trim_start().len();
        let value = unquote(&c[2]);
        // A `|-` value continues on the more indented lines below it.
        let body: Vec<&str> = block[i + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > key_indent)
            .copied()
            .collect();
        match &c[1] {
            "failureType" if value == "subtestsFailed" => return None,
            "location" => location = file_line(&value),
            "error" if value.starts_with('|') || value.starts_with('>') => {
                f.message = one_line(&body.join("\n"), 200);
            }
            "error" => f.message = one_line(&value, 200),
            "expected" => f.expected = Some(value).filter(|v| !v.is_empty()),
            "actual" => f.actual = Some(value).filter(|v| !v.is_empty()),
            "stack" => stack_at = body.iter().find_map(|l| file_line(l)),
            _ => {}
        }
        i += 1 + body.len();
    }
    if let Some((file, line)) = stack_at.or(location) {
        f.file = Some(file);
        f.line = Some(line);
    }
    if f.message.is_empty() {
        f.message = "test failed".into();
    }
    Some(f)
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map_or_else(|| v.to_string(), |v| v.replace("''", "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_suites_and_reads_spec_counts() {
        let out = "not ok 1 - math\n  ---\n  failureType: 'subtestsFailed'\n  ...\n\
                   ℹ pass 3\nℹ fail 0\n";
        let r = parse(out);
        assert!(r.failures.is_empty());
        assert_eq!((r.passed, r.failed), (Some(3), Some(0)));
    }
}
