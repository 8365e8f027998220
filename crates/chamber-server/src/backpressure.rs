//! Refusals under load (the queue at its cap, a token over its rate limit):
//! counted in the metrics, and recorded as `backpressure` entries in the
//! service's log (`GET /v1/service/events`). A flood of refused requests
//! must not become a flood of writes, so each reason and token gets at most
//! one entry per [`RECORD_EVERY`]; the next entry says how many refusals it
//! stands for.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chamber_store::{ServiceEventKind, TokenScope};
use serde::Deserialize;
use serde_json::json;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::envelope::ok;
use crate::query_params::ApiQuery;
use crate::state::AppState;

/// The shortest spell between two recorded entries for one reason and token.
pub const RECORD_EVERY: Duration = Duration::from_secs(10);

/// Refusals seen per (reason, token): when the last entry was recorded,
/// and how many refusals came since.
#[derive(Default)]
pub struct BackpressureLog {
    seen: Mutex<HashMap<(String, String), (Instant, u64)>>,
}

impl BackpressureLog {
    /// Counts one refusal; `Some(n)` when it should be recorded now,
    /// standing for `n` refusals.
    fn count(&self, reason: &str, token: &str) -> Option<u64> {
        let Ok(mut seen) = self.seen.lock() else {
            return Some(1);
        };
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, (at, _)| now.duration_since(*at) < RECORD_EVERY);
        }
        match seen.get_mut(&(reason.to_string(), token.to_string())) {
            Some((at, pending)) if now.duration_since(*at) < RECORD_EVERY => {
                *pending += 1;
                None
            }
            Some((at, pending)) => {
                let n = *pending + 1;
                *at = now;
                *pending = 0;
                Some(n)
            }
            None => {
                seen.insert((reason.to_string(), token.to_string()), (now, 0));
                Some(1)
            }
        }
    }
}

/// Counts a refusal in the metrics and, unless one was recorded for the
/// same reason and token within [`RECORD_EVERY`], records it in the
/// service's log. A failed write is logged; the refusal stands either way.
pub async fn refused(
    state: &AppState,
    reason: &str,
    token: &str,
    detail: &str,
    retry_after_secs: u64,
) {
    state.metrics.backpressure(reason);
    let Some(refused) = state.backpressure.count(reason, token) else {
        return;
    };
    let kind = ServiceEventKind::Backpressure {
        reason: reason.into(),
        token: token.into(),
        detail: detail.into(),
        retry_after_secs,
        refused,
    };
    if let Err(e) = state.store.record_service_event(&kind).await {
        tracing::warn!(error = %e, "cannot record a backpressure event");
    }
}

/// Query of `GET /v1/service/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEventsQuery {
    /// The `next_cursor` of the previous page (entries after it).
    pub cursor: Option<i64>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// `GET /v1/service/events`: the service's log, oldest first.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ServiceEventsQuery>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let events = state.store.service_events(q.cursor, limit).await?;
    let next = (events.len() == limit as usize)
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(ok(
        "service events",
        json!({"events": events, "next_cursor": next}),
    )
    .into_response())
}
