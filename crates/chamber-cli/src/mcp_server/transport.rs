//! How the MCP server is reached: stdio for a client that starts
//! `chamber mcp serve` itself, and stateless Streamable HTTP at `/mcp`.

use std::sync::Arc;

use axum::Router;
use chamber_server::AppState;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::ChamberMcp;

/// Serves `mcp` on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(mcp: ChamberMcp) -> Result<(), String> {
    let running = mcp
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("the MCP client's initialize failed: {e}"))?;
    running
        .waiting()
        .await
        .map(|_| ())
        .map_err(|e| format!("the MCP server stopped: {e}"))
}

/// The `/mcp` route: stateless Streamable HTTP (each request stands alone,
/// so any replica can answer it), for [`chamber_server::router_with`],
/// which puts it behind the bearer tokens.
///
/// The SDK's DNS-rebinding guard only lets `localhost` and loopback
/// addresses through as the `Host`; with bearer tokens on, a page in a
/// browser cannot call in anyway, so any host is accepted and `/mcp` works
/// from other machines.
pub fn http_routes(mcp: ChamberMcp, auth: bool) -> Router<AppState> {
    let mut config = StreamableHttpServerConfig::default().with_legacy_session_mode(false);
    if auth {
        config = config.disable_allowed_hosts();
    }
    let service = StreamableHttpService::new(
        move || Ok(mcp.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new().nest_service("/mcp", service)
}
