use chamber_protocol::{Event, EventKind, Plan, ToolCall, ToolStatus};
use chamber_store::RunRecord;

use crate::output::{Output, style};

/// A plan as numbered lines.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = format!(
        "{}\n",
        Output::styled(style::HEAD, format!("Plan: {}", plan.title))
    );
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!("  {}. {}", i + 1, s.title));
        if !s.depends_on.is_empty() {
            out.push_str(&Output::styled(
                style::DIM,
                format!("  (after {})", s.depends_on.join(", ")),
            ));
        }
        if let Some(action) = &s.action {
            out.push_str(&Output::styled(
                style::OK,
                format!("  [by rule: {}]", action.rule),
            ));
        }
        out.push('\n');
        if !s.detail.trim().is_empty() {
            out.push_str(&Output::styled(
                style::DIM,
                format!("     {}\n", s.detail.trim()),
            ));
        }
    }
    out
}

/// A one-line description of a tool call for humans.
pub fn call_text(call: &ToolCall) -> String {
    let args: serde_json::Value =
        serde_json::from_str(&call.arguments).unwrap_or(serde_json::Value::Null);
    let s = |k: &str| args.get(k).and_then(|v| v.as_str()).unwrap_or("");
    match call.name.as_str() {
        "shell" => format!("$ {}", s("command")),
        "read_file" | "write_file" | "delete_file" | "edit_file" | "list_files" => {
            format!("{} {}", call.name, s("path"))
        }
        "search" => format!("search /{}/", s("pattern")),
        _ => format!(
            "{} {}",
            call.name,
            call.arguments.chars().take(120).collect::<String>()
        ),
    }
}

/// The warning for a `sandbox_unavailable` event: what happens to commands.
pub fn sandbox_warning(reason: &str, commands: &str) -> String {
    let effect = match commands {
        "unconfined" => "commands in this run are NOT sandboxed: they run unconfined",
        "ask" => {
            "commands in this run are NOT sandboxed: each runs unconfined only once approved (--yes approves only those Chamber can read)"
        }
        _ => "commands in this run are refused",
    };
    format!(
        "{} {effect}. {reason}",
        Output::styled(style::WARN, "warning: sandbox unavailable:")
    )
}

/// The human line for an event, if it deserves one at this verbosity.
pub fn event_line(event: &Event, verbose: u8) -> Option<String> {
    Some(match &event.kind {
        EventKind::RunStarted {
            task,
            model,
            branch,
            ..
        } => format!(
            "{} run {} · model {model}{}",
            Output::styled(style::HEAD, "▶"),
            task.id,
            branch
                .as_ref()
                .map(|b| format!(" · branch {b}"))
                .unwrap_or_default()
        ),
        EventKind::SandboxUnavailable { reason, commands } => sandbox_warning(reason, commands),
        EventKind::McpServer {
            server,
            state,
            detail,
            ..
        } if state == "failed" => Output::styled(
            style::WARN,
            format!("! MCP server {server} failed: {detail}"),
        ),
        EventKind::McpServer {
            server,
            state,
            detail,
            ..
        } if verbose > 0 => Output::styled(style::DIM, format!("mcp {server}: {state} {detail}")),
        EventKind::ContextBuilt {
            fallback: Some(why),
            ..
        } => Output::styled(
            style::BAD,
            format!("! context without the codebase index: {why}"),
        ),
        EventKind::ContextBuilt { pieces, .. } if verbose > 0 && !pieces.is_empty() => {
            Output::styled(
                style::DIM,
                format!(
                    "context: {}",
                    pieces
                        .iter()
                        .map(|p| match &p.path {
                            Some(path) => format!("{} {path} ({} tokens)", p.kind, p.tokens),
                            None => format!("{} ({} tokens)", p.kind, p.tokens),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        EventKind::PlanProposed { plan } => plan_text(plan),
        EventKind::PlanApproved { by, .. } => {
            Output::styled(style::DIM, format!("plan approved by {by}"))
        }
        EventKind::StepStarted { step_id, title } => {
            format!(
                "\n{}",
                Output::styled(style::HEAD, format!("Step {step_id}: {title}"))
            )
        }
        EventKind::StepRouted {
            rule: Some(rule), ..
        } => Output::styled(style::DIM, format!("  by rule `{rule}`: no model turn")),
        EventKind::ToolStarted { call, .. } => format!("  {}", call_text(call)),
        EventKind::ToolOutput { chunk, .. } if verbose > 0 => Output::styled(
            style::DIM,
            chunk
                .trim_end()
                .lines()
                .map(|l| format!("    │ {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        EventKind::ToolFinished { name, result, .. } => {
            let mark = match result.status {
                ToolStatus::Ok => Output::styled(style::OK, "    ✓"),
                _ => Output::styled(style::BAD, "    ✗"),
            };
            let detail = match (&result.error, result.exit_code) {
                (Some(e), _) => e.lines().next().unwrap_or_default().to_string(),
                (None, Some(code)) => format!("exit {code}"),
                (None, None) => "ok".into(),
            };
            format!("{mark} {name}: {detail} ({} ms)", result.duration_ms)
        }
        EventKind::PolicyDecision {
            decision, reason, ..
        } if decision != "allow" || verbose > 0 => {
            Output::styled(style::WARN, format!("    policy: {decision} — {reason}"))
        }
        EventKind::ModelError {
            error,
            retrying,
            attempt,
            ..
        } => Output::styled(
            style::WARN,
            format!(
                "  model error (attempt {attempt}{}): {error}",
                if *retrying { ", retrying" } else { "" }
            ),
        ),
        EventKind::ModelFallback {
            from,
            to,
            error_class,
            ..
        } => Output::styled(
            style::WARN,
            format!("  fallback: {from} failed ({error_class}); trying {to}"),
        ),
        EventKind::Escalated {
            from, to, failures, ..
        } => Output::styled(
            style::WARN,
            format!("  escalated: {failures} failed turn(s) on {from}; this step moves to {to}"),
        ),
        EventKind::ContextCompacted {
            tokens_before,
            tokens_after,
            turns_summarised,
            ..
        } => Output::styled(
            style::DIM,
            format!(
                "  context compacted: {turns_summarised} old turn(s) summarised, ~{tokens_before} → ~{tokens_after} tokens"
            ),
        ),
        EventKind::BudgetWarning {
            resource,
            used,
            limit,
        } => Output::styled(
            style::WARN,
            format!(
                "  budget: {resource} at {:.0}% ({})",
                used / limit * 100.0,
                budget_amounts(resource, *used, *limit)
            ),
        ),
        EventKind::BudgetUnmeasured { model, limit, .. } => Output::styled(
            style::WARN,
            format!(
                "! budget: the cost cannot be measured: no price is known for {model}, so the ${limit} cost budget will not stop the run (give its prices under [models.\"{model}\"], or use --budget-tokens)"
            ),
        ),
        EventKind::BudgetExceeded {
            resource,
            used,
            limit,
        } => Output::styled(
            style::BAD,
            format!(
                "  budget spent: {resource} {}; stopping cleanly",
                budget_amounts(resource, *used, *limit)
            ),
        ),
        EventKind::StepCompleted { summary, .. } => format!(
            "  {} {}",
            Output::styled(style::OK, "done:"),
            summary.lines().next().unwrap_or_default()
        ),
        EventKind::StepFailed { error, .. } => {
            format!("  {} {error}", Output::styled(style::BAD, "failed:"))
        }
        EventKind::Replanned { plan, .. } => format!(
            "\n{}\n{}",
            Output::styled(style::WARN, "re-planned:"),
            plan_text(plan)
        ),
        EventKind::Committed {
            branch,
            commit,
            files,
        } => format!(
            "\n{} {} on {branch} ({} file(s))",
            Output::styled(style::OK, "committed"),
            &commit[..commit.len().min(10)],
            files.len()
        ),
        EventKind::RunResumed { from_step } => format!("resuming from step {from_step}"),
        EventKind::CheckpointCreated { checkpoint, .. } if verbose > 0 => Output::styled(
            style::DIM,
            format!(
                "  checkpoint {}{}",
                checkpoint.id,
                checkpoint
                    .tree
                    .as_ref()
                    .map(|t| format!(" (git tree {})", &t[..t.len().min(10)]))
                    .unwrap_or_default()
            ),
        ),
        EventKind::PatchRecorded {
            patch_id, files, ..
        } if verbose > 0 => Output::styled(
            style::DIM,
            format!("    patch {patch_id}: {}", files.join(", ")),
        ),
        EventKind::Undone { steps, files, .. } => format!(
            "{} {steps} step(s): {} file(s) restored",
            Output::styled(style::WARN, "undone"),
            files.len()
        ),
        EventKind::StepRestored {
            step_id,
            files,
            reason,
            ..
        } => Output::styled(
            style::WARN,
            format!(
                "  restored: step {step_id} starts over from its checkpoint ({reason}); {} file(s) put back",
                files.len()
            ),
        ),
        EventKind::StepsParallel { step_ids } => Output::styled(
            style::DIM,
            format!(
                "  in parallel, each in its own worktree: steps {}",
                step_ids.join(", ")
            ),
        ),
        EventKind::StepMerged {
            step_id,
            merged: true,
            files,
            ..
        } => format!("  merged: step {step_id} ({} file(s))", files.len()),
        EventKind::StepMerged {
            step_id, detail, ..
        } => Output::styled(
            style::WARN,
            format!("  not merged: step {step_id} runs again on top ({detail})"),
        ),
        EventKind::TestsChecked {
            round,
            scope,
            failures,
            passed,
            ..
        } => format!(
            "{} round {round} ({scope}): {}",
            Output::styled(style::HEAD, "tests"),
            if *passed {
                Output::styled(style::OK, "green")
            } else {
                Output::styled(style::BAD, format!("{failures} failing"))
            }
        ),
        EventKind::RoundReverted {
            round,
            failures_before,
            failures_after,
            ..
        } => format!(
            "{} round {round}: {failures_after} failing after it, {failures_before} before; its changes were reverted",
            Output::styled(style::WARN, "reverted")
        ),
        EventKind::ModelTurn {
            content,
            tool_calls,
            usage,
            duration_ms,
            model,
            cost_usd,
            ..
        } if verbose > 0 => Output::styled(
            style::DIM,
            format!(
                "  model {model}: {} call(s), {} tokens in / {} out{}, {duration_ms} ms{}",
                tool_calls.len(),
                usage.prompt_tokens,
                usage.completion_tokens,
                cost_usd.map(|c| format!(", ${c:.4}")).unwrap_or_default(),
                if content.is_empty() {
                    String::new()
                } else {
                    format!(": {}", content.lines().next().unwrap_or_default())
                }
            ),
        ),
        _ => return None,
    })
}

/// `used of limit` in the resource's own unit: `$0.0120 of $0.0100`,
/// `12.3s of 60s`, `480 of 500 tokens`.
fn budget_amounts(resource: &str, used: f64, limit: f64) -> String {
    match resource {
        "cost" => format!("${used:.4} of ${limit:.4}"),
        "time" => format!("{used:.1}s of {limit}s"),
        "tokens" => format!("{} of {} tokens", used as u64, limit as u64),
        _ => format!("{used} of {limit}"),
    }
}

/// One line per run for `runs list` and `status`: id, status, start, task.
pub fn run_row(run: &RunRecord) -> String {
    let task: String = run
        .prompt
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    format!(
        "{}  {:<17} {}  {task}",
        run.id,
        run.status.as_str(),
        run.created_at.format("%Y-%m-%d %H:%M")
    )
}
