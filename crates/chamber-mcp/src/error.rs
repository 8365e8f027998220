//! What can go wrong talking to an MCP server, in words a user can act on.

/// An MCP failure, naming the server.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The server's settings cannot be used.
    #[error("MCP server {server}: {message}")]
    Config {
        /// The server's name.
        server: String,
        /// What is wrong and what to change.
        message: String,
    },
    /// The server did not start or did not complete `initialize`.
    #[error("MCP server {server} did not start: {message}")]
    Start {
        /// The server's name.
        server: String,
        /// Why.
        message: String,
    },
    /// The server failed recently and is not tried again before its backoff ends.
    #[error("MCP server {server} is down ({reason}); the next try is in {retry_in_secs} s")]
    Backoff {
        /// The server's name.
        server: String,
        /// The last failure.
        reason: String,
        /// Seconds until the next start attempt.
        retry_in_secs: u64,
    },
    /// A request to a running server failed.
    #[error("MCP server {server}: {what} failed: {message}")]
    Request {
        /// The server's name.
        server: String,
        /// The request (`tools/list`, `resources/read`, …).
        what: String,
        /// The server's or the transport's error.
        message: String,
    },
    /// No server of that name is configured (or it is disabled).
    #[error("no MCP server named {0:?} is configured and enabled (see `chamber mcp list`)")]
    Unknown(String),
}
