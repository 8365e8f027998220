//! `chamber mcp test NAME`: start one server the way a run would, list
//! its tools, resources and prompts, and optionally call a tool or read a
//! resource, with timings.

use std::sync::Arc;
use std::time::Instant;

use chamber_mcp::{McpHub, TOOL_PREFIX, tool_name};
use chamber_protocol::ToolStatus;
use chamber_tools::{OutputSink, ToolContext};
use serde_json::json;

use crate::cli_mcp::McpTestArgs;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

fn mcp_error(e: chamber_mcp::McpError) -> CliError {
    let code = match e {
        chamber_mcp::McpError::Unknown(_) => status::NOT_FOUND,
        chamber_mcp::McpError::Config { .. } => status::CONFIG,
        _ => status::RUN_FAILED,
    };
    CliError::new(
        "mcp_failed",
        e.to_string(),
        Some("check the server's command or URL with `chamber mcp list`"),
        code,
    )
}

/// Runs `chamber mcp test`.
pub async fn test(
    setup: &Setup,
    args: McpTestArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let mut config = setup.loaded.config.mcp.clone();
    // A disabled server can still be tested.
    if let Some(s) = config.servers.get_mut(&args.name) {
        s.enabled = true;
    }
    let hub = McpHub::new(&config, &setup.root);
    let started = Instant::now();
    let ready = hub.ready(&args.name).await.map_err(mcp_error);
    let start_ms = started.elapsed().as_millis() as u64;
    let result = match ready {
        Ok(_) => inspect(&hub, &args, start_ms, out).await,
        Err(e) => Err(e),
    };
    hub.stop_all().await;
    result
}

async fn inspect(
    hub: &Arc<McpHub>,
    args: &McpTestArgs,
    start_ms: u64,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let name = &args.name;
    out.line(format!(
        "{} {name} started in {start_ms} ms",
        Output::styled(style::OK, "✓")
    ));
    let tools = hub.tools_of(name).map_err(mcp_error)?;
    out.line(format!("tools ({}):", tools.len()));
    let mut tool_rows = Vec::new();
    for tool in &tools {
        let spec = tool.spec();
        out.line(format!(
            "  {}  {}",
            spec.name,
            first_line(&spec.description)
        ));
        tool_rows.push(json!({"name": spec.name, "description": spec.description, "input_schema": spec.parameters}));
    }
    let resources = hub.resources(name).await.map_err(mcp_error)?;
    out.line(format!("resources ({}):", resources.len()));
    for r in resources.iter().take(20) {
        out.line(format!("  {}  {}", r.uri, r.name));
    }
    let prompts = hub.prompts(name).await.map_err(mcp_error)?;
    out.line(format!("prompts ({}):", prompts.len()));
    for p in &prompts {
        out.line(format!(
            "  {}  {}",
            p.name,
            first_line(p.description.as_deref().unwrap_or(""))
        ));
    }
    let mut payload = json!({
        "server": name,
        "start_ms": start_ms,
        "tools": tool_rows,
        "resources": resources.iter().map(|r| json!({"uri": r.uri, "name": r.name})).collect::<Vec<_>>(),
        "prompts": prompts.iter().map(|p| json!({"name": p.name, "description": p.description})).collect::<Vec<_>>(),
    });
    let mut code = status::OK;
    if let Some(uri) = &args.read {
        let text = hub.read_resource(name, uri).await.map_err(mcp_error)?;
        out.line(format!("resource {uri}:\n{text}"));
        payload["resource"] = json!({"uri": uri, "text": text});
    }
    if let Some(call) = &args.call {
        let full = if call.starts_with(TOOL_PREFIX) {
            call.clone()
        } else {
            tool_name(name, call)
        };
        let Some(tool) = tools.iter().find(|t| t.spec().name == full) else {
            return Err(CliError::new(
                "not_found",
                format!("{name} offers no tool named {call:?}"),
                Some("the list above shows its tools"),
                status::NOT_FOUND,
            ));
        };
        let call_args: serde_json::Value = serde_json::from_str(&args.args).map_err(|e| {
            CliError::new(
                "usage",
                format!("--args is not JSON: {e}"),
                Some("give a JSON object, such as '{\"message\": \"hi\"}'"),
                status::USAGE,
            )
        })?;
        tool.check(&call_args).map_err(|e| {
            CliError::new(
                "usage",
                format!("the arguments do not match {full}'s schema: {e}"),
                None,
                status::USAGE,
            )
        })?;
        let mut ctx = ToolContext::new(hub_root());
        let quiet = out.is_json();
        let sink: OutputSink = Arc::new(move |_, chunk: &str| {
            if !quiet {
                eprint!("{chunk}");
            }
        });
        ctx.output = Some(sink);
        let mut times = Vec::new();
        let mut result = None;
        for _ in 0..args.repeat.max(1) {
            let begun = Instant::now();
            let r = tool.clone().call(call_args.clone(), ctx.clone()).await;
            times.push(begun.elapsed().as_secs_f64() * 1000.0);
            let failed = r.status != ToolStatus::Ok;
            result = Some(r);
            if failed {
                break;
            }
        }
        let Some(result) = result else {
            return Err(CliError::new(
                "internal",
                "no call was made",
                None,
                status::INTERNAL,
            ));
        };
        let call_ms = times.last().copied().unwrap_or_default() as u64;
        if times.len() > 1 {
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            out.line(format!(
                "{} calls: p50 {:.2} ms, p95 {:.2} ms",
                sorted.len(),
                at(0.5),
                at(0.95)
            ));
            payload["latency_ms"] = json!({"calls": sorted.len(), "p50": at(0.5), "p95": at(0.95)});
        }
        let ok = result.status == ToolStatus::Ok;
        out.line(format!(
            "{} {full} in {call_ms} ms:\n{}",
            if ok {
                Output::styled(style::OK, "✓")
            } else {
                Output::styled(style::BAD, "✗")
            },
            result.to_model_text()
        ));
        payload["call"] = json!({"tool": full, "ms": call_ms, "result": result});
        if !ok {
            code = status::RUN_FAILED;
        }
    }
    Ok((payload, code))
}

fn hub_root() -> std::path::PathBuf {
    std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
