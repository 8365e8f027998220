use chamber_agent::reconcile_interrupted;
use serde_json::json;

use crate::exit::CliError;
use crate::output::{Output, style};
use crate::render::run_row;
use crate::setup::Setup;

/// `chamber status`: provider and model, config files in effect, recent runs.
pub async fn status(setup: &Setup, out: &Output) -> Result<serde_json::Value, CliError> {
    let choice = setup.provider_choice()?;
    let store = setup.store().await?;
    let mut runs = store
        .list_project_runs(&setup.root.display().to_string(), 5)
        .await?;
    for r in &mut runs {
        reconcile_interrupted(&store, r).await?;
    }
    out.line(Output::styled(style::HEAD, "Chamber status"));
    out.line(format!("project:   {}", setup.root.display()));
    out.line(format!(
        "provider:  {} · model {}",
        choice.provider, choice.model
    ));
    out.line(format!("because:   {}", choice.reason));
    out.line(format!(
        "endpoint:  {} (from {})",
        if choice.base_url.is_empty() {
            "-"
        } else {
            &choice.base_url
        },
        choice.base_url_source
    ));
    out.line(format!(
        "api key:   {} ({})",
        if choice.api_key_present {
            "set"
        } else {
            "not set"
        },
        choice.api_key_env
    ));
    let local_server = if choice.local {
        let server =
            chamber_local::running_server(&chamber_runtime::local_paths(setup), &choice.model);
        out.line(format!(
            "server:    {}",
            match &server {
                Some(s) => format!("running at {} (pid {})", s.base_url(), s.server_pid),
                None =>
                    "not running (started on demand; `chamber doctor` checks the install)".into(),
            }
        ));
        server
    } else {
        None
    };
    let config = &setup.loaded.config;
    let env = |k: &str| std::env::var(k).ok();
    let routes = chamber_agent::plan_routes(config, &choice, &env).ok();
    if let Some(r) = &routes {
        let chain = |v: &[chamber_agent::ProviderChoice]| {
            v.iter().map(|c| c.label()).collect::<Vec<_>>().join(" → ")
        };
        out.line(format!("planning:  {}", chain(&r.strategic)));
        out.line(format!("acting:    {}", chain(&r.tactical)));
    }
    let budget = crate::setup::budget_of(config);
    if budget.is_limited() {
        out.line(format!(
            "budget:    {}",
            [
                budget.cost_usd.map(|c| format!("${c}")),
                budget.time.map(|t| format!("{}s", t.as_secs())),
                budget.tokens.map(|t| format!("{t} tokens")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
        ));
    }
    out.line(format!("data dir:  {}", setup.dirs.data.display()));
    out.line("config files in effect:");
    for l in &setup.loaded.layers {
        match &l.path {
            Some(p) => out.line(format!("  {:<8} {}", l.layer, p.display())),
            None => out.line(format!("  {}", l.layer)),
        }
    }
    let mcp = super::mcp::health::status_rows(setup, &store, &runs).await;
    if !mcp.is_empty() {
        out.line("MCP servers (as the latest run saw them):");
        for m in &mcp {
            out.line(format!(
                "  {:<16} {} {}",
                m["name"].as_str().unwrap_or_default(),
                m["state"].as_str().unwrap_or_default(),
                m["detail"].as_str().unwrap_or_default()
            ));
        }
    }
    out.line("recent runs here:");
    if runs.is_empty() {
        out.line("  (none)");
    }
    for r in &runs {
        out.line(format!("  {}", run_row(r)));
    }
    Ok(json!({
        "project": setup.root.display().to_string(),
        "provider": choice,
        "local_server": local_server,
        "routes": routes.map(|r| json!({
            "strategic": r.strategic.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "tactical": r.tactical.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "fallback_on": r.fall_on.iter().map(|k| k.code()).collect::<Vec<_>>(),
            "escalate_after": r.escalate_after,
        })),
        "data_dir": setup.dirs.data.display().to_string(),
        "config_layers": setup.loaded.layers,
        "recent_runs": runs,
        "mcp_servers": mcp,
    }))
}
