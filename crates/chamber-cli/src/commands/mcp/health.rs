//! MCP servers in `chamber doctor` (started now, each on its own timeout)
//! and `chamber status` (as the latest run here last saw them).

use std::time::Duration;

use chamber_mcp::{McpHub, ServerPhase};
use chamber_protocol::EventKind;
use chamber_store::{RunRecord, Store};
use serde_json::{Value, json};

use crate::setup::Setup;

/// Each enabled server started in parallel: `(name, ok|fail, detail)`.
pub async fn doctor_lines(setup: &Setup) -> Vec<(String, &'static str, String)> {
    let (config, untrusted) = setup.runnable_mcp(&setup.loaded.config);
    let config = &config;
    let hub = McpHub::new(config, &setup.root);
    let mut skipped: Vec<(String, &'static str, String)> = untrusted
        .into_iter()
        .map(|name| {
            (
                name,
                "skip",
                "defined by this project and not trusted yet: `chamber mcp trust`".to_string(),
            )
        })
        .collect();
    if hub.is_empty() {
        return skipped;
    }
    hub.start_all();
    let longest = config
        .servers
        .values()
        .filter(|s| s.enabled)
        .map(|s| s.startup_timeout_secs)
        .max()
        .unwrap_or(30);
    hub.wait_started(Some(Duration::from_secs(longest + 1)))
        .await;
    let lines = hub
        .statuses()
        .into_iter()
        .map(|s| {
            let (state, detail) = match s.phase {
                ServerPhase::Ready => ("ok", format!("ready, {} tool(s)", s.tools)),
                ServerPhase::Failed => ("fail", s.detail),
                other => ("fail", format!("{}: {}", other.as_str(), s.detail)),
            };
            (s.server, state, detail)
        })
        .collect();
    hub.stop_all().await;
    let mut lines: Vec<(String, &'static str, String)> = lines;
    lines.append(&mut skipped);
    lines
}

/// The configured servers with the state the latest run that used MCP
/// recorded for each (`unknown` before any run).
pub async fn status_rows(setup: &Setup, store: &Store, runs: &[RunRecord]) -> Vec<Value> {
    let config = &setup.loaded.config.mcp;
    let mut seen: std::collections::BTreeMap<String, (String, String, usize, String)> =
        Default::default();
    for run in runs {
        let Ok(events) = store.events_of(&run.id, &["mcp_server"]).await else {
            continue;
        };
        for e in events {
            if let EventKind::McpServer {
                server,
                state,
                detail,
                tools,
            } = e.kind
            {
                seen.insert(server, (state, detail, tools, run.id.clone()));
            }
        }
        if !seen.is_empty() {
            break;
        }
    }
    config
        .servers
        .iter()
        .map(|(name, s)| match seen.get(name) {
            Some((state, detail, tools, run)) => json!({
                "name": name, "enabled": s.enabled, "state": state,
                "detail": detail, "tools": tools, "run_id": run,
            }),
            None => json!({
                "name": name, "enabled": s.enabled,
                "state": if s.enabled { "unknown" } else { "disabled" },
                "detail": "", "tools": 0, "run_id": null,
            }),
        })
        .collect()
}
