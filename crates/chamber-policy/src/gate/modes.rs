//! Approval modes, per-tool overrides and risk tiers: the user-facing knobs
//! that decide how much Chamber does before asking.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How much runs may do without asking (`[approval] mode`, `--mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalMode {
    /// Plan, read and search only: every write and command is denied.
    ReadOnly,
    /// Writes and any command not allowed by a rule ask first.
    #[default]
    Ask,
    /// File edits inside the workspace run; commands ask.
    AutoEdit,
    /// Everything the policy allows runs, always sandboxed.
    FullAuto,
}

impl ApprovalMode {
    /// Every accepted spelling, for help and errors.
    pub const NAMES: &'static [&'static str] = &["read-only", "ask", "auto-edit", "full-auto"];

    /// The mode's canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalMode::ReadOnly => "read-only",
            ApprovalMode::Ask => "ask",
            ApprovalMode::AutoEdit => "auto-edit",
            ApprovalMode::FullAuto => "full-auto",
        }
    }
}

impl fmt::Display for ApprovalMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApprovalMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "read-only" | "readonly" => Ok(ApprovalMode::ReadOnly),
            "ask" => Ok(ApprovalMode::Ask),
            "auto-edit" => Ok(ApprovalMode::AutoEdit),
            // `auto` is the core issue's name for approving everything allowed.
            "full-auto" | "auto" => Ok(ApprovalMode::FullAuto),
            other => Err(format!(
                "unknown approval mode {other:?}: expected one of {}",
                ApprovalMode::NAMES.join(", ")
            )),
        }
    }
}

/// A per-tool override from `[approval.tools]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolOverride {
    /// Run without asking (built-in denials and protected paths still hold).
    Always,
    /// Always ask, whatever the mode says.
    Ask,
    /// Never run this tool.
    Never,
}

impl FromStr for ToolOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "always" | "allow" => Ok(ToolOverride::Always),
            "ask" => Ok(ToolOverride::Ask),
            "never" | "deny" => Ok(ToolOverride::Never),
            other => Err(format!(
                "unknown tool override {other:?}: expected always, ask or never"
            )),
        }
    }
}

/// How much harm an action can do; decides the defaults of each mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    /// Reading and searching.
    Low,
    /// Writing files inside the workspace.
    Medium,
    /// Commands, network, protected paths.
    High,
}

impl RiskTier {
    /// Lowercase name for events and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskTier::Low => "low",
            RiskTier::Medium => "medium",
            RiskTier::High => "high",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_with_aliases_and_reject_unknown_names() {
        assert_eq!("full-auto".parse(), Ok(ApprovalMode::FullAuto));
        assert_eq!("auto".parse(), Ok(ApprovalMode::FullAuto));
        assert_eq!("read_only".parse(), Ok(ApprovalMode::ReadOnly));
        assert_eq!("Auto-Edit".parse(), Ok(ApprovalMode::AutoEdit));
        let err = "yolo".parse::<ApprovalMode>().unwrap_err();
        assert!(
            err.contains("read-only, ask, auto-edit, full-auto"),
            "{err}"
        );
        assert_eq!("never".parse(), Ok(ToolOverride::Never));
        assert!("sometimes".parse::<ToolOverride>().is_err());
    }
}
