use std::sync::Arc;

use chamber_agent::{Engine, RunOutcome};
use chamber_protocol::RunStatus;
use serde_json::json;

use crate::approver::TerminalApprover;
use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::printer::LivePrinter;
use crate::render::plan_text;

pub use chamber_runtime::Act;

/// Runs an acting command, printing live events, and maps the outcome to
/// a payload and exit status.
pub async fn act(
    engine: &mut Engine,
    act: Act,
    flags: &RunFlags,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let approver = TerminalApprover::new(&engine.config.approval.approver, flags.prompt);
    let observer = Arc::new(LivePrinter::new(out));
    let plan_only = matches!(
        act,
        Act::New {
            plan_only: true,
            ..
        }
    );
    let outcome =
        chamber_runtime::execute(engine, act, &flags.settings(), &approver, observer).await?;
    let engine = &*engine;
    let known = cost_known(engine, &outcome.run_id).await;
    report(&outcome, known, out);
    let code = match outcome.status {
        RunStatus::Completed => status::OK,
        RunStatus::AwaitingApproval => {
            if plan_only {
                status::OK
            } else {
                status::NEEDS_APPROVAL
            }
        }
        RunStatus::Rejected => status::REJECTED,
        RunStatus::BudgetExceeded => status::BUDGET,
        RunStatus::Failed if outcome.fix.is_some() => status::TESTS_FAILED,
        _ => status::RUN_FAILED,
    };
    let mut payload = serde_json::to_value(&outcome).unwrap_or(json!(null));
    // `cost_usd` counts unpriced calls as 0; this says how far to trust it.
    payload["cost_known"] = json!(match known {
        CostKnown::All => "all",
        CostKnown::Some => "partly",
        CostKnown::None => "none",
    });
    Ok((payload, code))
}

/// Whether the model calls of a run had known prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CostKnown {
    /// Every call was priced (or there was none).
    All,
    /// Some were not: the cost is a lower bound.
    Some,
    /// None was.
    None,
}

/// From the run's `model_turn` events.
async fn cost_known(engine: &Engine, run_id: &str) -> CostKnown {
    let Ok(events) = engine.store.events_of(run_id, &["model_turn"]).await else {
        return CostKnown::All;
    };
    let (mut priced, mut unpriced) = (0, 0);
    for e in &events {
        if let chamber_protocol::EventKind::ModelTurn { cost_usd, .. } = &e.kind {
            if cost_usd.is_some() {
                priced += 1;
            } else {
                unpriced += 1;
            }
        }
    }
    match (priced, unpriced) {
        (_, 0) => CostKnown::All,
        (0, _) => CostKnown::None,
        _ => CostKnown::Some,
    }
}

fn report(outcome: &RunOutcome, cost_known: CostKnown, out: &Output) {
    if out.json {
        return;
    }
    match outcome.status {
        RunStatus::AwaitingApproval => {
            if let Some(plan) = &outcome.plan
                && out.quiet
            {
                out.line(plan_text(plan));
            }
            if let Some(id) = &outcome.plan_id {
                out.line(format!("\nplan id: {}", Output::styled(style::HEAD, id)));
                out.line(format!("approve and run it with: chamber apply {id}"));
            }
        }
        _ => {
            if !outcome.commands.is_empty() && outcome.diff.is_some() && outcome.branch.is_none() {
                out.line(format!(
                    "\n{}",
                    Output::styled(style::HEAD, "Commands run (in the throwaway copy):")
                ));
                for (cmd, code) in &outcome.commands {
                    let code = code
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "timeout".into());
                    out.line(format!("  $ {cmd}   [exit {code}]"));
                }
            }
            if let Some(diff) = &outcome.diff
                && !diff.is_empty()
                && (outcome.branch.is_none() || out.verbose > 0)
            {
                out.line(format!("\n{}", Output::styled(style::HEAD, "Diff:")));
                out.line(crate::diff_view::colored(diff.trim_end()));
            }
            if let Some(fix) = &outcome.fix {
                crate::commands::fix::print_report(fix, out);
            }
            let mark = match outcome.status {
                RunStatus::Completed => Output::styled(style::OK, "✔"),
                _ => Output::styled(style::BAD, "✘"),
            };
            out.line(format!("\n{mark} {}", outcome.summary));
            if let Some(dir) = &outcome.worktree {
                out.line(format!("worktree kept at {}", dir.display()));
            }
            let cost = match cost_known {
                CostKnown::All => format!("${:.4}", outcome.cost_usd),
                CostKnown::Some => {
                    format!("at least ${:.4} (some calls unpriced)", outcome.cost_usd)
                }
                CostKnown::None => "cost unknown (no price for the model)".to_string(),
            };
            out.line(Output::styled(
                style::DIM,
                format!(
                    "run {} · {} tokens in / {} out · {cost} · details: chamber runs show {}",
                    outcome.run_id,
                    outcome.usage.prompt_tokens,
                    outcome.usage.completion_tokens,
                    outcome.run_id
                ),
            ));
        }
    }
}
