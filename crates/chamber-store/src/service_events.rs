//! The service's own log: requests the server refused under load (the
//! queue at its cap, a token over its rate limit) and calls to Chamber's
//! MCP server tools. These belong to no run,
//! so they are kept in their own table, in order, with a cursor for paging.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::ts;
use crate::runs::parse_ts;
use crate::{Store, StoreError};

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServiceEventKind {
    /// Requests were refused with 429 to shed load.
    Backpressure {
        /// `queue_full` or `rate_limit`.
        reason: String,
        /// The token (by name) whose requests were refused.
        token: String,
        /// The refusal's message.
        detail: String,
        /// The `Retry-After` the client was given, in seconds.
        retry_after_secs: u64,
        /// Refusals this event stands for: the first after a quiet spell,
        /// plus those not recorded one by one since the last event of the
        /// same reason and token.
        refused: u64,
    },
    /// A tool of Chamber's MCP server was called.
    McpCall {
        /// Who called: the token's name over HTTP, and the client's own
        /// name (`claude-code`, `codex`, …) as it introduced itself.
        client: String,
        /// The tool.
        tool: String,
        /// Whether it succeeded.
        ok: bool,
        /// What it did or why it failed (a task id, a refusal).
        detail: String,
        /// How long it took, in milliseconds.
        ms: u64,
    },
}

impl ServiceEventKind {
    /// The `type` tag.
    pub fn type_name(&self) -> &'static str {
        match self {
            ServiceEventKind::Backpressure { .. } => "backpressure",
            ServiceEventKind::McpCall { .. } => "mcp_call",
        }
    }
}

/// One entry of the service's log.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServiceEvent {
    /// Position in the log (the paging cursor).
    pub id: i64,
    /// When it was recorded.
    pub ts: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: ServiceEventKind,
}

impl Store {
    /// Appends to the service's log; returns the new entry's id.
    pub async fn record_service_event(&self, kind: &ServiceEventKind) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO service_events (ts, type, body) VALUES ($1,$2,$3) RETURNING id",
        )
        .bind(ts(Utc::now()))
        .bind(kind.type_name())
        .bind(serde_json::to_string(kind)?)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("id")?)
    }

    /// Up to `limit` entries after the cursor `after` (from the start when
    /// `None`), oldest first.
    pub async fn service_events(
        &self,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ServiceEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, ts, body FROM service_events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.unwrap_or(0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ServiceEvent {
                    id: r.try_get("id")?,
                    ts: parse_ts(&r.try_get::<String, _>("ts")?),
                    kind: serde_json::from_str(&r.try_get::<String, _>("body")?)?,
                })
            })
            .collect()
    }
}
