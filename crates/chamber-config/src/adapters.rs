//! `[adapters]`: the structured tools for git, package managers and
//! containers that runs get when the project uses them.

use serde::{Deserialize, Serialize};

/// Which adapters runs may be offered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdaptersConfig {
    /// `git_status`, `git_diff`, `git_log`, `git_branch`, `git_commit`
    /// and `git_revert`, in a git repository.
    pub git: bool,
    /// `package_add` and `package_remove`, when a manifest names npm, pip
    /// (a `.venv`), cargo or go.
    pub packages: bool,
    /// `docker_build`, `docker_run` and `docker_ps`, where an engine answers.
    pub containers: bool,
    /// Longest a package manager or container command may run, in seconds.
    pub timeout_secs: u64,
}

impl Default for AdaptersConfig {
    fn default() -> Self {
        Self {
            git: true,
            packages: true,
            containers: true,
            timeout_secs: 600,
        }
    }
}
