//! A conversation that turns into changes: the first message starts a
//! run; each follow-up continues the previous run's branch as a reply
//! turn. `chamber chat` and the TUI hold one each.

use crate::execute::Act;

/// One message and the run it became.
#[derive(Debug, Clone)]
pub struct Turn {
    /// What was asked.
    pub message: String,
    /// The run's id.
    pub run_id: String,
    /// The branch the run committed to, if any.
    pub branch: Option<String>,
    /// How it ended (`completed`, `failed`…).
    pub status: String,
    /// What it cost, in USD.
    pub cost_usd: f64,
    /// Prompt + completion tokens.
    pub tokens: u64,
}

/// The turns so far.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// Every message's run, oldest first.
    pub turns: Vec<Turn>,
}

impl Conversation {
    /// The act for `message`: a new run the first time (or after a run
    /// that left no branch); otherwise a reply on the last branch, told
    /// what came before.
    pub fn act_for(&self, message: &str) -> Act {
        let last = self.turns.iter().rev().find(|t| t.branch.is_some());
        match last.and_then(|t| t.branch.clone().map(|b| (t, b))) {
            Some((_, branch)) => {
                let earlier: Vec<String> = self
                    .turns
                    .iter()
                    .map(|t| format!("- {}", t.message))
                    .collect();
                Act::OnBranch {
                    prompt: format!(
                        "{message}\n\nThis continues a conversation; the earlier requests, already done on this branch:\n{}",
                        earlier.join("\n")
                    ),
                    branch,
                }
            }
            None => Act::New {
                prompt: message.to_string(),
                plan_only: false,
                dry_run: false,
            },
        }
    }

    /// Records the run a message became.
    pub fn record(&mut self, turn: Turn) {
        self.turns.push(turn);
    }

    /// The latest run's id.
    pub fn last_run(&self) -> Option<&str> {
        self.turns.last().map(|t| t.run_id.as_str())
    }

    /// Total cost and tokens of the conversation's runs.
    pub fn totals(&self) -> (f64, u64) {
        self.turns.iter().fold((0.0, 0), |(c, t), turn| {
            (c + turn.cost_usd, t + turn.tokens)
        })
    }
}
