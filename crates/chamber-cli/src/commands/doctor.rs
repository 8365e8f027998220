use chamber_agent::choose_provider;
use chamber_local::{
    check_build_tools, check_pip, default_threads, health, installed_runtime, read_record,
    resolve_model_file, running_server,
};
use serde::Serialize;
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;
use chamber_runtime::local_paths;

/// One line of the doctor's report.
#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    /// `ok`, `warn` or `fail`.
    state: &'static str,
    detail: String,
}

fn check(name: &'static str, state: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        state,
        detail: detail.into(),
    }
}

/// `chamber doctor`: which provider will be used and why, and whether the
/// local model can run (runtime, weights, server, threads, ports, tools).
/// Exits 6 when the chosen provider cannot work as things stand.
pub async fn doctor(setup: &Setup, out: &Output) -> Result<(serde_json::Value, i32), CliError> {
    let config = &setup.loaded.config;
    let choice = choose_provider(config, |k| std::env::var(k).ok());
    let paths = local_paths(setup);
    let mut checks = Vec::new();
    checks.push(check(
        "provider",
        "ok",
        format!(
            "{} · model {} — because {}",
            choice.provider, choice.model, choice.reason
        ),
    ));
    checks.push(check(
        "tool calls",
        "ok",
        format!("{} mode", choice.tool_mode),
    ));
    if !choice.local {
        checks.push(check(
            "api key",
            if choice.api_key_present { "ok" } else { "warn" },
            format!(
                "{} {}",
                choice.api_key_env,
                if choice.api_key_present {
                    "is set"
                } else {
                    "is not set"
                }
            ),
        ));
        checks.push(check(
            "endpoint",
            "ok",
            format!("{} (from {})", choice.base_url, choice.base_url_source),
        ));
    }
    let local_needed = choice.local;
    let need = |ok: bool| {
        if ok {
            "ok"
        } else if local_needed {
            "fail"
        } else {
            "warn"
        }
    };
    let runtime = installed_runtime(&paths);
    checks.push(check(
        "runtime",
        need(runtime.is_some()),
        match &runtime {
            Some(r) => format!(
                "llama-server {} at {}",
                r.version,
                paths.server_binary().display()
            ),
            None => "llama-server not built: `chamber model install`".into(),
        },
    ));
    let local_model = if choice.local {
        choice.model.clone()
    } else {
        config.local.model.clone()
    };
    let weights = resolve_model_file(&paths, &local_model);
    checks.push(check(
        "weights",
        need(weights.is_ok()),
        match &weights {
            Ok(p) => {
                let verified = read_record(&paths.model_record(&local_model), p).is_some();
                format!(
                    "{local_model}: {}{}",
                    p.display(),
                    if verified { " (sha256 verified)" } else { "" }
                )
            }
            Err(e) => format!("{local_model}: {e}; {}", e.hint()),
        },
    ));
    match running_server(&paths, &local_model) {
        Some(st) => {
            let healthy = health(st.port).await;
            checks.push(check(
                "server",
                if healthy { "ok" } else { "warn" },
                format!(
                    "{} on port {} (supervisor pid {}), health {}",
                    st.model,
                    st.port,
                    st.pid,
                    if healthy { "ok" } else { "not ok" }
                ),
            ));
        }
        None => checks.push(check("server", "ok", "not running; started on demand")),
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let threads = if config.local.threads > 0 {
        config.local.threads
    } else {
        default_threads()
    };
    checks.push(check(
        "threads",
        "ok",
        format!(
            "{threads} of {cores} cores{} · context {} tokens",
            if config.local.threads > 0 {
                " (local.threads)"
            } else {
                " (automatic)"
            },
            config.local.context
        ),
    ));
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
    checks.push(check(
        "ports",
        if port.is_ok() { "ok" } else { "fail" },
        match port {
            Ok(a) => format!("loopback ports can be bound (e.g. {})", a.port()),
            Err(e) => format!("cannot bind a loopback port: {e}"),
        },
    ));
    match check_pip(&config.local.python) {
        Ok(v) => checks.push(check("pip", "ok", v)),
        Err(e) => checks.push(check(
            "pip",
            if runtime.is_some() && weights.is_ok() {
                "warn"
            } else {
                need(false)
            },
            format!("{e}; {}", e.hint()),
        )),
    }
    if runtime.is_none() {
        match check_build_tools() {
            Ok(()) => checks.push(check("compilers", "ok", "cc, c++ and make found")),
            Err(e) => checks.push(check(
                "compilers",
                need(false),
                format!("{e}; {}", e.hint()),
            )),
        }
    }
    let writable = std::fs::create_dir_all(&setup.dirs.data)
        .and_then(|_| tempfile::NamedTempFile::new_in(&setup.dirs.data).map(|_| ()));
    checks.push(check(
        "data dir",
        if writable.is_ok() { "ok" } else { "fail" },
        format!(
            "{}{}",
            setup.dirs.data.display(),
            writable.err().map(|e| format!(": {e}")).unwrap_or_default()
        ),
    ));
    checks.push(match chamber_tools::adapters::container_engine() {
        Ok(engine) if config.adapters.containers => check(
            "containers",
            "ok",
            format!("{engine}: docker_build, docker_run and docker_ps are offered"),
        ),
        Ok(engine) => check(
            "containers",
            "skip",
            format!("{engine}, but [adapters] containers = false"),
        ),
        Err(why) => check(
            "containers",
            "skip",
            format!("container tools are not offered: {why}"),
        ),
    });
    let providers = super::doctor_providers::provider_reports(config, &choice).await;
    out.line(Output::styled(style::HEAD, "Chamber doctor"));
    let mark = |state: &str| match state {
        "ok" => Output::styled(style::OK, "ok  "),
        "warn" => Output::styled(style::WARN, "warn"),
        "skip" => Output::styled(style::DIM, "-   "),
        _ => Output::styled(style::BAD, "FAIL"),
    };
    for c in &checks {
        out.line(format!("{} {:<11} {}", mark(c.state), c.name, c.detail));
    }
    out.line(Output::styled(style::HEAD, "Providers"));
    for p in &providers {
        out.line(format!("{} {:<17} {}", mark(p.state), p.name, p.detail));
    }
    let (sandbox_lines, sandbox_report) = super::sandbox::doctor_checks(config);
    out.line(Output::styled(style::HEAD, "Sandbox"));
    for (name, state, detail) in &sandbox_lines {
        out.line(format!("{} {:<11} {}", mark(state), name, detail));
    }
    let mcp = super::mcp::health::doctor_lines(setup).await;
    if !mcp.is_empty() {
        out.line(Output::styled(style::HEAD, "MCP servers"));
        for (name, state, detail) in &mcp {
            out.line(format!("{} {:<11} {}", mark(state), name, detail));
        }
    }
    let mcp_report: Vec<serde_json::Value> = mcp
        .iter()
        .map(|(name, state, detail)| json!({"name": name, "state": state, "detail": detail}))
        .collect();
    // A failing MCP server is reported, but the provider can still work:
    // runs go on without its tools.
    let failed =
        checks.iter().any(|c| c.state == "fail") || providers.iter().any(|p| p.state == "fail");
    let code = if failed { status::PROVIDER } else { status::OK };
    Ok((
        json!({"provider": choice, "checks": checks, "providers": providers, "sandbox": sandbox_report, "mcp": mcp_report, "healthy": !failed}),
        code,
    ))
}
