//! `[review]`: thresholds and patterns of `chamber review`.

use serde::{Deserialize, Serialize};

/// How `chamber review` judges a change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Warn when more files than this changed (0: never).
    pub max_files: u32,
    /// Warn when more lines than this were added plus removed (0: never).
    pub max_lines: u32,
    /// Paths whose change gets a warning, `.gitignore`-style: `*`, `?`,
    /// `**`, a trailing `/` for a directory, no `/` for a name at any depth.
    pub protected_paths: Vec<String>,
    /// Warn about changed source files when the change touches no test.
    pub require_tests: bool,
    /// Ask the model for line comments after the static checks.
    pub model: bool,
    /// Most characters of diff sent to the model (the rest is cut).
    pub max_diff_chars: u32,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self {
            max_files: 25,
            max_lines: 600,
            protected_paths: [
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
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            require_tests: true,
            model: true,
            max_diff_chars: 40_000,
        }
    }
}
