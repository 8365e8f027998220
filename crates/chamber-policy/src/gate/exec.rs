//! How the gate judges a command: read-only mode, secrets files, the
//! command policy, the sandbox's state, test commands, then the approval
//! mode and `--yes`. `chamber policy check` and a run's gatekeeper both
//! come here, through [`Gate::judge_explained`].

use super::{ApprovalMode, Gate, GateVerdict, RiskTier, SandboxState, ToolOverride};
use crate::command::CommandContext;
use crate::rules::{CommandReport, Decision, TEST_COMMAND_RULE, Verdict};

impl Gate {
    /// Judges a command line; returns the verdict and the command policy's
    /// report on each simple command (secrets-file reads marked denied).
    pub(super) fn judge_exec(
        &self,
        command: &str,
        over: Option<ToolOverride>,
        ctx: &CommandContext<'_>,
    ) -> (GateVerdict, CommandReport) {
        let mut report = self.commands.explain(command, ctx);
        for part in &mut report.parts {
            if let Some(v) = self.secret_read(&part.command) {
                part.verdict = Verdict {
                    decision: Decision::Deny,
                    reason: v.reason,
                    rule: v.rule,
                };
                part.unreadable = None;
            }
        }
        let verdict = self.exec_verdict(command, over, &report);
        (verdict, report)
    }

    fn exec_verdict(
        &self,
        command: &str,
        over: Option<ToolOverride>,
        report: &CommandReport,
    ) -> GateVerdict {
        if self.settings.mode == ApprovalMode::ReadOnly {
            return GateVerdict::new(
                Decision::Deny,
                "read-only mode: no command may run",
                Some("approval.mode = read-only".into()),
                RiskTier::High,
            );
        }
        if let Some(v) = self.secret_read(command) {
            return v;
        }
        let verdict = &report.verdict;
        if verdict.decision == Decision::Deny {
            return GateVerdict::new(
                Decision::Deny,
                verdict.reason.clone(),
                verdict.rule.clone(),
                RiskTier::High,
            );
        }
        if let Some(v) = self.unconfined_unreadable(command, report) {
            return v;
        }
        if let SandboxState::Unavailable { reason, refuse } = &self.settings.sandbox {
            let rule = Some("sandbox.on_unavailable".to_string());
            if *refuse {
                return GateVerdict::new(Decision::Deny, reason.clone(), rule, RiskTier::High);
            }
            // Every command is put to the approver; `--yes` answers for
            // those Chamber can read (the others were handled above), and a
            // person's yes this session to the same command counts.
            if self.grants().covers_command(command).is_some() {
                return GateVerdict::new(
                    Decision::Allow,
                    "approved earlier this session to run without the sandbox",
                    Some("session grant".into()),
                    RiskTier::High,
                );
            }
            return self.ask_or_yes(reason.clone(), rule, RiskTier::High);
        }
        if verdict.decision == Decision::Allow && over != Some(ToolOverride::Ask) {
            return GateVerdict::new(
                Decision::Allow,
                verdict.reason.clone(),
                verdict.rule.clone(),
                RiskTier::High,
            );
        }
        if report.tests_only()
            && over.is_none()
            && self.settings.mode == ApprovalMode::AutoEdit
            && self.settings.sandbox == SandboxState::Available
        {
            return GateVerdict::new(
                Decision::Allow,
                "a test command: auto-edit mode runs it without asking inside the sandbox",
                Some(TEST_COMMAND_RULE.into()),
                RiskTier::High,
            );
        }
        let mut v = self.ordinary(
            over,
            self.settings.mode == ApprovalMode::FullAuto,
            || self.grants().covers_command(command).is_some(),
            &verdict.reason,
            RiskTier::High,
        );
        if v.rule.is_none() {
            v.rule = verdict.rule.clone();
        }
        v
    }

    /// Without a sandbox, a command Chamber cannot read or bound (see
    /// [`crate::UNREADABLE_RULES`]) needs a person: neither `--yes`, nor
    /// full-auto, nor `approval.tools = "always"` approves it. A person's
    /// earlier yes to this exact command this session still counts (a
    /// prefix grant does not).
    fn unconfined_unreadable(&self, command: &str, report: &CommandReport) -> Option<GateVerdict> {
        let how = self.settings.sandbox.unconfined()?;
        let finding = report.unreadable()?;
        if self.grants().covers_exact(command) {
            return None;
        }
        let mut v = GateVerdict::new(
            Decision::Ask,
            format!(
                "{}; nothing confines commands here ({how}), so only a person may approve it (--yes does not)",
                finding.reason
            ),
            finding.rule.clone(),
            RiskTier::High,
        );
        v.explicit = true;
        Some(v)
    }

    /// A command that names a read-denied file (`cat .env`, `source
    /// .env.prod`, `grep KEY < .env`): the same secrets `read_file` may not see.
    pub(super) fn secret_read(&self, command: &str) -> Option<GateVerdict> {
        let words: Vec<String> = match crate::split_commands(command) {
            Some(cmds) => cmds.into_iter().flatten().collect(),
            None => command.split_whitespace().map(String::from).collect(),
        };
        words.iter().find_map(|word| {
            let word = word.trim_start_matches(['<', '>', '&', '=']);
            let word = word.rsplit('=').next().unwrap_or(word);
            let pattern = self.paths.read_denied(word)?;
            Some(GateVerdict::new(
                Decision::Deny,
                format!("the command reads {word}: secrets files stay out of the model's context"),
                Some(format!("paths.read_deny: {pattern}")),
                RiskTier::High,
            ))
        })
    }
}

impl SandboxState {
    /// When commands would run unconfined (the sandbox is off, or cannot be
    /// set up and commands are not refused): why, in a few words.
    pub fn unconfined(&self) -> Option<&'static str> {
        match self {
            SandboxState::Available | SandboxState::Unavailable { refuse: true, .. } => None,
            SandboxState::Off => Some("sandbox.mode = \"off\""),
            SandboxState::Unconfined { .. } => Some("the sandbox cannot be set up"),
            SandboxState::Unavailable { refuse: false, .. } => {
                Some("the sandbox cannot be set up; on_unavailable = \"ask\"")
            }
        }
    }
}
