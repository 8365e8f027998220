//! Opening one MCP session: a child process speaking stdio, or a
//! Streamable HTTP endpoint, with Chamber's client handler on our side.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;

use chamber_config::McpServerConfig;
use rmcp::RoleClient;
use rmcp::ServiceExt;
use rmcp::service::RunningService;
use rmcp::transport::{
    ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess,
    streamable_http_client::StreamableHttpClientTransportConfig,
};

use crate::error::McpError;
use crate::progress::ProgressRelay;

/// A live session with one server.
pub type Session = RunningService<RoleClient, ProgressRelay>;

/// Starts the server (or opens the HTTP session) and completes the
/// `initialize` handshake. Time limits are the caller's.
pub async fn open(
    name: &str,
    config: &McpServerConfig,
    project: &Path,
    relay: ProgressRelay,
) -> Result<Session, McpError> {
    if config.is_http() {
        open_http(name, config, relay).await
    } else {
        open_stdio(name, config, project, relay).await
    }
}

async fn open_stdio(
    name: &str,
    config: &McpServerConfig,
    project: &Path,
    relay: ProgressRelay,
) -> Result<Session, McpError> {
    let cwd = if config.cwd.is_empty() {
        project.to_path_buf()
    } else {
        project.join(&config.cwd)
    };
    let command = tokio::process::Command::new(&config.command).configure(|cmd| {
        // Like `shell`, a server never sees Chamber's credentials (API keys,
        // tokens) unless they are allowed by name or set for it in `env`.
        chamber_tools::sandbox::scrub(cmd, &config.env_allow);
        cmd.args(&config.args)
            .envs(&config.env)
            .current_dir(&cwd)
            .kill_on_drop(true);
    });
    // Servers write logs to stderr; left on ours they would scribble over
    // the terminal, so they are dropped.
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| McpError::Start {
            server: name.to_string(),
            message: format!("could not start `{}`: {e}", config.command),
        })?;
    relay.serve(transport).await.map_err(|e| McpError::Start {
        server: name.to_string(),
        message: format!("the initialize handshake failed: {e}"),
    })
}

async fn open_http(
    name: &str,
    config: &McpServerConfig,
    relay: ProgressRelay,
) -> Result<Session, McpError> {
    let mut headers = HashMap::new();
    for (key, value) in &config.headers {
        let header = reqwest::header::HeaderName::from_bytes(key.as_bytes()).map_err(|e| {
            McpError::Config {
                server: name.to_string(),
                message: format!("header name {key:?}: {e}"),
            }
        })?;
        let value =
            reqwest::header::HeaderValue::from_str(value).map_err(|e| McpError::Config {
                server: name.to_string(),
                message: format!("header {key}: {e}"),
            })?;
        headers.insert(header, value);
    }
    let mut transport_config =
        StreamableHttpClientTransportConfig::with_uri(config.url.as_str()).custom_headers(headers);
    if !config.bearer_token_env.is_empty() {
        let token = std::env::var(&config.bearer_token_env).map_err(|_| McpError::Config {
            server: name.to_string(),
            message: format!(
                "bearer_token_env names {}, which is not set in the environment",
                config.bearer_token_env
            ),
        })?;
        transport_config = transport_config.auth_header(token);
    }
    let transport = StreamableHttpClientTransport::from_config(transport_config);
    relay.serve(transport).await.map_err(|e| McpError::Start {
        server: name.to_string(),
        message: format!("the initialize handshake with {} failed: {e}", config.url),
    })
}
