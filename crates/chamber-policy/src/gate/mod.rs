//! The gate every tool call passes: the approval mode, per-tool overrides,
//! path rules, remembered answers and the command policy combine into one
//! decision with its risk tier and the number of approvers it needs.

mod exec;
mod grants;
mod modes;
mod paths;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

pub use grants::{GrantScope, Grants, prefix_of};
pub use modes::{ApprovalMode, RiskTier, ToolOverride};
pub use paths::{PathRules, PathSpec, WriteFacts};

use crate::command::CommandContext;
use crate::rules::{CommandReport, Decision, Policy};

/// Whether shell commands can be sandboxed right now, and what to do if not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SandboxState {
    /// Commands run inside the sandbox.
    #[default]
    Available,
    /// The user turned the sandbox off (`[sandbox] mode = "off"`).
    Off,
    /// `[sandbox] mode = "auto"` and the sandbox cannot be set up here:
    /// commands run unconfined.
    Unconfined {
        /// The whole message for the user: what is missing and what it means.
        reason: String,
    },
    /// It is required but cannot be set up here; `refuse` says whether
    /// commands are refused (true) or put to a person (false).
    Unavailable {
        /// The whole message for the user: what is missing and what to do.
        reason: String,
        /// Refuse rather than ask.
        refuse: bool,
    },
}

/// The settings the gate judges with, from config and flags.
#[derive(Debug, Clone, Default)]
pub struct GateSettings {
    /// The approval mode.
    pub mode: ApprovalMode,
    /// Per-tool overrides.
    pub tools: BTreeMap<String, ToolOverride>,
    /// `--yes`: answer ordinary asks with yes (never protected or
    /// two-person ones).
    pub auto_approve: bool,
    /// The write lane this run is confined to, if any.
    pub lane: Option<String>,
    /// The sandbox's state.
    pub sandbox: SandboxState,
}

/// One action to judge.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// Reading or searching.
    Read {
        /// Tool name.
        tool: &'a str,
        /// Workspace-relative paths read (empty for whole-tree searches).
        paths: &'a [String],
    },
    /// Writing files.
    Write {
        /// Tool name.
        tool: &'a str,
        /// Workspace-relative paths written.
        paths: &'a [String],
    },
    /// Running a command.
    Exec {
        /// Tool name.
        tool: &'a str,
        /// The command line.
        command: &'a str,
    },
    /// Calling a tool from outside Chamber (an MCP server's), which may do
    /// anything: high risk, asked unless the mode is full-auto or
    /// `[approval.tools]` says otherwise.
    External {
        /// Tool name (`mcp__server__tool`).
        tool: &'a str,
        /// Workspace-relative paths its arguments name (`path`, `paths`),
        /// judged by the path rules as writes.
        paths: &'a [String],
    },
}

impl Request<'_> {
    fn tool(&self) -> &str {
        match self {
            Request::Read { tool, .. }
            | Request::Write { tool, .. }
            | Request::Exec { tool, .. }
            | Request::External { tool, .. } => tool,
        }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateVerdict {
    /// Allow, ask or deny.
    pub decision: Decision,
    /// Why, in words a user can act on.
    pub reason: String,
    /// The rule or setting that decided.
    pub rule: Option<String>,
    /// The action's risk tier.
    pub tier: RiskTier,
    /// Approvals needed when the decision is `ask`: 1, or 2 under the
    /// two-person rule (from two different approvers).
    pub approvers: u8,
    /// Whether only a person may answer the ask (`--yes` does not).
    pub explicit: bool,
    /// The write touches a guarded path: it must be staged, not applied.
    pub staged: bool,
    /// Allowed only because `--yes` answered an ordinary ask.
    pub preapproved: bool,
}

impl GateVerdict {
    fn new(
        decision: Decision,
        reason: impl Into<String>,
        rule: Option<String>,
        tier: RiskTier,
    ) -> Self {
        Self {
            decision,
            reason: reason.into(),
            rule,
            tier,
            approvers: 1,
            explicit: false,
            staged: false,
            preapproved: false,
        }
    }
}

/// A verdict with, for commands, the command policy's report behind it.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The gate's decision.
    pub verdict: GateVerdict,
    /// For commands: the verdict on each simple command inside the line
    /// (reads of secrets files marked denied).
    pub report: Option<CommandReport>,
}

/// Approval mode, overrides, path rules, grants and command policy together.
pub struct Gate {
    commands: Policy,
    paths: PathRules,
    settings: GateSettings,
    grants: Mutex<Grants>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("paths", &self.paths)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Default for Gate {
    /// The built-in command policy, the default path rules, `ask` mode.
    fn default() -> Self {
        Self::new(
            Policy::builtin(),
            PathRules::defaults(),
            GateSettings::default(),
        )
    }
}

impl Gate {
    /// A gate over a command policy and path rules.
    pub fn new(commands: Policy, paths: PathRules, settings: GateSettings) -> Self {
        Self {
            commands,
            paths,
            settings,
            grants: Mutex::new(Grants::default()),
        }
    }

    /// The command policy (for `policy check`).
    pub fn commands(&self) -> &Policy {
        &self.commands
    }

    /// The path rules.
    pub fn paths(&self) -> &PathRules {
        &self.paths
    }

    /// The settings judged with.
    pub fn settings(&self) -> &GateSettings {
        &self.settings
    }

    fn grants(&self) -> MutexGuard<'_, Grants> {
        self.grants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers a person's approval of `request` at `scope`.
    pub fn remember(&self, request: &Request<'_>, scope: GrantScope) {
        let mut grants = self.grants();
        match request {
            Request::Exec { command, .. } => grants.grant_command(command, scope),
            Request::Write { paths, tool } => {
                if paths.is_empty() {
                    grants.grant_tool(tool, scope);
                }
                for p in paths.iter() {
                    grants.grant_path(p, scope);
                }
            }
            Request::Read { tool, .. } | Request::External { tool, .. } => {
                grants.grant_tool(tool, scope)
            }
        }
    }

    /// Judges one request knowing nothing of where it runs (paths outside
    /// any workspace are judged strictly).
    pub fn judge(&self, request: &Request<'_>) -> GateVerdict {
        self.judge_in(request, &CommandContext::default())
    }

    /// Judges one request; `ctx` says where commands run (workspace, home,
    /// the run's branch and the current one).
    pub fn judge_in(&self, request: &Request<'_>, ctx: &CommandContext<'_>) -> GateVerdict {
        self.judge_explained(request, ctx).verdict
    }

    /// Judges one request as [`Gate::judge_in`] does, and for commands
    /// also returns the command policy's verdict on each simple command:
    /// what `chamber policy check` shows, from the same code path as a run.
    pub fn judge_explained(&self, request: &Request<'_>, ctx: &CommandContext<'_>) -> Judgement {
        let tool = request.tool();
        let over = self.settings.tools.get(tool).copied();
        if over == Some(ToolOverride::Never) {
            let verdict = GateVerdict::new(
                Decision::Deny,
                format!("the tool `{tool}` is set to never run"),
                Some(format!("approval.tools.{tool} = \"never\"")),
                tier_of(request),
            );
            return Judgement {
                verdict,
                report: None,
            };
        }
        match *request {
            Request::Read { paths, .. } => Judgement {
                verdict: self.judge_read(paths),
                report: None,
            },
            Request::Write { paths, .. } => Judgement {
                verdict: self.judge_write(tool, paths, over),
                report: None,
            },
            Request::Exec { command, .. } => {
                let (verdict, report) = self.judge_exec(command, over, ctx);
                Judgement {
                    verdict,
                    report: Some(report),
                }
            }
            Request::External { tool, paths } => Judgement {
                verdict: self.judge_external(tool, paths, over),
                report: None,
            },
        }
    }

    fn judge_external(
        &self,
        tool: &str,
        paths: &[String],
        over: Option<ToolOverride>,
    ) -> GateVerdict {
        // Paths it names are judged as writes first: a lane, a protected
        // path or the two-person rule holds for outside tools too.
        if !paths.is_empty() && self.settings.mode != ApprovalMode::ReadOnly {
            let mut write = self.judge_write(tool, paths, over);
            if write.decision == Decision::Deny || write.explicit {
                write.tier = RiskTier::High;
                return write;
            }
        }
        if self.settings.mode == ApprovalMode::ReadOnly && over != Some(ToolOverride::Always) {
            return GateVerdict::new(
                Decision::Deny,
                format!(
                    "read-only mode: `{tool}` comes from outside Chamber and might change something"
                ),
                Some("approval.mode = read-only".into()),
                RiskTier::High,
            );
        }
        self.ordinary(
            over,
            self.settings.mode == ApprovalMode::FullAuto,
            || self.grants().covers_tool(tool),
            "tools from MCP servers ask first unless the mode is full-auto",
            RiskTier::High,
        )
    }

    fn judge_read(&self, paths: &[String]) -> GateVerdict {
        for p in paths {
            if let Some(pattern) = self.paths.read_denied(p) {
                return GateVerdict::new(
                    Decision::Deny,
                    format!("reading {p} is denied: secrets files stay out of the model's context"),
                    Some(format!("paths.read_deny: {pattern}")),
                    RiskTier::Low,
                );
            }
        }
        GateVerdict::new(Decision::Allow, "reading is allowed", None, RiskTier::Low)
    }

    fn judge_write(&self, tool: &str, paths: &[String], over: Option<ToolOverride>) -> GateVerdict {
        if self.settings.mode == ApprovalMode::ReadOnly {
            return GateVerdict::new(
                Decision::Deny,
                "read-only mode: no file may be written",
                Some("approval.mode = read-only".into()),
                RiskTier::Medium,
            );
        }
        if let Some(lane) = &self.settings.lane {
            for p in paths {
                if let Err(why) = self.paths.lane_allows(lane, p) {
                    return GateVerdict::new(
                        Decision::Deny,
                        format!("{p} is outside this run's write lane: {why}"),
                        Some(format!("paths.lanes.{lane}")),
                        RiskTier::Medium,
                    );
                }
            }
        }
        let facts: Vec<(&String, WriteFacts)> = paths
            .iter()
            .map(|p| (p, self.paths.write_facts(p)))
            .collect();
        let staged = facts.iter().any(|(_, f)| f.guarded.is_some());
        if let Some((p, f)) = facts.iter().find(|(_, f)| f.two_person.is_some()) {
            let pattern = f.two_person.clone().unwrap_or_default();
            let mut v = GateVerdict::new(
                Decision::Ask,
                format!("{p} is under the two-person rule: two different people must approve"),
                Some(format!("paths.two_person: {pattern}")),
                RiskTier::High,
            );
            v.approvers = 2;
            v.explicit = true;
            v.staged = staged;
            return v;
        }
        if let Some((p, f)) = facts.iter().find(|(_, f)| f.protected.is_some()) {
            if self.grants().covers_paths(paths) {
                let mut v = GateVerdict::new(
                    Decision::Allow,
                    format!("{p} is protected; approved earlier this session"),
                    Some("session grant".into()),
                    RiskTier::High,
                );
                v.staged = staged;
                return v;
            }
            let pattern = f.protected.clone().unwrap_or_default();
            let mut v = GateVerdict::new(
                Decision::Ask,
                format!(
                    "{p} is a protected path: writing it needs explicit approval in every mode"
                ),
                Some(format!("paths.protected: {pattern}")),
                RiskTier::High,
            );
            v.explicit = true;
            v.staged = staged;
            return v;
        }
        let mut v = self.ordinary(
            over,
            self.settings.mode != ApprovalMode::Ask,
            || self.grants().covers_paths(paths) || self.grants().covers_tool(tool),
            "file writes ask first in ask mode",
            RiskTier::Medium,
        );
        v.staged = staged;
        v
    }

    /// The common tail: overrides, session grants, the mode, `--yes`.
    fn ordinary(
        &self,
        over: Option<ToolOverride>,
        mode_allows: bool,
        granted: impl Fn() -> bool,
        ask_reason: &str,
        tier: RiskTier,
    ) -> GateVerdict {
        let mode = self.settings.mode;
        match over {
            Some(ToolOverride::Always) => {
                return GateVerdict::new(
                    Decision::Allow,
                    "the tool is set to always run",
                    Some("approval.tools = \"always\"".into()),
                    tier,
                );
            }
            Some(ToolOverride::Ask) if !granted() => {
                return self.ask_or_yes(
                    "the tool is set to always ask".into(),
                    Some("approval.tools = \"ask\"".into()),
                    tier,
                );
            }
            _ => {}
        }
        if granted() {
            return GateVerdict::new(
                Decision::Allow,
                "approved earlier this session",
                Some("session grant".into()),
                tier,
            );
        }
        if mode_allows && over.is_none() {
            return GateVerdict::new(
                Decision::Allow,
                format!("{mode} mode allows it"),
                Some(format!("approval.mode = {mode}")),
                tier,
            );
        }
        self.ask_or_yes(ask_reason.to_string(), None, tier)
    }

    fn ask_or_yes(&self, reason: String, rule: Option<String>, tier: RiskTier) -> GateVerdict {
        if self.settings.auto_approve {
            let mut v = GateVerdict::new(
                Decision::Allow,
                format!("approved in advance (--yes); would ask: {reason}"),
                rule,
                tier,
            );
            v.preapproved = true;
            return v;
        }
        GateVerdict::new(Decision::Ask, reason, rule, tier)
    }
}

fn tier_of(request: &Request<'_>) -> RiskTier {
    match request {
        Request::Read { .. } => RiskTier::Low,
        Request::Write { .. } => RiskTier::Medium,
        Request::Exec { .. } | Request::External { .. } => RiskTier::High,
    }
}

#[cfg(test)]
mod tests;
