use std::sync::Arc;

use chamber_agent::{Engine, RunOptions, RunOutcome};
use chamber_protocol::RunStatus;
use serde_json::json;

use crate::approver::TerminalApprover;
use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::printer::LivePrinter;
use crate::render::plan_text;

/// Which acting command is running.
pub enum Act {
    /// `chamber run` / `chamber plan`.
    New {
        /// Task text.
        prompt: String,
        /// Stop after planning.
        plan_only: bool,
        /// Throwaway copy.
        dry_run: bool,
    },
    /// `chamber pr update`: a new task continuing an existing branch.
    OnBranch {
        /// Task text.
        prompt: String,
        /// The branch to check out and commit on.
        branch: String,
    },
    /// `chamber apply`.
    Apply(String),
    /// `chamber resume`.
    Resume(String),
    /// `chamber fix`, after a red test run.
    Fix {
        /// The fix loop's settings.
        settings: Box<chamber_agent::FixSettings>,
        /// The test run that failed.
        first: Box<chamber_verify::TestRun>,
    },
}

/// Runs an acting command, printing live events, and maps the outcome to
/// a payload and exit status.
pub async fn act(
    engine: &mut Engine,
    act: Act,
    flags: &RunFlags,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    if let Act::Resume(id) = &act {
        // A resumed run keeps the budget it was started (or last resumed)
        // with; the flags below override it resource by resource.
        if let Ok(run) = engine.store.get_run(id).await
            && let Some(recorded) = &run.task.constraints.budget
        {
            engine.budget = chamber_agent::budget_from_record(recorded, &engine.budget);
        }
    }
    if let Some(c) = flags.budget_cost {
        if !(c > 0.0 && c.is_finite()) {
            return Err(CliError::new(
                "bad_flag",
                format!("--budget-cost {c}: expected a positive amount of USD"),
                None,
                status::CONFIG,
            ));
        }
        engine.budget.cost_usd = Some(c);
    }
    if let Some(t) = flags.budget_time {
        engine.budget.time = Some(t);
    }
    if let Some(n) = flags.budget_tokens {
        engine.budget.tokens = Some(n);
    }
    if let Some(s) = &flags.strategy {
        engine.config.agent.strategy = s.clone();
    }
    if let Some(n) = flags.candidates {
        engine.config.agent.candidates = n;
    }
    let engine = &*engine;
    let approver = TerminalApprover::new(&engine.config.approval.approver, flags.prompt);
    let observer = Arc::new(LivePrinter::new(out));
    let mode = crate::gate_build::mode_of(&engine.config, flags)?;
    let gate = crate::gate_build::build_gate(
        &engine.root,
        &engine.config,
        flags,
        crate::gate_build::sandbox_state(&engine.config, &engine.root, mode),
    )?;
    // Full-auto approves the plan too; `--yes` (and the older `auto`) as before.
    let auto = gate.settings().auto_approve || mode == chamber_policy::ApprovalMode::FullAuto;
    let auto_approved_by = match (flags.yes, gate.settings().auto_approve) {
        (true, _) => "--yes",
        (false, true) => "approval.mode = auto",
        (false, false) => "full-auto mode",
    };
    let mut opts = RunOptions {
        gate: Arc::new(gate),
        guarded: flags.guarded
            || engine.config.approval.guarded
            || !engine.config.paths.guarded.is_empty(),
        auto_approve: auto,
        allow_dirty: flags.allow_dirty,
        max_turns_per_step: flags.max_turns,
        signoff: flags.signoff,
        worktree: flags.worktree || flags.keep_worktree,
        keep_worktree: flags.keep_worktree,
        auto_approved_by: auto_approved_by.to_string(),
        ..RunOptions::default()
    };
    if opts.guarded && !matches!(act, Act::New { .. }) {
        // Only a new run can start in the throwaway copy a guarded run
        // needs; anything else would write to the project itself.
        return Err(CliError::new(
            "guarded_unsupported",
            "this run would be guarded (--guarded, approval.guarded or [paths] guarded), but only `chamber run` can stage its changes; nothing was done",
            Some("use `chamber run --guarded \"…\"`, then `chamber apply-guarded <run>`"),
            status::INVALID_STATE,
        ));
    }
    if opts.guarded && flags.verify {
        return Err(CliError::new(
            "guarded_unsupported",
            "--verify cannot be combined with a guarded run: its tests would run on changes that are only staged",
            Some("run the tests after `chamber apply-guarded`, or drop --verify"),
            status::INVALID_STATE,
        ));
    }
    if flags.verify && !matches!(act, Act::Fix { .. }) {
        opts.verify = Some(crate::commands::fix::settings(engine, None)?);
    }
    let plan_only = matches!(
        act,
        Act::New {
            plan_only: true,
            ..
        }
    );
    let mut outcome = match act {
        Act::New {
            prompt,
            plan_only,
            dry_run,
        } => {
            opts.plan_only = plan_only;
            // A guarded run works in a throwaway copy like a dry run, then
            // stages its diff instead of discarding it.
            // Planning alone touches nothing, guarded or not.
            opts.dry_run = dry_run || (opts.guarded && !plan_only);
            opts.guarded &= !dry_run && !plan_only;
            engine.run(&prompt, opts, &approver, observer).await?
        }
        Act::OnBranch { prompt, branch } => {
            opts.branch = Some(branch);
            engine.run(&prompt, opts, &approver, observer).await?
        }
        Act::Apply(id) => engine.apply(&id, opts, &approver, observer).await?,
        Act::Resume(id) => engine.resume(&id, opts, &approver, observer).await?,
        Act::Fix { settings, first } => {
            engine
                .fix(*settings, *first, opts, &approver, observer)
                .await?
        }
    };
    if let Ok(run) = engine.store.get_run(&outcome.run_id).await {
        outcome.usage.prompt_tokens = run.prompt_tokens;
        outcome.usage.completion_tokens = run.completion_tokens;
        outcome.cost_usd = run.cost_usd;
    }
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
    let Ok(events) = engine.store.events(run_id).await else {
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
