use chamber_agent::reconcile_interrupted;
use chamber_protocol::{Event, EventKind};
use chamber_store::Store;
use serde_json::json;

use crate::exit::CliError;
use crate::output::{Output, style};
use crate::render::run_row;
use crate::render::{call_text, plan_text};
use crate::setup::Setup;

/// `chamber runs list`: this project's runs, or with `all` every
/// project's, each row then naming its project.
pub async fn list(
    setup: &Setup,
    limit: u32,
    all: bool,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let store = setup.store().await?;
    let project = setup.root.display().to_string();
    let mut runs = if all {
        store.list_runs(limit).await?
    } else {
        store.list_project_runs(&project, limit).await?
    };
    for run in &mut runs {
        reconcile_interrupted(&store, run).await?;
    }
    if runs.is_empty() {
        out.line(if all {
            "no runs yet: try `chamber run \"…\"`"
        } else {
            "no runs in this project yet (`--all` lists every project's): try `chamber run \"…\"`"
        });
    }
    for r in &runs {
        if all {
            out.line(format!(
                "{}  {}",
                run_row(r),
                Output::styled(style::DIM, &r.workdir)
            ));
        } else {
            out.line(run_row(r));
        }
    }
    let scope = if all { json!(null) } else { json!(project) };
    Ok(json!({ "runs": runs, "project": scope }))
}

/// `chamber runs show`: the run, its plan, and every event as a trace.
pub async fn show(store: &Store, id: &str, out: &Output) -> Result<serde_json::Value, CliError> {
    let mut run = store.get_run(id).await?;
    reconcile_interrupted(store, &mut run).await?;
    let events = store.events(&run.id).await?;
    out.line(format!("{} {}", Output::styled(style::HEAD, "run"), run.id));
    out.line(format!("status:  {}", run.status.as_str()));
    out.line(format!("task:    {}", run.prompt));
    out.line(format!("dir:     {}", run.workdir));
    if let Some(b) = &run.branch {
        out.line(format!("branch:  {b}"));
    }
    out.line(format!("model:   {} ({})", run.model, run.provider));
    out.line(format!(
        "tokens:  {} in / {} out",
        run.prompt_tokens, run.completion_tokens
    ));
    if let Some(s) = &run.summary {
        out.line(format!("summary: {s}"));
    }
    if let Some(p) = &run.plan {
        out.line(format!("\n{}", plan_text(p)));
    }
    out.line(Output::styled(style::HEAD, "Trace:"));
    for ev in &events {
        if let Some(line) = trace_line(ev) {
            out.line(line);
        }
    }
    Ok(json!({ "run": run, "events": events }))
}

fn trace_line(ev: &Event) -> Option<String> {
    let t = ev.ts.format("%H:%M:%S%.3f");
    let body = match &ev.kind {
        EventKind::ModelTurn {
            step_id,
            tool_calls,
            usage,
            duration_ms,
            content,
            provider,
            model,
            cost_usd,
        } => format!(
            "model  step {} · {provider}:{model} · {} call(s) · {} in / {} out tokens{} · {duration_ms} ms{}",
            step_id.as_deref().unwrap_or("plan"),
            tool_calls.len(),
            usage.prompt_tokens,
            usage.completion_tokens,
            cost_usd.map(|c| format!(" · ${c:.4}")).unwrap_or_default(),
            if tool_calls.is_empty() && !content.is_empty() {
                format!(
                    " · \"{}\"",
                    content
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect::<String>()
                )
            } else {
                String::new()
            }
        ),
        EventKind::ToolStarted { call, .. } => format!(
            "call   {} [{}] args={}",
            call_text(call),
            call.id,
            call.arguments
        ),
        EventKind::ToolFinished {
            name,
            call_id,
            result,
            ..
        } => format!(
            "result {name} [{call_id}] {:?} exit={} {} ms{}",
            result.status,
            result
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            result.duration_ms,
            result
                .error
                .as_ref()
                .map(|e| format!(" error: {}", e.lines().next().unwrap_or_default()))
                .unwrap_or_default()
        ),
        EventKind::ToolOutput { stream, chunk, .. } => {
            let stream = match stream {
                chamber_protocol::OutputStream::Stdout => "stdout",
                chamber_protocol::OutputStream::Stderr => "stderr",
            };
            let lines: Vec<String> = chunk
                .trim_end()
                .lines()
                .map(|l| format!("         {stream} │ {l}"))
                .collect();
            format!("output\n{}", lines.join("\n"))
        }
        other => {
            let mut v = serde_json::to_value(other).ok()?;
            let kind = v
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("event")
                .to_string();
            if let Some(o) = v.as_object_mut() {
                o.remove("type");
                o.remove("plan");
                o.remove("task");
                o.remove("diff");
            }
            // Whole: a trace that cuts events hides what happened.
            format!("{kind} {v}")
        }
    };
    Some(format!("  {:>4} {t} {body}", ev.seq))
}
