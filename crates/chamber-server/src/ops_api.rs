//! `/healthz`, `/readyz` and `/metrics`: for load balancers, orchestrators
//! and Prometheus. They need no token.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::envelope::ok;
use crate::state::AppState;

/// The process is alive.
pub async fn healthz() -> Response {
    ok("healthz", serde_json::json!({"status": "alive"})).into_response()
}

/// The store answers (its migrations ran when it opened) and the workers
/// asked for are running.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.store.queue_stats().await;
    let workers = state.workers_ready();
    let ready = store.is_ok() && workers;
    let body = ok(
        "readyz",
        serde_json::json!({
            "ready": ready,
            "store": store.as_ref().map(|_| "ok").unwrap_or_else(|_| "failing"),
            "migrations": if store.is_ok() { "applied" } else { "unknown" },
            "workers": {
                "running": state.workers_running.load(std::sync::atomic::Ordering::SeqCst),
                "wanted": state.workers_wanted,
            },
        }),
    );
    if ready {
        return (StatusCode::OK, body).into_response();
    }
    let mut failing = body;
    failing.0.ok = false;
    failing.0.error = Some(chamber_protocol::ErrorBody {
        code: "not_ready".into(),
        message: if workers {
            "the store does not answer".into()
        } else {
            "the workers are not running yet".into()
        },
        hint: None,
    });
    (StatusCode::SERVICE_UNAVAILABLE, failing).into_response()
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state.store).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => crate::api_error::ApiError::internal(e).into_response(),
    }
}
