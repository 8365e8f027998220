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

/// The store answers, every migration this build knows is applied, and
/// the workers asked for are running.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let migrations = state.store.migrations_applied().await;
    let store_ok = matches!(migrations, Ok((_, true)));
    let workers = state.workers_ready();
    let ready = store_ok && workers;
    let body = ok(
        "readyz",
        serde_json::json!({
            "ready": ready,
            "store": if migrations.is_ok() { "ok" } else { "failing" },
            "database": if state.store.is_postgres() { "postgresql" } else { "sqlite" },
            "migrations": match &migrations {
                Ok((n, true)) => format!("applied ({n})"),
                Ok((n, false)) => format!("incomplete ({n} applied)"),
                Err(_) => "unknown".into(),
            },
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
            "the store does not answer or its migrations are incomplete".into()
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
