//! `[approval]`: the approval mode, per-tool overrides, the approver's name
//! and guarded runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Accepted `approval.mode` values (`auto` is the older name of `full-auto`).
pub const APPROVAL_MODES: &[&str] = &["read-only", "ask", "auto-edit", "full-auto", "auto"];

/// Accepted per-tool override values.
pub const TOOL_OVERRIDES: &[&str] = &["always", "ask", "never"];

/// When Chamber asks before acting.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalConfig {
    /// `read-only` (plan, read, search), `ask` (the default: writes and
    /// unlisted commands ask), `auto-edit` (workspace edits run, commands
    /// ask), `full-auto` (everything the policy allows runs, sandboxed).
    pub mode: String,
    /// Name recorded as approver for interactive approvals; empty means `$USER`.
    pub approver: String,
    /// Per-tool overrides: tool name → `always`, `ask` or `never`.
    pub tools: BTreeMap<String, String>,
    /// Every run is guarded: it stages its changes as a patch for
    /// `chamber apply-guarded` instead of touching the project.
    pub guarded: bool,
    /// Write lane runs are confined to (a key of `[paths.lanes]`); empty: none.
    pub lane: String,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        Self {
            mode: "ask".into(),
            approver: String::new(),
            tools: BTreeMap::new(),
            guarded: false,
            lane: String::new(),
        }
    }
}

impl ApprovalConfig {
    /// Checks the mode and overrides name known values.
    pub fn check(&self) -> Result<(), String> {
        let mode = self.mode.trim().to_ascii_lowercase().replace('_', "-");
        if !APPROVAL_MODES.contains(&mode.as_str()) {
            return Err(format!(
                "approval.mode = {:?}: expected one of {}",
                self.mode,
                APPROVAL_MODES[..4].join(", ")
            ));
        }
        for (tool, value) in &self.tools {
            if !TOOL_OVERRIDES.contains(&value.trim().to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "approval.tools.{tool} = {value:?}: expected one of {}",
                    TOOL_OVERRIDES.join(", ")
                ));
            }
        }
        Ok(())
    }
}
