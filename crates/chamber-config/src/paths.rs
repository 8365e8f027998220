//! `[paths]`: protected globs, the two-person rule, unreadable files,
//! guarded paths and write lanes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::approval::ApprovalConfig;

/// Which paths need approval, which need two approvers, and who may write where.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    /// Writes need explicit approval in every mode (`--yes` does not count).
    /// Replaces the default list when set.
    pub protected: Vec<String>,
    /// Writes need approvals from two different people.
    pub two_person: Vec<String>,
    /// Files that may not be read (secrets kept from the model).
    pub read_deny: Vec<String>,
    /// Writes to these paths are staged as a patch instead of applied.
    pub guarded: Vec<String>,
    /// Lane name → globs a run in that lane may write.
    pub lanes: BTreeMap<String, Vec<String>>,
}

/// The default protected set: secrets, keys, migrations and CI config.
pub const DEFAULT_PROTECTED_PATHS: &[&str] = &[
    ".env*",
    "**/.env*",
    "*.pem",
    "*.key",
    "id_*",
    "**/id_rsa*",
    "**/id_ed25519*",
    "**/id_ecdsa*",
    "**/id_dsa*",
    "secrets/**",
    "**/secrets/**",
    "**/migrations/**",
    ".github/workflows/**",
    ".gitlab-ci.yml",
    ".circleci/**",
    "Jenkinsfile",
    ".chamber/policy.toml",
    // It can define MCP servers, which start with the next run.
    ".chamber/config.toml",
];

/// Files never read by default.
pub const DEFAULT_READ_DENY_PATHS: &[&str] = &[".env", ".env.*", "**/.env", "**/.env.*"];

impl Default for PathsConfig {
    fn default() -> Self {
        Self {
            protected: DEFAULT_PROTECTED_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            two_person: Vec::new(),
            read_deny: DEFAULT_READ_DENY_PATHS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            guarded: Vec::new(),
            lanes: BTreeMap::new(),
        }
    }
}

impl PathsConfig {
    /// Checks that the configured lane exists.
    pub fn check(&self, approval: &ApprovalConfig) -> Result<(), String> {
        if !approval.lane.is_empty() && !self.lanes.contains_key(&approval.lane) {
            return Err(format!(
                "approval.lane = {:?}: no such lane under [paths.lanes] (defined: {})",
                approval.lane,
                self.lanes.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(())
    }
}
