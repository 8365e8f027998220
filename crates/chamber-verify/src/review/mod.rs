//! Review of a change: static checks over a unified diff (size, secrets,
//! protected paths, debug leftovers and TODOs, tests for new code), plus the
//! pure halves of a model review (prompt, schema, answer parsing). Sending
//! the request is the caller's business.

mod checks;
pub mod diff;
mod glob;
pub mod model;
pub mod secrets;

use serde::{Deserialize, Serialize};

pub use checks::{check_debug_leftovers, check_protected, check_secrets, check_size, check_tests};
pub use diff::{FileDiff, parse_diff};
pub use glob::path_matches;

/// How serious a finding is; `Error` fails the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// Probably wrong.
    Warning,
    /// Must be fixed before the change lands.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Reads a severity name loosely (`warn`, `ERROR`, `critical`, `note`…).
    pub fn parse_loose(text: &str) -> Severity {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" | "err" | "critical" | "blocker" | "high" => Severity::Error,
            "info" | "note" | "nit" | "suggestion" | "low" => Severity::Info,
            _ => Severity::Warning,
        }
    }
}

/// One review comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// Which check found it (`secrets`, `size`, `model`, …).
    pub check: String,
    /// The file, as named in the diff; empty for the change as a whole.
    pub file: String,
    /// Line in the new file, when the finding points at one.
    pub line: Option<u32>,
    /// What is wrong (secrets masked).
    pub message: String,
}

impl Finding {
    /// A finding.
    pub fn new(
        severity: Severity,
        check: &str,
        file: &str,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            check: check.to_string(),
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// The static checks' settings (see `[review]` in docs/configuration.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOptions {
    /// Warn when more files than this changed (0: never).
    pub max_files: u32,
    /// Warn when more lines than this were added plus removed (0: never).
    pub max_lines: u32,
    /// Patterns of paths whose change deserves a warning.
    pub protected_paths: Vec<String>,
    /// Report changed source files when no test changed.
    pub require_tests: bool,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        Self {
            max_files: 25,
            max_lines: 600,
            protected_paths: DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect(),
            require_tests: true,
        }
    }
}

/// Paths whose change is worth a second look by default: CI, secrets
/// files, lockfiles.
pub const DEFAULT_PROTECTED: &[&str] = &[
    ".github/workflows/",
    ".gitlab-ci.yml",
    ".circleci/",
    "Jenkinsfile",
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
];

/// The static checks' verdict on a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StaticReview {
    /// Files in the diff.
    pub files: u32,
    /// Lines added.
    pub added: u32,
    /// Lines removed.
    pub removed: u32,
    /// Findings, ordered by file, line and check.
    pub findings: Vec<Finding>,
}

/// Runs every static check over a unified diff.
pub fn review_diff(diff_text: &str, options: &ReviewOptions) -> StaticReview {
    let files = parse_diff(diff_text);
    let mut findings = Vec::new();
    findings.extend(check_size(&files, options));
    findings.extend(check_secrets(&files));
    findings.extend(check_protected(&files, &options.protected_paths));
    findings.extend(check_debug_leftovers(&files));
    if options.require_tests {
        findings.extend(check_tests(&files));
    }
    sort_findings(&mut findings);
    StaticReview {
        files: files.len() as u32,
        added: files.iter().map(|f| f.added.len() as u32).sum(),
        removed: files.iter().map(|f| f.removed).sum(),
        findings,
    }
}

/// Orders findings by file, then line (whole-file first), then severity
/// (most serious first), then check.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.line, std::cmp::Reverse(a.severity), &a.check).cmp(&(
            &b.file,
            b.line,
            std::cmp::Reverse(b.severity),
            &b.check,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_orders_findings_and_counts() {
        let diff = "diff --git a/src/app.py b/src/app.py
--- a/src/app.py
+++ b/src/app.py
@@ -1,1 +1,3 @@
 x = 1
+KEY = 'AKIAZ4XQ7LMN2PRT5VWA'
+breakpoint()  # TODO remove
";
        let r = review_diff(diff, &ReviewOptions::default());
        assert_eq!((r.files, r.added, r.removed), (1, 2, 0));
        let got: Vec<(Option<u32>, &str, Severity)> = r
            .findings
            .iter()
            .map(|f| (f.line, f.check.as_str(), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                (None, "tests", Severity::Warning),
                (Some(2), "secrets", Severity::Error),
                (Some(3), "debug", Severity::Warning),
                (Some(3), "todo", Severity::Info),
            ]
        );
        assert!(!r.findings[1].message.contains("Z4XQ7LMN2PRT5VWA"));
    }

    #[test]
    fn severities_read_loosely() {
        assert_eq!(Severity::parse_loose("ERROR"), Severity::Error);
        assert_eq!(Severity::parse_loose("nit"), Severity::Info);
        assert_eq!(Severity::parse_loose("whatever"), Severity::Warning);
    }
}
