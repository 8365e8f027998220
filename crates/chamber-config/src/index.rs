//! `[index]` and `[context]`: the codebase index and the context builder.

use serde::{Deserialize, Serialize};

/// What the codebase index walks and skips.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {
    /// Files larger than this many bytes are not indexed.
    pub max_file_bytes: u64,
    /// Extra paths never indexed, `.gitignore`-style globs (`docs/**`,
    /// `*.snap`); added to `.gitignore` and the built-in rules.
    pub exclude: Vec<String>,
    /// Paths indexed even when a built-in rule calls them generated,
    /// minified or vendored (`vendor/mylib/**`); `.gitignore` still wins.
    pub include: Vec<String>,
    /// Skip generated, minified and vendored files (lock files,
    /// `*.min.js`, `node_modules/`, `vendor/`, files whose first lines say
    /// "generated" or "DO NOT EDIT").
    pub skip_generated: bool,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 1024 * 1024,
            exclude: Vec::new(),
            include: Vec::new(),
            skip_generated: true,
        }
    }
}
