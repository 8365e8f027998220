//! Failures that do not come from a `CliError`: a command line clap refuses,
//! and commands that ran but end with a non-zero status (a failed run,
//! failing tests, review findings). With `--json` each becomes an error
//! envelope like any other failure: `ok: false` and an `error` with code,
//! message and hint (the payload is kept when there is one).

use serde_json::Value;

use crate::exit::{CliError, status};
use crate::output::Output;

/// Handles a command line clap refused: help and version are printed as
/// usual; with `--json` anywhere before `--`, a usage error is an error
/// envelope (exit 2); otherwise clap prints its own text. Never returns.
pub fn usage(err: clap::Error, args: &[std::ffi::OsString]) -> ! {
    use clap::error::ErrorKind;
    let json = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    if !json
        || matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        )
    {
        err.exit();
    }
    let rendered = err.render().to_string();
    let message = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ")
        .to_string();
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .take_while(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    let cmd = if words.is_empty() {
        "chamber".to_string()
    } else {
        words.join(" ")
    };
    let hint = format!("`chamber {cmd} --help` lists the arguments and options")
        .replace("chamber chamber", "chamber");
    let out = Output::new(true, false, 0, &cmd);
    out.failure(&CliError {
        code: "usage",
        message,
        hint: Some(hint),
        exit: status::USAGE,
    });
    std::process::exit(status::USAGE)
}

/// The error of a command that ran and ended with the non-zero status
/// `code`, from its payload (a run outcome, a test run, a review).
pub fn of_outcome(code: i32, payload: &Value) -> CliError {
    let text = |key: &str| payload[key].as_str().unwrap_or_default().to_string();
    let summary = text("summary");
    let run_id = text("run_id");
    let or = |s: String, default: &str| {
        if s.is_empty() { default.to_string() } else { s }
    };
    let (name, message, hint): (&'static str, String, String) = match code {
        status::NEEDS_APPROVAL if payload.get("decision").is_some() => (
            "needs_approval",
            format!("the command policy would ask first: {}", text("reason")),
            "only a person can allow it: the agent asks in a terminal; a rule in .chamber/policy.toml can allow it".into(),
        ),
        status::NEEDS_APPROVAL => {
            let plan = text("plan_id");
            (
                "needs_approval",
                if plan.is_empty() {
                    "approval is needed, and there is no terminal to ask in".to_string()
                } else {
                    format!("the plan {plan} is saved and waits for approval")
                },
                if plan.is_empty() {
                    "pass --yes, or answer in a terminal (--prompt reads answers from stdin)".into()
                } else {
                    format!("approve and run it with `chamber apply {plan} --yes`, or run again in a terminal")
                },
            )
        }
        status::RUN_FAILED => (
            "run_failed",
            or(summary, "the run failed"),
            run_hint(&run_id, "`chamber resume {id}` continues from the failed step"),
        ),
        status::BUDGET => (
            "budget_exceeded",
            or(summary, "the run stopped at its budget"),
            run_hint(
                &run_id,
                "`chamber resume {id}` with a larger --budget-cost/--budget-time/--budget-tokens continues",
            ),
        ),
        status::REJECTED => (
            "plan_rejected",
            or(summary, "the plan was rejected"),
            "run again with a clearer task, or edit the plan when asked".into(),
        ),
        status::TESTS_FAILED => {
            let failed = payload["run"]["report"]["failed"].as_u64();
            let message = match (summary.is_empty(), failed) {
                (false, _) => summary,
                (true, Some(n)) => format!("{n} test(s) failed"),
                (true, None) => "the tests failed or timed out".into(),
            };
            (
                "tests_failed",
                message,
                "the failures are listed above (payload.run.report with --json); `chamber fix` can fix them".into(),
            )
        }
        status::REVIEW_FINDINGS => (
            "review_findings",
            format!(
                "the review found {} error-severity finding(s)",
                payload["counts"]["error"].as_u64().unwrap_or_default()
            ),
            "fix them before merging: each finding names its file and line (payload.findings with --json)".into(),
        ),
        status::POLICY_DENIED => (
            "policy_denied",
            format!("the command policy denies it: {}", text("reason")),
            "only a person can run it; the rule is named in the payload".into(),
        ),
        other => (
            "command_failed",
            format!("the command ended with exit status {other}"),
            "the output says why; docs/cli.md lists the exit statuses".into(),
        ),
    };
    CliError {
        code: name,
        message,
        hint: Some(hint),
        exit: code,
    }
}

/// `then` with `{id}` filled in, after where to look, when the run is known.
fn run_hint(run_id: &str, then: &str) -> String {
    if run_id.is_empty() {
        "`chamber runs list` shows the run; `chamber runs show <id>` says why".into()
    } else {
        format!(
            "`chamber runs show {run_id}` says why; {}",
            then.replace("{id}", run_id)
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_become_errors_with_hints() {
        let e = of_outcome(4, &json!({"run_id": "abc", "summary": "Run stopped."}));
        assert_eq!((e.code, e.message.as_str()), ("run_failed", "Run stopped."));
        assert!(e.hint.unwrap().contains("chamber resume abc"));
        let e = of_outcome(3, &json!({"plan_id": "p1", "status": "awaiting_approval"}));
        assert_eq!(e.code, "needs_approval");
        assert!(e.hint.unwrap().contains("chamber apply p1 --yes"));
        let e = of_outcome(14, &json!({"counts": {"error": 2}}));
        assert!(e.message.contains('2'));
        assert_eq!(of_outcome(124, &json!(null)).exit, 124);
    }
}
