//! `chamber fix`: run the tests; when they fail, a run fixes them in rounds
//! (see `chamber_agent::FixSettings`) until green, out of budget, out of
//! rounds, or without progress. Also the settings of `chamber run --verify`.

use chamber_agent::{Engine, FixReport, FixSettings, FixStop};
use chamber_verify::{RunOptions, failure_count, run_tests};
use serde_json::json;

use crate::cli::FixArgs;
use crate::commands::run::{Act, act};
use crate::commands::test::print_summary;
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// The fix loop's settings from `[test]`, with `--max-rounds` over it.
pub fn settings(engine: &Engine, max_rounds: Option<u32>) -> Result<FixSettings, CliError> {
    Ok(chamber_runtime::fix_settings(engine, max_rounds)?)
}

/// Runs `chamber fix`; exit 0 when green, 13 when tests still fail, 12
/// when the budget ran out. A green start makes no run.
pub async fn fix(
    engine: &mut Engine,
    args: &FixArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let settings = settings(engine, args.max_rounds)?;
    out.line(format!(
        "{} {} ({})",
        Output::styled(style::HEAD, "running"),
        settings.detected.command,
        settings.detected.reason
    ));
    let options = RunOptions {
        timeout: settings.test_timeout,
        ..RunOptions::default()
    };
    let first = run_tests(&engine.root, &settings.detected, options)
        .await
        .map_err(|e| CliError::new("test_run_failed", e.to_string(), None, status::INTERNAL))?;
    print_summary(&first, out);
    if first.passed() {
        out.line(format!(
            "\n{} the tests pass; nothing to fix",
            Output::styled(style::OK, "✔")
        ));
        let payload = json!({
            "status": "completed",
            "fix": {
                "stop": FixStop::Green,
                "rounds": 0,
                "reverted": [],
                "failures_before": 0,
                "failures_after": 0,
                "passed": first.report.passed,
                "still_failing": [],
                "command": first.command,
            },
        });
        return Ok((payload, status::OK));
    }
    out.line(format!(
        "{} failing; fixing (at most {} round(s))",
        failure_count(&first),
        settings.max_rounds
    ));
    let act_on = Act::Fix {
        settings: Box::new(settings),
        first: Box::new(first),
    };
    act(engine, act_on, &args.flags, out).await
}

/// Prints what the fix loop did: rounds, reverts, why it stopped, and the
/// hints of what still fails.
pub fn print_report(report: &FixReport, out: &Output) {
    let verdict = if report.stop == FixStop::Green {
        Output::styled(style::OK, "green")
    } else {
        Output::styled(style::BAD, "still failing")
    };
    out.line(format!(
        "\n{} {verdict}: {} → {} failing, {} round(s), reverted: {}; stopped because {}",
        Output::styled(style::HEAD, "fix loop:"),
        report.failures_before,
        report.failures_after,
        report.rounds,
        if report.reverted.is_empty() {
            "none".to_string()
        } else {
            report
                .reverted
                .iter()
                .map(|r| format!("round {r}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        report.stop.explain()
    ));
    for hint in &report.still_failing {
        out.line(format!("  {}", Output::styled(style::BAD, hint)));
    }
}
