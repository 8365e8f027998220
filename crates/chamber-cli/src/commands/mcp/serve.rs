//! `chamber mcp serve`: Chamber's tools for other agents, over stdio or
//! stateless Streamable HTTP, with workers in the same process to run the
//! tasks they start.

use std::net::SocketAddr;
use std::sync::Arc;

use chamber_server::{AppState, Caller, ServerSettings, WorkerOptions, run_workers};
use chamber_store::TokenScope;
use serde_json::json;
use tokio::sync::watch;

use crate::cli_mcp::McpServeArgs;
use crate::exit::{CliError, status};
use crate::mcp_server::{ChamberMcp, http_routes, serve_stdio};
use crate::output::Output;
use crate::setup::Setup;

fn failed(message: String) -> CliError {
    CliError::new("mcp_serve_failed", message, None, status::INTERNAL)
}

/// Serves until stdin closes (stdio) or the process is stopped (HTTP).
pub async fn serve(
    setup: &Setup,
    args: McpServeArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let cfg = &setup.loaded.config.server;
    let mut settings = ServerSettings::from_config(cfg);
    if settings.repo_roots.is_empty() {
        settings.repo_roots.push(setup.root.clone());
    }
    let auth = args.http.is_some() && cfg.auth && !args.no_auth;
    settings.auth = auth;
    let workers = cfg.workers.max(1) as usize;
    let queues = settings.queues.clone();
    let state = AppState::new(setup.store().await?, settings, workers);
    let (stop_tx, stop) = watch::channel(false);
    let worker_task = tokio::spawn(run_workers(
        state.clone(),
        WorkerOptions::from_config(workers, queues, cfg),
        stop,
    ));
    let shared = Arc::new(setup.clone());
    let served = match &args.http {
        None => {
            // The person who started the server over stdio is the caller.
            let local = Caller {
                name: "mcp-stdio".into(),
                scope: TokenScope::Admin,
            };
            let mcp = ChamberMcp::new(shared, state.clone(), Some(local));
            serve_stdio(mcp)
                .await
                .map(|_| json!({"transport": "stdio"}))
        }
        Some(listen) => serve_http(shared, state.clone(), listen, auth, out).await,
    };
    let _ = stop_tx.send(true);
    let _ = worker_task.await;
    served.map_err(failed)
}

async fn serve_http(
    setup: Arc<Setup>,
    state: AppState,
    listen: &str,
    auth: bool,
    out: &Output,
) -> Result<serde_json::Value, String> {
    let addr: SocketAddr = listen.parse().map_err(|e| {
        format!("--http {listen}: {e} (give an address with a port, such as 127.0.0.1:7778)")
    })?;
    chamber_server::check_bind(addr, auth).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    // The address first, on its own line: scripts (and tests) read it.
    out.line(format!("chamber mcp: listening on http://{local}/mcp"));
    if out.is_json() {
        println!("{}", json!({"listening": format!("http://{local}/mcp")}));
    }
    let mcp = ChamberMcp::new(setup, state.clone(), None);
    let app = chamber_server::router_with(state, Some(http_routes(mcp, auth)));
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    chamber_server::serve_app(listener, app, stop)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({"transport": "http", "listen": local.to_string()}))
}
