//! Failures compressed into a few short lines for a model.

use serde::{Deserialize, Serialize};

use crate::{Failure, TestReport};

/// How much the hints may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HintLimits {
    /// Most failures listed.
    pub max_failures: usize,
    /// Most characters in all, lines and the omitted note included.
    pub max_chars: usize,
    /// Most characters of one failure's message.
    pub max_message: usize,
}

impl Default for HintLimits {
    fn default() -> Self {
        Self {
            max_failures: 20,
            max_chars: 2000,
            max_message: 200,
        }
    }
}

/// Short hints: one line per distinct failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hints {
    /// `name — file:line — message (expected X, got Y)`, one per failure.
    pub lines: Vec<String>,
    /// Distinct failures left out to stay within the limits.
    pub omitted: usize,
}

impl Hints {
    /// The hints as one text block, with a note for omitted failures.
    pub fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        if self.omitted > 0 {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!("… and {} more failure(s) not shown", self.omitted));
        }
        text
    }
}

/// Compresses `report` into hints. Failures with the same location and
/// message (one bug failing several tests) share a line that counts them.
pub fn hints(report: &TestReport, limits: HintLimits) -> Hints {
    let mut groups: Vec<(&Failure, usize)> = Vec::new();
    for f in &report.failures {
        let same = |g: &&mut (&Failure, usize)| {
            g.0.file == f.file
                && g.0.line == f.line
                && g.0.message == f.message
                && g.0.expected == f.expected
                && g.0.actual == f.actual
        };
        match groups.iter_mut().find(same) {
            Some(g) => g.1 += 1,
            None => groups.push((f, 1)),
        }
    }
    let note_room = 48;
    let mut out = Hints::default();
    let mut used = 0;
    for (i, (failure, n)) in groups.iter().enumerate() {
        let line = hint_line(failure, *n, limits.max_message);
        let budget = limits.max_chars.saturating_sub(note_room);
        if out.lines.len() >= limits.max_failures || used + line.chars().count() + 1 > budget {
            out.omitted = groups.len() - i;
            break;
        }
        used += line.chars().count() + 1;
        out.lines.push(line);
    }
    out
}

fn hint_line(f: &Failure, same: usize, max_message: usize) -> String {
    let mut parts = vec![if same > 1 {
        format!("{} (and {} more with the same error)", f.name, same - 1)
    } else {
        f.name.clone()
    }];
    match (&f.file, f.line) {
        (Some(file), Some(line)) => parts.push(format!("{file}:{line}")),
        (Some(file), None) => parts.push(file.clone()),
        _ => {}
    }
    let mut message = clip(f.message.lines().next().unwrap_or("").trim(), max_message);
    match (&f.expected, &f.actual) {
        (Some(e), Some(a)) => {
            message.push_str(&format!(" (expected {}, got {})", clip(e, 60), clip(a, 60)))
        }
        (Some(e), None) => message.push_str(&format!(" (expected {})", clip(e, 60))),
        (None, Some(a)) => message.push_str(&format!(" (got {})", clip(a, 60))),
        (None, None) => {}
    }
    parts.push(message);
    parts.join(" — ")
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Runner;

    fn failure(name: &str, line: u32, message: &str) -> Failure {
        let mut f = Failure::new(name, message);
        f.file = Some("src/lib.rs".into());
        f.line = Some(line);
        f
    }

    #[test]
    fn one_line_per_failure_with_values() {
        let mut f = failure("tests::adds", 16, "assertion `left == right` failed");
        f.expected = Some("5".into());
        f.actual = Some("4".into());
        let report = TestReport {
            passed: Some(1),
            failed: Some(1),
            failures: vec![f],
            runner: Runner::CargoTest,
        };
        let h = hints(&report, HintLimits::default());
        assert_eq!(
            h.lines,
            vec![
                "tests::adds — src/lib.rs:16 — assertion `left == right` failed (expected 5, got 4)"
            ]
        );
        assert_eq!(h.omitted, 0);
    }

    #[test]
    fn deduplicates_and_caps() {
        let mut failures = vec![failure("a", 1, "same"), failure("b", 1, "same")];
        failures.extend(
            (0..30).map(|i| failure(&format!("t{i}"), 100 + i, &"long message ".repeat(40))),
        );
        let report = TestReport {
            passed: None,
            failed: Some(32),
            failures,
            runner: Runner::Generic,
        };
        let h = hints(&report, HintLimits::default());
        assert!(h.lines[0].starts_with("a (and 1 more with the same error) — src/lib.rs:1 — same"));
        assert!(h.lines.len() <= 20);
        assert_eq!(h.lines.len() + h.omitted, 31);
        let text = h.text();
        assert!(text.chars().count() <= 2000, "{}", text.len());
        assert!(text.ends_with("more failure(s) not shown"));
        let few = hints(
            &report,
            HintLimits {
                max_failures: 3,
                ..HintLimits::default()
            },
        );
        assert_eq!((few.lines.len(), few.omitted), (3, 28));
    }
}
