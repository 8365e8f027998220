//! The fix loop's settings and report, in a leaf module so that the run
//! options can carry them without depending on the loop itself.

use std::time::Duration;

use chamber_verify::Detected;
use serde::Serialize;

/// How the fix loop runs.
#[derive(Debug, Clone)]
pub struct FixSettings {
    /// The test command and its parser.
    pub detected: Detected,
    /// Most rounds.
    pub max_rounds: u32,
    /// Rounds in a row without fewer failures before the loop gives up.
    pub max_no_progress: u32,
    /// Longest one test run may take.
    pub test_timeout: Duration,
    /// How commands are confined: the tests run the code the model wrote,
    /// so they go through the same sandbox as its shell commands.
    pub sandbox: chamber_config::SandboxConfig,
}

/// Why the fix loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixStop {
    /// The tests pass.
    Green,
    /// A cost, time or token budget ran out.
    Budget,
    /// The round limit was reached.
    Rounds,
    /// Too many rounds in a row did not lower the number of failures.
    NoProgress,
    /// The model could not be reached.
    ModelFailed,
}

impl FixStop {
    /// The reason in words.
    pub fn explain(self) -> &'static str {
        match self {
            FixStop::Green => "the tests pass",
            FixStop::Budget => "the budget is spent",
            FixStop::Rounds => "the round limit was reached",
            FixStop::NoProgress => "rounds in a row made no progress",
            FixStop::ModelFailed => "the model request failed",
        }
    }
}

/// What the fix loop did.
#[derive(Debug, Clone, Serialize)]
pub struct FixReport {
    /// Why it stopped.
    pub stop: FixStop,
    /// Rounds run.
    pub rounds: u32,
    /// The rounds whose changes were reverted.
    pub reverted: Vec<u32>,
    /// Failing tests before the first round.
    pub failures_before: u32,
    /// Failing tests at the end.
    pub failures_after: u32,
    /// Tests passing at the end, when the runner said.
    pub passed: Option<u32>,
    /// Hints for the tests that still fail.
    pub still_failing: Vec<String>,
    /// The test command.
    pub command: String,
}

impl FixReport {
    /// One line: how it ended and why.
    pub fn line(&self) -> String {
        let reverted = if self.reverted.is_empty() {
            String::new()
        } else {
            format!(", {} reverted", self.reverted.len())
        };
        if self.stop == FixStop::Green {
            format!(
                "tests green after {} fix round(s){reverted} ({} failing before)",
                self.rounds, self.failures_before
            )
        } else {
            format!(
                "{} test(s) still failing after {} fix round(s){reverted}: {}",
                self.failures_after,
                self.rounds,
                self.stop.explain()
            )
        }
    }
}
