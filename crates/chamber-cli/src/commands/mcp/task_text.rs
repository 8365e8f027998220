//! A task's text with MCP in it: a server's prompt as the template, and
//! server resources as context (`run`/`plan --mcp-prompt/--mcp-resource`).

use chamber_mcp::McpHub;

use crate::cli::TaskArgs;
use crate::exit::{CliError, status};
use crate::setup::Setup;

fn usage(message: String, hint: &str) -> CliError {
    CliError::new("usage", message, Some(hint), status::USAGE)
}

fn split<'a>(value: &'a str, flag: &str) -> Result<(&'a str, &'a str), CliError> {
    value
        .split_once(':')
        .filter(|(s, r)| !s.is_empty() && !r.is_empty())
        .ok_or_else(|| {
            usage(
                format!("{flag} {value:?} is not SERVER:NAME"),
                "name the server as in `chamber mcp list`, then a colon",
            )
        })
}

fn mcp_failed(e: chamber_mcp::McpError) -> CliError {
    CliError::new(
        "mcp_failed",
        e.to_string(),
        Some("`chamber mcp test SERVER` shows what the server offers"),
        status::CONFIG,
    )
}

/// The task: the words given, after the MCP prompt's text when one is
/// named, followed by each MCP resource's text.
pub async fn task_text(setup: &Setup, args: &TaskArgs) -> Result<String, CliError> {
    let words = args.task.join(" ");
    if args.mcp_prompt.is_none() && args.mcp_resources.is_empty() {
        return Ok(words);
    }
    let (mcp, _) = setup.runnable_mcp(&setup.loaded.config);
    let hub = McpHub::new(&mcp, &setup.root);
    let mut parts = Vec::new();
    if let Some(prompt) = &args.mcp_prompt {
        let (server, name) = split(prompt, "--mcp-prompt")?;
        let mut arguments = serde_json::Map::new();
        for pair in &args.mcp_args {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                usage(
                    format!("--mcp-arg {pair:?} is not NAME=VALUE"),
                    "write it as NAME=VALUE",
                )
            })?;
            arguments.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
        let text = hub
            .prompt(server, name, arguments)
            .await
            .map_err(mcp_failed)?;
        parts.push(text);
    }
    if !words.trim().is_empty() {
        parts.push(words);
    }
    for resource in &args.mcp_resources {
        let (server, uri) = split(resource, "--mcp-resource")?;
        let text = hub.read_resource(server, uri).await.map_err(mcp_failed)?;
        parts.push(format!(
            "Context from the MCP resource {uri} (server {server}):\n{text}"
        ));
    }
    hub.stop_all().await;
    Ok(parts.join("\n\n"))
}
