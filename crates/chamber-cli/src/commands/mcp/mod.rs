//! `chamber mcp`: the MCP servers Chamber uses (list, add, remove, test),
//! and `serve`, Chamber's own tools for other agents.

mod config_file;
pub mod health;
mod serve;
mod task_text;
mod test_server;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chamber_config::McpServerConfig;
use serde_json::json;

pub use task_text::task_text;

use crate::cli_mcp::{McpAction, McpAddArgs};
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// Runs one `chamber mcp` action; the JSON payload and the exit status.
pub async fn mcp(
    setup: &Setup,
    action: McpAction,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    match action {
        McpAction::List => Ok((list(setup, out), status::OK)),
        McpAction::Add(args) => Ok((add(setup, args, out)?, status::OK)),
        McpAction::Remove { name, project } => {
            Ok((remove(setup, &name, project, out)?, status::OK))
        }
        McpAction::Test(args) => test_server::test(setup, args, out).await,
        McpAction::Trust => Ok((trust(setup, out)?, status::OK)),
        McpAction::Serve(args) => Ok((serve::serve(setup, args, out).await?, status::OK)),
    }
}

fn project_file(setup: &Setup) -> PathBuf {
    setup.root.join(".chamber/config.toml")
}

fn list(setup: &Setup, out: &Output) -> serde_json::Value {
    let loaded = &setup.loaded;
    let (_, untrusted) = setup.runnable_mcp(&loaded.config);
    let mut rows = Vec::new();
    for (name, s) in &loaded.config.mcp.servers {
        let prefix = format!("mcp.servers.{name}.");
        let source = loaded
            .origins
            .iter()
            .find(|(k, _)| k.starts_with(&prefix))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "merged configuration".into());
        let target = if s.is_http() {
            s.url.clone()
        } else {
            std::iter::once(s.command.clone())
                .chain(s.args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.line(format!(
            "{} {name:<16} {:<5} {target}  ({source}{})",
            if s.enabled {
                Output::styled(style::OK, "●")
            } else {
                Output::styled(style::DIM, "○")
            },
            if s.is_http() { "http" } else { "stdio" },
            if !s.enabled {
                ", disabled"
            } else if untrusted.contains(name) {
                ", not trusted yet: chamber mcp trust"
            } else {
                ""
            },
        ));
        rows.push(json!({
            "name": name,
            "transport": if s.is_http() { "http" } else { "stdio" },
            "command": s.command,
            "args": s.args,
            "url": s.url,
            "enabled": s.enabled,
            "startup_timeout_secs": s.startup_timeout_secs,
            "tool_timeout_secs": s.tool_timeout_secs,
            "allow_tools": s.allow_tools,
            "deny_tools": s.deny_tools,
            "source": source,
            "trusted": !untrusted.contains(name),
        }));
    }
    if rows.is_empty() {
        out.line("no MCP servers configured; add one with `chamber mcp add NAME -- COMMAND ARGS…`");
    }
    json!({ "servers": rows })
}

fn pairs(items: &[String], what: &str) -> Result<BTreeMap<String, String>, CliError> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    CliError::new(
                        "usage",
                        format!("{what} {item:?} is not NAME=VALUE"),
                        Some("write it as NAME=VALUE"),
                        status::USAGE,
                    )
                })
        })
        .collect()
}

fn add(setup: &Setup, args: McpAddArgs, out: &Output) -> Result<serde_json::Value, CliError> {
    let mut server = McpServerConfig::default();
    match (&args.url, args.command.split_first()) {
        (Some(url), _) => server.url = url.clone(),
        (None, Some((command, rest))) => {
            server.command = command.clone();
            server.args = rest.to_vec();
        }
        (None, None) => {
            return Err(CliError::new(
                "usage",
                "give the server's command after `--`, or --url",
                Some("chamber mcp add NAME -- npx -y @modelcontextprotocol/server-everything"),
                status::USAGE,
            ));
        }
    }
    server.env = pairs(&args.env, "--env")?;
    server.headers = pairs(&args.headers, "--header")?;
    server.bearer_token_env = args.bearer_token_env.unwrap_or_default();
    server.cwd = args.cwd.unwrap_or_default();
    server.enabled = !args.disabled;
    if let Some(secs) = args.startup_timeout {
        server.startup_timeout_secs = secs;
    }
    if let Some(secs) = args.tool_timeout {
        server.tool_timeout_secs = secs;
    }
    server.allow_tools = args.allow;
    server.deny_tools = args.deny;
    server.read_only_tools = args.read_only;
    server.env_allow = args.env_allow;
    let path = if args.project {
        project_file(setup)
    } else {
        setup.dirs.user_config.clone()
    };
    let mut doc = config_file::read(&path)?;
    config_file::put(&mut doc, &args.name, &server)?;
    config_file::write(&path, &doc)?;
    if args.project {
        // The person added it: that is the trust the project's servers need.
        let fresh = Setup::resolve(&chamber_runtime::Overrides {
            dir: Some(setup.root.clone()),
            ..Default::default()
        })?;
        fresh.trust_project_mcp()?;
    }
    out.line(format!(
        "added MCP server {} to {}; `chamber mcp test {}` starts it and lists its tools",
        args.name,
        path.display(),
        args.name
    ));
    Ok(json!({ "name": args.name, "file": path.display().to_string() }))
}

fn trust(setup: &Setup, out: &Output) -> Result<serde_json::Value, CliError> {
    let names = setup.trust_project_mcp()?;
    if names.is_empty() {
        out.line("this project's .chamber/config.toml defines no MCP servers");
    } else {
        out.line(format!(
            "trusted this project's MCP servers as they are defined now: {}",
            names.join(", ")
        ));
    }
    Ok(json!({ "trusted": names }))
}

fn remove(
    setup: &Setup,
    name: &str,
    project: bool,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let candidates = if project {
        vec![project_file(setup)]
    } else {
        vec![setup.dirs.user_config.clone(), project_file(setup)]
    };
    for path in candidates {
        let mut doc = config_file::read(&path)?;
        if config_file::remove(&mut doc, name) {
            config_file::write(&path, &doc)?;
            out.line(format!("removed MCP server {name} from {}", path.display()));
            return Ok(json!({ "name": name, "file": path.display().to_string() }));
        }
    }
    Err(CliError::new(
        "not_found",
        format!("no MCP server named {name:?} in the user or project config"),
        Some("`chamber mcp list` shows the configured servers"),
        status::NOT_FOUND,
    ))
}
