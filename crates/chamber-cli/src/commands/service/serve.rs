//! `chamber serve` (the HTTP API with embedded workers) and `chamber
//! worker` (workers alone, on the same database).

use std::net::SocketAddr;

use chamber_server::{AppState, ServerSettings, WorkerOptions, run_workers};
use serde_json::json;
use tokio::sync::watch;

use crate::cli_service::{ServeArgs, WorkerArgs};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

fn io_error(what: String) -> impl FnOnce(std::io::Error) -> CliError {
    move |e| CliError::new("io_failed", format!("{what}: {e}"), None, status::INTERNAL)
}

/// Turns SIGTERM or Ctrl-C into `true` on the channel.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = term => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let _ = tx.send(true);
    });
    rx
}

/// Runs the API until SIGTERM or Ctrl-C.
pub async fn serve(
    setup: &Setup,
    args: ServeArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let cfg = &setup.loaded.config.server;
    let listen = args.listen.unwrap_or_else(|| cfg.listen.clone());
    let addr: SocketAddr = listen.parse().map_err(|e| {
        CliError::new(
            "bad_flag",
            format!("--listen {listen}: {e}"),
            Some("give an address with a port, such as 127.0.0.1:7777"),
            status::CONFIG,
        )
    })?;
    let auth = cfg.auth && !args.no_auth;
    chamber_server::check_cors(&cfg.cors_origins).map_err(|e| {
        CliError::new(
            "config_invalid",
            e.to_string(),
            Some("fix [server] cors_origins in your config (or CHAMBER_SERVER__CORS_ORIGINS)"),
            status::CONFIG,
        )
    })?;
    chamber_server::check_bind(addr, auth).map_err(|e| {
        CliError::new(
            "refused",
            e.to_string(),
            Some("listen on 127.0.0.1, or keep auth on and create tokens with `chamber token create`"),
            status::CONFIG,
        )
    })?;
    let mut settings = ServerSettings::from_config(cfg);
    settings.auth = auth;
    if !args.repo_roots.is_empty() {
        settings.repo_roots = Vec::new();
        for root in &args.repo_roots {
            let canonical = root
                .canonicalize()
                .map_err(io_error(format!("--repo-root {}", root.display())))?;
            settings.repo_roots.push(canonical);
        }
    } else if settings.repo_roots.is_empty() {
        settings.repo_roots.push(setup.root.clone());
    }
    let roots: Vec<String> = settings
        .repo_roots
        .iter()
        .map(|r| r.display().to_string())
        .collect();
    let workers = args.workers.unwrap_or(cfg.workers) as usize;
    let queues = settings.queues.clone();
    let state = AppState::new(
        setup.store_at(args.database_url.as_deref()).await?,
        settings,
        workers,
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(io_error(format!("cannot listen on {addr}")))?;
    let local = listener
        .local_addr()
        .map_err(io_error("cannot read the bound address".into()))?;
    // The address first, on its own line: scripts (and tests) read it.
    println!("chamber serve: listening on http://{local}");
    out.line(format!(
        "  auth {}, {workers} worker(s), repository roots: {}",
        if auth { "on" } else { "off" },
        roots.join(", ")
    ));
    let shutdown = shutdown_signal();
    let worker_task = (workers > 0).then(|| {
        tokio::spawn(run_workers(
            state.clone(),
            WorkerOptions::from_config(workers, queues, cfg),
            shutdown.clone(),
        ))
    });
    let mut http_stop = shutdown.clone();
    // The MCP endpoint at /mcp, behind the same tokens.
    let mcp =
        crate::mcp_server::ChamberMcp::new(std::sync::Arc::new(setup.clone()), state.clone(), None);
    let app = chamber_server::router_with(state, Some(crate::mcp_server::http_routes(mcp, auth)));
    let server = chamber_server::serve_app(listener, app, async move {
        let _ = http_stop.wait_for(|v| *v).await;
    });
    // Open event streams would hold a graceful shutdown forever: after the
    // signal they get a few seconds, then the listener closes anyway.
    let mut grace = shutdown.clone();
    tokio::select! {
        served = server => served
            .map_err(|e| CliError::new("serve_failed", e.to_string(), None, status::INTERNAL))?,
        _ = async move {
            let _ = grace.wait_for(|v| *v).await;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        } => {}
    }
    if let Some(w) = worker_task {
        let _ = w.await;
    }
    Ok(json!({"listen": local.to_string(), "stopped": true}))
}

/// Runs workers until SIGTERM or Ctrl-C.
pub async fn worker(
    setup: &Setup,
    args: WorkerArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let cfg = &setup.loaded.config.server;
    let settings = ServerSettings::from_config(cfg);
    let queues = if args.queues.is_empty() {
        settings.queues.clone()
    } else {
        args.queues
    };
    let concurrency = args.concurrency.max(1) as usize;
    let state = AppState::new(
        setup.store_at(args.database_url.as_deref()).await?,
        settings,
        concurrency,
    );
    let opts = WorkerOptions::from_config(concurrency, queues.clone(), cfg);
    out.line(format!(
        "chamber worker {}: {concurrency} slot(s) on queues {}",
        opts.name,
        queues.join(", ")
    ));
    run_workers(state, opts, shutdown_signal()).await;
    Ok(json!({"stopped": true}))
}
