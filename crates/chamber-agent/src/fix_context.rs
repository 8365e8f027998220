//! What the model sees in a fix round: the task, short failure hints, and
//! a bounded window of the code each failure points at.

use std::collections::BTreeSet;
use std::path::{Component, Path};

use chamber_verify::{HintLimits, TestRun, hints};

/// System prompt of a fix round.
pub const FIX_SYSTEM: &str = "You are Chamber, a coding agent. Tests of this project fail. \
Find the cause in the code shown and fix it with the tools (read_file, edit_file, write_file, \
search, shell). Paths are relative to the project root. Change the code under test, not the \
tests, unless a test is clearly wrong. When done, reply with a short summary and call no tool.";

/// Lines shown on each side of a failure's line.
const WINDOW: u32 = 8;
/// Most code windows in one request.
const MAX_WINDOWS: usize = 6;
/// Most characters of code in one request.
const MAX_CODE_CHARS: usize = 8000;
/// Characters of raw output shown when no failure could be parsed.
const OUTPUT_TAIL: usize = 1500;

/// The user message of fix round `round`: the task, what fails, the code
/// around each failure, and `note` (why the last round was reverted).
pub fn round_request(
    task: &str,
    root: &Path,
    round: u32,
    run: &TestRun,
    failing: u32,
    note: Option<&str>,
) -> String {
    let mut text = format!(
        "# Task\n{}\n\n# Fix round {round}: {failing} failing test(s)\nTest command: `{}`\n",
        task.trim(),
        run.command
    );
    if let Some(note) = note {
        text.push_str(&format!("\n# Last round reverted\n{note}\n"));
    }
    let h = hints(&run.report, HintLimits::default());
    if h.lines.is_empty() {
        let tail: String = {
            let chars: Vec<char> = run.output.chars().collect();
            chars[chars.len().saturating_sub(OUTPUT_TAIL)..]
                .iter()
                .collect()
        };
        text.push_str(&format!(
            "\n# Test output (end)\n```\n{}\n```\n",
            tail.trim_end()
        ));
    } else {
        text.push_str(&format!("\n# Failures\n{}\n", h.text()));
    }
    let code = code_windows(root, run);
    if !code.is_empty() {
        text.push_str(&format!("\n# Code at the failures\n{code}"));
    }
    text.push_str("\nFix the cause so that these tests pass.\n");
    text
}

/// Numbered lines around each distinct `file:line` of the failures, within
/// the project and the size limits.
fn code_windows(root: &Path, run: &TestRun) -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for failure in &run.report.failures {
        let (Some(file), Some(line)) = (&failure.file, failure.line) else {
            continue;
        };
        if seen.len() >= MAX_WINDOWS || !inside(file) || !seen.insert((file.clone(), line)) {
            continue;
        }
        let Ok(content) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        let first = line.saturating_sub(WINDOW).max(1);
        let last = line.saturating_add(WINDOW);
        let mut block = format!("## {file}:{first}-{last}\n```\n");
        for (n, l) in (1u32..).zip(content.lines()) {
            if n < first || n > last {
                continue;
            }
            let mark = if n == line { ">" } else { " " };
            block.push_str(&format!("{mark}{n:>5} | {l}\n"));
        }
        block.push_str("```\n");
        if out.len() + block.len() > MAX_CODE_CHARS {
            break;
        }
        out.push_str(&block);
    }
    out
}

/// Whether a relative path stays inside the project.
fn inside(file: &str) -> bool {
    Path::new(file)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_verify::{Failure, Runner, TestReport};

    fn run_with(failures: Vec<Failure>) -> TestRun {
        TestRun {
            command: "python3 -m unittest -v".into(),
            runner: Runner::Unittest,
            exit_code: Some(1),
            duration_ms: 1,
            timed_out: false,
            output: "Traceback\nboom".into(),
            truncated: false,
            report: TestReport {
                passed: Some(0),
                failed: Some(u32::try_from(failures.len()).unwrap()),
                failures,
                runner: Runner::Unittest,
            },
        }
    }

    #[test]
    fn shows_hints_and_the_lines_around_the_failure() {
        let dir = tempfile::tempdir().unwrap();
        let body: String = (1..=30).map(|n| format!("line {n}\n")).collect();
        std::fs::write(dir.path().join("t.py"), body).unwrap();
        let mut f = Failure::new("t.T.test_a", "AssertionError: 5 != 6");
        f.file = Some("t.py".into());
        f.line = Some(20);
        let mut outside = Failure::new("t.T.test_b", "boom");
        outside.file = Some("../secret.py".into());
        outside.line = Some(1);
        let text = round_request(
            "fix it",
            dir.path(),
            2,
            &run_with(vec![f, outside]),
            2,
            Some("reverted"),
        );
        assert!(text.contains("# Fix round 2: 2 failing test(s)"), "{text}");
        assert!(text.contains("t.T.test_a — t.py:20"), "{text}");
        assert!(text.contains(">   20 | line 20"), "{text}");
        assert!(text.contains("    12 | line 12") && text.contains("    28 | line 28"));
        assert!(
            !text.contains("line 11\n") && !text.contains("line 29"),
            "{text}"
        );
        assert!(!text.contains("## ../secret.py"), "{text}");
        assert!(text.contains("# Last round reverted\nreverted"), "{text}");
    }

    #[test]
    fn falls_back_to_the_output_tail() {
        let text = round_request(
            "t",
            Path::new("/nonexistent"),
            1,
            &run_with(vec![]),
            1,
            None,
        );
        assert!(text.contains("```\nTraceback\nboom\n```"), "{text}");
    }
}
