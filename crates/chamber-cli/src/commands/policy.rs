//! `chamber policy check "<command>"`: the decision a run's gate makes on a
//! command line — the same gate, built the same way (`gate_build`), judging
//! through the same call (`Gate::judge_explained`) — the rule behind it, and
//! the verdict on each simple command inside it.

use std::path::{Path, PathBuf};

use chamber_policy::{CommandContext, Decision, Request};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;
use chamber_runtime::{build_gate, mode_of, sandbox_state};

/// What `policy check` was asked.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    /// The command line.
    pub command: String,
    /// The run's branch (default: none, so `git reset --hard` asks).
    pub run_branch: Option<String>,
    /// The branch checked out (default: read from `.git/HEAD`).
    pub branch: Option<String>,
    /// The approval mode to judge in (default: `[approval] mode`).
    pub mode: Option<String>,
    /// Judge as under `--yes`.
    pub yes: bool,
}

/// Judges the command as a run's gate would, in the project root: the
/// project's policy (built-in rules plus `.chamber/policy.toml`), path
/// rules (`.env` reads), the approval mode, `--yes` and whether this
/// machine can sandbox commands. Exit status: 0 allow, 3
/// (`NEEDS_APPROVAL`) ask, 15 (`POLICY_DENIED`) deny.
pub fn check(
    setup: &Setup,
    args: CheckArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let config = &setup.loaded.config;
    let flags = chamber_runtime::RunSettings {
        mode: args.mode.clone(),
        yes: args.yes,
        ..chamber_runtime::RunSettings::default()
    };
    let mode = mode_of(config, &flags)?;
    let sandbox = sandbox_state(config, &setup.root, mode);
    let gate = build_gate(&setup.root, config, &flags, sandbox)?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let branch = args.branch.clone().or_else(|| current_branch(&setup.root));
    let ctx = CommandContext {
        workspace: Some(&setup.root),
        home: home.as_deref(),
        run_branch: args.run_branch.as_deref(),
        current_branch: branch.as_deref(),
    };
    let request = Request::Exec {
        tool: "shell",
        command: &args.command,
    };
    let judgement = gate.judge_explained(&request, &ctx);
    let v = &judgement.verdict;
    let parts = judgement.report.map(|r| r.parts).unwrap_or_default();
    let paint = |d: Decision| match d {
        Decision::Allow => Output::styled(style::OK, "allow"),
        Decision::Ask => Output::styled(style::WARN, "ask"),
        Decision::Deny => Output::styled(style::BAD, "deny"),
    };
    out.line(format!(
        "{}  {}",
        paint(v.decision),
        v.rule.as_deref().unwrap_or("no rule (default)")
    ));
    out.line(format!("  {}", v.reason));
    if v.decision == Decision::Ask && v.explicit {
        out.line("  only a person can approve it: --yes does not");
    }
    if parts.len() > 1 {
        for p in &parts {
            let d = p.verdict.decision;
            out.line(format!(
                "  - {}{} {}  [{}]",
                paint(d),
                " ".repeat(5 - d.as_str().len()),
                p.command,
                p.verdict.rule.as_deref().unwrap_or("default")
            ));
        }
    }
    let code = match v.decision {
        Decision::Allow => status::OK,
        Decision::Ask => status::NEEDS_APPROVAL,
        Decision::Deny => status::POLICY_DENIED,
    };
    let settings = gate.settings();
    let payload = json!({
        "command": args.command,
        "decision": v.decision,
        "rule": v.rule,
        "reason": v.reason,
        "explicit": v.explicit,
        "parts": parts,
        "context": {
            "workspace": setup.root.display().to_string(),
            "run_branch": args.run_branch,
            "current_branch": branch,
            "mode": settings.mode,
            "yes": settings.auto_approve,
            "sandboxed": settings.sandbox == chamber_policy::SandboxState::Available,
        },
    });
    Ok((payload, code))
}

/// The branch `.git/HEAD` names (a plain read; `None` when detached or not git).
fn current_branch(root: &Path) -> Option<String> {
    let head = std::fs::read_to_string(root.join(".git/HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_string)
}
