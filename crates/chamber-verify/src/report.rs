//! The structured result of a test run.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::VerifyError;

/// A test runner whose output Chamber understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runner {
    /// `cargo test` (libtest output).
    CargoTest,
    /// `cargo nextest run`.
    Nextest,
    /// `pytest`.
    Pytest,
    /// `python -m unittest`.
    Unittest,
    /// Jest.
    Jest,
    /// Vitest.
    Vitest,
    /// `go test`.
    GoTest,
    /// Node's built-in runner, `node --test`.
    NodeTest,
    /// Anything else: exit code and `file:line` error lines.
    Generic,
}

impl Runner {
    /// Every runner, in the order of [`Runner::NAMES`].
    pub const ALL: [Runner; 9] = [
        Runner::CargoTest,
        Runner::Nextest,
        Runner::Pytest,
        Runner::Unittest,
        Runner::Jest,
        Runner::Vitest,
        Runner::GoTest,
        Runner::NodeTest,
        Runner::Generic,
    ];

    /// The names accepted by `[test] runner`.
    pub const NAMES: [&'static str; 9] = [
        "cargo_test",
        "nextest",
        "pytest",
        "unittest",
        "jest",
        "vitest",
        "go_test",
        "node_test",
        "generic",
    ];

    /// The name used in config and JSON.
    pub fn name(self) -> &'static str {
        let i = Self::ALL
            .iter()
            .position(|r| *r == self)
            .unwrap_or(Self::ALL.len() - 1);
        Self::NAMES[i]
    }

    /// The command that runs this runner's tests, if it has an obvious one.
    pub fn default_command(self) -> Option<&'static str> {
        match self {
            Runner::CargoTest => Some("cargo test"),
            Runner::Nextest => Some("cargo nextest run"),
            Runner::Pytest => Some("python3 -m pytest -q"),
            Runner::Unittest => Some("python3 -m unittest -v"),
            Runner::Jest | Runner::Vitest | Runner::NodeTest => Some("npm test"),
            Runner::GoTest => Some("go test ./..."),
            Runner::Generic => None,
        }
    }

    /// Guesses the runner from a command line (`generic` when unsure).
    pub fn infer(command: &str) -> Runner {
        let c = command.to_ascii_lowercase();
        if c.contains("nextest") {
            Runner::Nextest
        } else if c.contains("cargo test") {
            Runner::CargoTest
        } else if c.contains("pytest") {
            Runner::Pytest
        } else if c.contains("unittest") {
            Runner::Unittest
        } else if c.contains("vitest") {
            Runner::Vitest
        } else if c.contains("jest") {
            Runner::Jest
        } else if c.contains("go test") {
            Runner::GoTest
        } else if c.contains("node --test") {
            Runner::NodeTest
        } else {
            Runner::Generic
        }
    }
}

impl FromStr for Runner {
    type Err = VerifyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match wanted.as_str() {
            "cargo" => "cargo_test",
            "cargo_nextest" => "nextest",
            "go" => "go_test",
            "node" => "node_test",
            other => other,
        };
        Self::NAMES
            .iter()
            .position(|n| *n == alias)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| VerifyError::UnknownRunner(s.to_string()))
    }
}

impl std::fmt::Display for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One failing test (or, for the generic parser, one error line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The test's name as the runner prints it.
    pub name: String,
    /// The file the failure points at, as printed (relative when possible).
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// The failure message (first meaningful line).
    pub message: String,
    /// The expected value, where the runner prints one.
    pub expected: Option<String>,
    /// The actual value, where the runner prints one.
    pub actual: Option<String>,
}

impl Failure {
    /// A failure with only a name and a message.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            file: None,
            line: None,
            message: message.into(),
            expected: None,
            actual: None,
        }
    }
}

/// What a test run's output says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    /// Tests that passed, when the runner prints a count.
    pub passed: Option<u32>,
    /// Tests that failed (errors included), when the runner prints a count.
    pub failed: Option<u32>,
    /// Each failure found in the output.
    pub failures: Vec<Failure>,
    /// The parser that read the output.
    pub runner: Runner,
}

impl TestReport {
    /// An empty report for `runner`.
    pub fn empty(runner: Runner) -> Self {
        Self {
            passed: None,
            failed: None,
            failures: Vec::new(),
            runner,
        }
    }

    /// Whether the output shows any failure (by count or by entries).
    pub fn has_failures(&self) -> bool {
        self.failed.is_some_and(|n| n > 0) || !self.failures.is_empty()
    }
}
