//! `[context]`: how much the context builder may send with each run.

use serde::{Deserialize, Serialize};

/// The context builder's budget and limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ContextConfig {
    /// Use the codebase index (repo map, retrieved files, tests, history).
    /// Off: only instruction files and the project tree, as before.
    pub enabled: bool,
    /// Tokens of context at most; the model's context window lowers it
    /// further (a quarter of the window at most).
    pub budget_tokens: u32,
    /// Tokens of the repo map at most.
    pub map_tokens: u32,
    /// Retrieved files shown at most.
    pub max_files: u32,
    /// Related test files shown at most.
    pub max_tests: u32,
    /// Recent commits shown per retrieved file (0: none).
    pub history_commits: u32,
    /// Seconds the index update before a run may take; past that the run
    /// goes on with the old context and a warning.
    pub index_timeout_secs: u64,
}

impl Default for ContextConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            budget_tokens: 8000,
            map_tokens: 1024,
            max_files: 5,
            max_tests: 2,
            history_commits: 2,
            index_timeout_secs: 20,
        }
    }
}
