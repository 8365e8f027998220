//! `[server]`: how `chamber serve` and `chamber worker` run the HTTP API
//! and the task queue.

use serde::{Deserialize, Serialize};

/// The service's settings; flags of `chamber serve` and `chamber worker`
/// override them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Another address than loopback needs auth.
    pub listen: String,
    /// Directories under which tasks may name repositories; empty means
    /// the project `chamber serve` was started in.
    pub repo_roots: Vec<String>,
    /// Workers inside the server process (0: only `chamber worker`s run tasks).
    pub workers: u32,
    /// Require bearer tokens (`chamber token create`).
    pub auth: bool,
    /// Most unfinished tasks; more submissions get 429 with `Retry-After`.
    pub queue_cap: u64,
    /// Largest request body in bytes.
    pub max_body_bytes: u64,
    /// Seconds a claimed task is held without a heartbeat before another
    /// worker rescues it.
    pub lease_secs: u64,
    /// Seconds an approval request waits before it expires.
    pub approval_timeout_secs: u64,
    /// Attempts a task gets before it is dead-lettered.
    pub max_attempts: u32,
    /// Requests per minute per token (0: unlimited).
    pub rate_limit_per_minute: u32,
    /// Queues the workers take tasks from.
    pub queues: Vec<String>,
    /// Most tasks running at once per queue, across every worker on the
    /// database (a queue not named here is unlimited; 0 pauses it).
    pub queue_limits: std::collections::BTreeMap<String, u32>,
    /// Browser origins allowed to call the API (`https://dash.example.com`,
    /// `http://localhost:5173`, or `*` for any); empty: no CORS headers,
    /// so browsers on other origins cannot call it.
    pub cors_origins: Vec<String>,
    /// URL prefixes of git remotes tasks may name instead of a local
    /// checkout (`https://github.com/acme/`, `file:///srv/git/`); empty:
    /// remote URLs are refused. Workers clone them into the data dir.
    pub allowed_remotes: Vec<String>,
    /// Push a remote task's branch back to its URL when the run commits.
    pub push_remote_branches: bool,
    /// Longest a clone, fetch or push of a remote task may take, in seconds.
    pub remote_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:7777".into(),
            repo_roots: Vec::new(),
            workers: 2,
            auth: true,
            queue_cap: 10_000,
            max_body_bytes: 1024 * 1024,
            lease_secs: 30,
            approval_timeout_secs: 3600,
            max_attempts: 3,
            rate_limit_per_minute: 600,
            queues: vec!["default".into()],
            queue_limits: std::collections::BTreeMap::new(),
            cors_origins: Vec::new(),
            allowed_remotes: Vec::new(),
            push_remote_branches: true,
            remote_timeout_secs: 300,
        }
    }
}
