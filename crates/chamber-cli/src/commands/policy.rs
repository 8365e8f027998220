//! `chamber policy check "<command>"`: the decision the command policy makes
//! on a command line, the rule behind it, and the verdict on each simple
//! command inside it.

use std::path::{Path, PathBuf};

use chamber_policy::{CommandContext, Decision};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::{Setup, load_policy};

/// What `policy check` was asked.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    /// The command line.
    pub command: String,
    /// The run's branch (default: none, so `git reset --hard` asks).
    pub run_branch: Option<String>,
    /// The branch checked out (default: read from `.git/HEAD`).
    pub branch: Option<String>,
}

/// Judges the command with the project's policy (built-in rules plus
/// `.chamber/policy.toml`) in the project root. Exit status: 0 allow,
/// 3 (`NEEDS_APPROVAL`) ask, 15 (`POLICY_DENIED`) deny.
pub fn check(
    setup: &Setup,
    args: CheckArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let policy = load_policy(&setup.root)?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let branch = args.branch.clone().or_else(|| current_branch(&setup.root));
    let ctx = CommandContext {
        workspace: Some(&setup.root),
        home: home.as_deref(),
        run_branch: args.run_branch.as_deref(),
        current_branch: branch.as_deref(),
    };
    let report = policy.explain(&args.command, &ctx);
    let v = &report.verdict;
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
    if report.parts.len() > 1 {
        for p in &report.parts {
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
    let payload = json!({
        "command": args.command,
        "decision": v.decision,
        "rule": v.rule,
        "reason": v.reason,
        "parts": report.parts,
        "context": {
            "workspace": setup.root.display().to_string(),
            "run_branch": args.run_branch,
            "current_branch": branch,
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
