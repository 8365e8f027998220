//! The policy stage of the tool pipeline: asks the run's gate, puts `ask`
//! decisions to the approver (two people under the two-person rule),
//! remembers session grants and records who decided what and why.

use chamber_policy::{CommandContext, Decision, GrantScope, Request, prefix_of};
use chamber_protocol::{EventKind, ToolCall};
use chamber_tools::{Risk, ValidCall};

use crate::options::RunOptions;
use crate::recorder::Recorder;
use crate::{ActionAnswer, ActionQuestion, AgentError, Approver};

/// What the gate and the approver decided about one call.
pub struct GateOutcome {
    /// Allow or deny (an `ask` has been answered by now).
    pub decision: Decision,
    /// Why, for the model when denied.
    pub reason: String,
}

/// Judges `valid`, asks when needed, records the decision.
pub async fn decide(
    rec: &mut Recorder,
    workspace: &std::path::Path,
    branch_prefix: &str,
    call: &ToolCall,
    valid: &ValidCall,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<GateOutcome, AgentError> {
    let gate = &opts.gate;
    let paths = valid.paths();
    let command = valid.command().unwrap_or_default().to_string();
    let request = match valid.risk {
        Risk::Read => Request::Read {
            tool: &valid.name,
            paths: &paths,
        },
        Risk::Write => Request::Write {
            tool: &valid.name,
            paths: &paths,
        },
        Risk::Exec => Request::Exec {
            tool: &valid.name,
            command: &command,
        },
        Risk::External => Request::External {
            tool: &valid.name,
            paths: &paths,
        },
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let current = match valid.risk {
        Risk::Exec => chamber_tools::Git::discover(workspace).and_then(|g| g.current_branch().ok()),
        _ => None,
    };
    // Acting happens on the run's own branch: when that is what is checked
    // out, history rewrites there (`git reset --hard`) are the run's business.
    let run_branch = current
        .as_deref()
        .filter(|b| b.starts_with(branch_prefix) && !branch_prefix.is_empty());
    let ctx = CommandContext {
        workspace: Some(workspace),
        home: home.as_deref(),
        run_branch,
        current_branch: current.as_deref(),
    };
    let mut verdict = gate.judge_in(&request, &ctx);
    if opts.dry_run && valid.risk == Risk::External {
        // A tool from outside Chamber acts on the world, not on the dry
        // run's throwaway copy.
        verdict.decision = Decision::Deny;
        verdict.reason = "dry run: tools from outside Chamber (MCP servers, packages, containers) could change the real project or the world".into();
    }
    if opts.dry_run && valid.risk == Risk::Write && verdict.decision == Decision::Ask {
        verdict.decision = Decision::Allow;
        verdict.reason = "dry run: writes go to a throwaway copy".into();
    }
    let mut by = "policy";
    let mut answer = ActionAnswer::declined();
    if verdict.decision == Decision::Ask {
        by = "user";
        let question = ActionQuestion {
            description: valid.describe(),
            reason: verdict.reason.clone(),
            tier: verdict.tier.as_str().into(),
            approvers: verdict.approvers,
            prefix: (valid.risk == Risk::Exec).then(|| prefix_of(&command).join(" ")),
            rememberable: verdict.approvers < 2,
        };
        let mut too_few = false;
        if approver.interactive() {
            rec.emit(EventKind::ApprovalRequested {
                subject: "action".into(),
                what: question.description.clone(),
                reason: question.reason.clone(),
                tier: question.tier.clone(),
                approvers: question.approvers,
            })
            .await?;
            answer = approver.approve_action(&question).await;
            let distinct = {
                let mut names = answer.approvers.clone();
                names.sort();
                names.dedup();
                names.len()
            };
            if answer.approved && distinct < usize::from(verdict.approvers) {
                answer.approved = false;
                too_few = true;
                verdict.reason = format!(
                    "{}; got {distinct} distinct approver(s), {} needed",
                    verdict.reason, verdict.approvers
                );
            }
        }
        if answer.approved {
            verdict.decision = Decision::Allow;
            if !question.rememberable {
                answer.scope = GrantScope::Once;
            }
            gate.remember(&request, answer.scope);
        } else {
            verdict.decision = Decision::Deny;
            verdict.reason = if !approver.interactive() {
                let how = if verdict.explicit {
                    "it needs a person's explicit approval (--yes does not cover it): rerun in a terminal, or with --prompt answering on stdin"
                } else {
                    "rerun with --yes, in a terminal, or with --prompt"
                };
                format!("needs approval ({}); {how}", verdict.reason)
            } else if answer.approvers.is_empty() || too_few {
                verdict.reason.clone()
            } else if let Some(instead) =
                answer.feedback.as_deref().filter(|f| !f.trim().is_empty())
            {
                format!("the user declined this and said what to do instead: {instead}")
            } else {
                "the user declined".into()
            };
        }
    } else if verdict.preapproved {
        by = "flag";
    }
    if valid.risk != Risk::Read || verdict.decision == Decision::Deny {
        rec.emit(EventKind::PolicyDecision {
            call_id: call.id.clone(),
            decision: verdict.decision.as_str().into(),
            reason: match &verdict.rule {
                Some(rule) => format!("{} [{rule}]", verdict.reason),
                None => verdict.reason.clone(),
            },
            by: by.into(),
            tool: valid.name.clone(),
            what: valid.describe(),
            tier: verdict.tier.as_str().into(),
            mode: gate.settings().mode.as_str().into(),
            approvers: answer.approvers.clone(),
            scope: if by == "user" && answer.approved {
                answer.scope.as_str().into()
            } else {
                String::new()
            },
        })
        .await?;
    }
    Ok(GateOutcome {
        decision: verdict.decision,
        reason: verdict.reason,
    })
}

/// Records a `sandbox_unavailable` event when the run's commands cannot be
/// sandboxed (unconfined, asked or refused), so it is never silent. Called
/// right after `run_started`, `run_resumed` or an applied plan's approval.
pub(crate) async fn note_sandbox(rec: &mut Recorder, opts: &RunOptions) -> Result<(), AgentError> {
    use chamber_policy::SandboxState;
    let (reason, commands) = match &opts.gate.settings().sandbox {
        SandboxState::Available | SandboxState::Off => return Ok(()),
        SandboxState::Unconfined { reason } => (reason, "unconfined"),
        SandboxState::Unavailable { reason, refuse } => {
            (reason, if *refuse { "refuse" } else { "ask" })
        }
    };
    rec.emit(EventKind::SandboxUnavailable {
        reason: reason.clone(),
        commands: commands.into(),
    })
    .await?;
    Ok(())
}

/// How an approved command runs. With the required sandbox missing and
/// `on_unavailable = "ask"`, the gate has already put the command to a
/// person, so a command that got here runs unconfined (its environment still
/// scrubbed); with `refuse` it is refused with the sandbox's message.
pub fn shell_sandbox(
    config: &chamber_config::SandboxConfig,
    workspace: &std::path::Path,
) -> chamber_tools::sandbox::ShellSandbox {
    use chamber_tools::sandbox::{SandboxChoice, ShellSandbox, choose};
    match choose(config, workspace) {
        SandboxChoice::Unavailable {
            on_unavailable: chamber_config::OnUnavailable::Ask,
            ..
        } => ShellSandbox::Off,
        other => other.into_shell(),
    }
}
