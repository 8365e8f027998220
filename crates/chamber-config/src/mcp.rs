//! `[mcp]`: the MCP servers whose tools runs may use, each started lazily
//! and on its own timeout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every configured MCP server, by name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct McpConfig {
    /// Milliseconds the first model request waits for servers still
    /// starting; a server not ready by then joins at the next step, so one
    /// slow server never holds a run up for longer than this.
    pub startup_grace_ms: u64,
    /// The servers, by name (`[mcp.servers.NAME]`).
    pub servers: BTreeMap<String, McpServerConfig>,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            startup_grace_ms: 3000,
            servers: BTreeMap::new(),
        }
    }
}

/// One MCP server: a command speaking stdio, or a Streamable HTTP URL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct McpServerConfig {
    /// Program to start (stdio servers).
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables for the program.
    pub env: BTreeMap<String, String>,
    /// Variables of Chamber's own environment passed on although their
    /// names look secret (KEY, TOKEN, SECRET, PASSWORD): exact names, or a
    /// prefix ending in `*`. Others of that kind are removed, as for `shell`.
    pub env_allow: Vec<String>,
    /// Directory the program starts in (relative to the project root);
    /// empty: the project root.
    pub cwd: String,
    /// Streamable HTTP endpoint (HTTP servers).
    pub url: String,
    /// Extra HTTP headers sent with every request.
    pub headers: BTreeMap<String, String>,
    /// Environment variable holding a bearer token for `Authorization`.
    pub bearer_token_env: String,
    /// Whether runs use this server.
    pub enabled: bool,
    /// Seconds the server has to start and answer `initialize`.
    pub startup_timeout_secs: u64,
    /// Seconds one tool call may take before the model is told it timed out.
    pub tool_timeout_secs: u64,
    /// Only these tools are offered (empty: all).
    pub allow_tools: Vec<String>,
    /// These tools are never offered nor run.
    pub deny_tools: Vec<String>,
    /// Tools trusted not to change the workspace: they run without a
    /// checkpoint or an approval, like `read_file`.
    pub read_only_tools: Vec<String>,
}

impl Default for McpServerConfig {
    fn default() -> Self {
        Self {
            command: String::new(),
            args: Vec::new(),
            env: BTreeMap::new(),
            env_allow: Vec::new(),
            cwd: String::new(),
            url: String::new(),
            headers: BTreeMap::new(),
            bearer_token_env: String::new(),
            enabled: true,
            startup_timeout_secs: 30,
            tool_timeout_secs: 120,
            allow_tools: Vec::new(),
            deny_tools: Vec::new(),
            read_only_tools: Vec::new(),
        }
    }
}

impl McpServerConfig {
    /// Whether the server is reached over Streamable HTTP (else stdio).
    pub fn is_http(&self) -> bool {
        !self.url.is_empty()
    }

    /// Whether the tool called `tool` (the server's own name) is offered.
    pub fn offers(&self, tool: &str) -> bool {
        (self.allow_tools.is_empty() || self.allow_tools.iter().any(|t| t == tool))
            && !self.deny_tools.iter().any(|t| t == tool)
    }
}

impl McpConfig {
    /// Checks each server names exactly one transport and a usable name.
    pub fn check(&self) -> Result<(), String> {
        for (name, server) in &self.servers {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || name.contains("__")
                || name.starts_with('_')
                || name.ends_with('_')
            {
                return Err(format!(
                    "mcp.servers.{name:?}: a server name uses letters, digits, '-' and single '_' not at either end (it becomes part of tool names: mcp__{name}__tool)"
                ));
            }
            match (server.command.is_empty(), server.url.is_empty()) {
                (true, true) => {
                    return Err(format!(
                        "mcp.servers.{name}: set `command` (a stdio server) or `url` (a Streamable HTTP server)"
                    ));
                }
                (false, false) => {
                    return Err(format!(
                        "mcp.servers.{name}: set either `command` or `url`, not both"
                    ));
                }
                _ => {}
            }
            if server.is_http()
                && !(server.url.starts_with("http://") || server.url.starts_with("https://"))
            {
                return Err(format!(
                    "mcp.servers.{name}.url = {:?}: expected an http:// or https:// URL",
                    server.url
                ));
            }
            if server.startup_timeout_secs == 0 || server.tool_timeout_secs == 0 {
                return Err(format!(
                    "mcp.servers.{name}: startup_timeout_secs and tool_timeout_secs must be at least 1"
                ));
            }
        }
        Ok(())
    }
}
