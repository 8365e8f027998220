//! `chamber mcp`'s arguments: the MCP servers Chamber uses, and Chamber as
//! an MCP server for other agents.

use clap::{Args, Subcommand};

/// What `chamber mcp` does.
#[derive(Debug, Subcommand)]
pub enum McpAction {
    /// The configured MCP servers: transport, command or URL, and the file
    /// that defines each.
    List,
    /// Add (or replace) a server in the user config, or with --project in
    /// the project's `.chamber/config.toml`.
    Add(McpAddArgs),
    /// Remove a server from the file that defines it.
    Remove {
        /// The server's name.
        name: String,
        /// Remove it from the project file, not the user file.
        #[arg(long)]
        project: bool,
    },
    /// Start a server, list its tools, resources and prompts, and call one
    /// tool.
    Test(McpTestArgs),
    /// Trust the MCP servers this project's `.chamber/config.toml` defines,
    /// as they are now: until then runs do not start them.
    Trust,
    /// Serve Chamber's own tools to other agents over MCP: stdio by
    /// default, or stateless Streamable HTTP with --http.
    Serve(McpServeArgs),
}

impl McpAction {
    /// The subcommand's name in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            McpAction::List => "mcp list",
            McpAction::Add(_) => "mcp add",
            McpAction::Remove { .. } => "mcp remove",
            McpAction::Test(_) => "mcp test",
            McpAction::Trust => "mcp trust",
            McpAction::Serve(_) => "mcp serve",
        }
    }
}

/// `chamber mcp add`.
#[derive(Debug, Args)]
pub struct McpAddArgs {
    /// The server's name (letters, digits, '-' and '_'); its tools appear
    /// as `mcp__NAME__TOOL`.
    pub name: String,
    /// A Streamable HTTP endpoint instead of a command.
    #[arg(long, value_name = "URL", conflicts_with = "command")]
    pub url: Option<String>,
    /// Environment variable holding a bearer token for HTTP servers.
    #[arg(long, value_name = "VAR", requires = "url")]
    pub bearer_token_env: Option<String>,
    /// An HTTP header, `NAME=VALUE` (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", requires = "url")]
    pub headers: Vec<String>,
    /// An environment variable for the command, `NAME=VALUE` (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Directory the command starts in, relative to the project root.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Seconds the server has to start.
    #[arg(long, value_name = "SECS")]
    pub startup_timeout: Option<u64>,
    /// Seconds one tool call may take.
    #[arg(long, value_name = "SECS")]
    pub tool_timeout: Option<u64>,
    /// Offer only these tools (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub allow: Vec<String>,
    /// Never offer these tools (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub deny: Vec<String>,
    /// Tools trusted not to change anything (comma-separated): they run
    /// like `read_file`, without asking.
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub read_only: Vec<String>,
    /// Variables of Chamber's environment passed to the command although
    /// their names look secret (comma-separated; `PREFIX*` for a prefix).
    #[arg(long, value_delimiter = ',', value_name = "VARS")]
    pub env_allow: Vec<String>,
    /// Write to the project's `.chamber/config.toml`, not the user file.
    #[arg(long)]
    pub project: bool,
    /// Add it disabled.
    #[arg(long)]
    pub disabled: bool,
    /// The command and its arguments (after `--`), for stdio servers.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `chamber mcp test`.
#[derive(Debug, Args)]
pub struct McpTestArgs {
    /// The server's name.
    pub name: String,
    /// Call this tool (its own name, or `mcp__NAME__TOOL`).
    #[arg(long, value_name = "TOOL")]
    pub call: Option<String>,
    /// The call's arguments, a JSON object.
    #[arg(long, value_name = "JSON", default_value = "{}", requires = "call")]
    pub args: String,
    /// Read this resource and print it.
    #[arg(long, value_name = "URI")]
    pub read: Option<String>,
    /// Call the tool this many times on the same session and report the
    /// p50 and p95 latency (a benchmark).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "call")]
    pub repeat: u32,
}

/// `chamber mcp serve`.
#[derive(Debug, Args)]
pub struct McpServeArgs {
    /// Serve stateless Streamable HTTP on this address (such as
    /// 127.0.0.1:7778) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Serve HTTP without bearer tokens (only on a loopback address).
    #[arg(long, requires = "http")]
    pub no_auth: bool,
}
