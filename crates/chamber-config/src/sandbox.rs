//! `[sandbox]`: how shell commands are confined — namespaces, Landlock,
//! seccomp, resource limits — and which environment variables they see.

use serde::{Deserialize, Serialize};

/// Whether shell commands run in the sandbox.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    /// Use the sandbox when the kernel allows it; run unconfined otherwise.
    #[default]
    Auto,
    /// Require the sandbox; when it cannot be set up, `on_unavailable` decides.
    On,
    /// Never sandbox (the environment is still scrubbed).
    Off,
}

/// What happens to a command when the sandbox is required but unavailable.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnUnavailable {
    /// Refuse the command with an explanation.
    #[default]
    Refuse,
    /// Ask the approver whether to run it unconfined.
    Ask,
}

/// How shell commands run: namespaces, Landlock, seccomp, limits, environment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// `auto`, `on` or `off`.
    pub mode: SandboxMode,
    /// `refuse` or `ask`, when `mode = "on"` and the sandbox cannot be set up.
    pub on_unavailable: OnUnavailable,
    /// Let sandboxed commands use the network.
    pub network: bool,
    /// Extra paths commands may read (`~/` expands to the home directory).
    pub read_paths: Vec<String>,
    /// Extra paths commands may write, besides the workspace and the private `/tmp`.
    pub write_paths: Vec<String>,
    /// Extra paths hidden from commands, besides the built-in credential locations.
    pub hidden_paths: Vec<String>,
    /// Environment variables kept although their name contains KEY, TOKEN,
    /// SECRET or PASSWORD (exact names; a trailing `*` matches a prefix).
    pub env_allow: Vec<String>,
    /// CPU seconds per process (`RLIMIT_CPU`; 0: no limit).
    pub cpu_secs: u64,
    /// Memory per process in MiB (`RLIMIT_DATA`; 0: no limit).
    pub memory_mb: u64,
    /// Most processes alive at once inside one sandbox (0: no limit).
    pub max_processes: u64,
    /// Largest file a command may write, in MiB (`RLIMIT_FSIZE`; 0: no limit).
    pub max_file_mb: u64,
    /// Size of the private `/tmp` in MiB.
    pub tmp_mb: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            mode: SandboxMode::Auto,
            on_unavailable: OnUnavailable::Refuse,
            network: false,
            read_paths: Vec::new(),
            write_paths: Vec::new(),
            hidden_paths: Vec::new(),
            env_allow: Vec::new(),
            cpu_secs: 900,
            memory_mb: 8192,
            max_processes: 1024,
            max_file_mb: 4096,
            tmp_mb: 2048,
        }
    }
}

impl SandboxConfig {
    /// Checks values serde cannot: paths must be absolute or start with `~/`,
    /// the process limit must leave room for a shell, `/tmp` must have space.
    pub fn check(&self) -> Result<(), String> {
        for (key, paths) in [
            ("read_paths", &self.read_paths),
            ("write_paths", &self.write_paths),
            ("hidden_paths", &self.hidden_paths),
        ] {
            for p in paths {
                if !(p.starts_with('/') || p.starts_with("~/") || p == "~") {
                    return Err(format!(
                        "sandbox.{key} entry {p:?}: expected an absolute path or one starting with ~/"
                    ));
                }
            }
        }
        if self.write_paths.iter().any(|p| p == "/" || p == "~") {
            return Err(
                "sandbox.write_paths: \"/\" and \"~\" would make the sandbox pointless".into(),
            );
        }
        for name in &self.env_allow {
            let bare = name.strip_suffix('*').unwrap_or(name);
            if bare.is_empty() || bare.contains(['=', '*']) {
                return Err(format!(
                    "sandbox.env_allow entry {name:?}: expected a variable name, optionally ending in *"
                ));
            }
        }
        if self.max_processes != 0 && self.max_processes < 8 {
            return Err(format!(
                "sandbox.max_processes = {}: use at least 8 (0 for no limit)",
                self.max_processes
            ));
        }
        if self.tmp_mb == 0 {
            return Err("sandbox.tmp_mb must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_bad_values_are_named() {
        assert_eq!(SandboxConfig::default().check(), Ok(()));
        let bad = SandboxConfig {
            read_paths: vec!["relative/dir".into()],
            ..SandboxConfig::default()
        };
        assert!(bad.check().is_err_and(|e| e.contains("sandbox.read_paths")));
        let bad = SandboxConfig {
            max_processes: 2,
            ..SandboxConfig::default()
        };
        assert!(bad.check().is_err_and(|e| e.contains("max_processes")));
        let bad = SandboxConfig {
            env_allow: vec!["A=B".into()],
            ..SandboxConfig::default()
        };
        assert!(bad.check().is_err_and(|e| e.contains("env_allow")));
    }
}
