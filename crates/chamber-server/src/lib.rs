//! Chamber as a service: an HTTP API (`/v1`, JSON envelopes, SSE and
//! WebSocket event streams, durable approvals, tokens with scopes,
//! Prometheus metrics) over the durable task queue in `chamber-store`, and
//! the workers that run queued tasks through `chamber-runtime`.

mod api_error;
mod approvals_api;
mod auth;
mod backpressure;
mod durable_approver;
mod envelope;
mod event_feed;
mod event_hub;
mod events_api;
mod json_body;
mod metrics;
mod openapi;
mod ops_api;
mod phase_clock;
mod query_params;
mod remote_task;
mod runs_api;
mod state;
mod task_request;
mod task_run;
mod tasks_api;
mod worker;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use api_error::ApiError;
pub use auth::Caller;
pub use openapi::document as openapi_document;
pub use state::{AppState, ServerSettings, canonical_root};
pub use task_request::{Priority, SubmitTask, TaskConstraints};
pub use tasks_api::queue_task;
pub use worker::{WorkerOptions, run_workers};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Another address than loopback with auth off.
    #[error(
        "refusing to listen on {addr} with auth turned off: anyone who reaches it could run commands in your repositories"
    )]
    OpenWithoutAuth {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// A `[server] cors_origins` entry that is not an origin.
    #[error("[server] cors_origins: {origin:?} is not an origin (scheme://host[:port], or *)")]
    BadOrigin {
        /// The entry.
        origin: String,
    },
    /// The listener failed.
    #[error("cannot serve on {addr}: {error}")]
    Io {
        /// The address.
        addr: String,
        /// The error.
        error: std::io::Error,
    },
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    router_with(state, None)
}

/// The whole HTTP API, plus `extra` routes (such as the MCP endpoint at
/// `/mcp`) behind the same bearer-token authentication, which puts the
/// [`Caller`] in each request's extensions.
pub fn router_with(state: AppState, extra: Option<Router<AppState>>) -> Router {
    let cors = cors_layer(&state.settings.cors_origins);
    let v1 = Router::new()
        .route("/tasks", post(tasks_api::submit).get(tasks_api::list))
        .route("/tasks/{id}", get(tasks_api::show))
        .route("/tasks/{id}/cancel", post(tasks_api::cancel))
        .route("/tasks/{id}/retry", post(tasks_api::retry))
        .route("/tasks/{id}/events", get(events_api::task_events))
        .route("/tasks/{id}/events/ws", get(events_api::task_events_ws))
        .route("/events", get(events_api::all_events))
        .route("/events/ws", get(events_api::all_events_ws))
        .route("/service/events", get(backpressure::list))
        .route("/plans", post(tasks_api::plan))
        .route("/plans/{id}/execute", post(tasks_api::execute_plan))
        .route("/runs/{id}", get(runs_api::show_run))
        .route("/sessions/{id}", get(runs_api::show_session))
        .route("/approvals", get(approvals_api::list))
        .route(
            "/approvals/{id}",
            get(approvals_api::show).post(approvals_api::answer),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .route("/openapi.json", get(openapi::serve_document));
    let extra = extra.map(|r| {
        r.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
    });
    let app = Router::new()
        .merge(extra.unwrap_or_default())
        .route("/healthz", get(ops_api::healthz))
        .route("/readyz", get(ops_api::readyz))
        .route("/metrics", get(ops_api::metrics))
        .nest("/v1", v1)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track_http,
        ))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes));
    let app = match cors {
        Some(cors) => app.layer(cors),
        None => app,
    };
    app.with_state(state)
}

/// Checks `[server] cors_origins` before serving: each is `*` or
/// `scheme://host[:port]` with nothing after it.
pub fn check_cors(origins: &[String]) -> Result<(), ServerError> {
    for origin in origins {
        let ok = origin == "*"
            || (origin.split_once("://").is_some_and(|(scheme, rest)| {
                matches!(scheme, "http" | "https")
                    && !rest.is_empty()
                    && !rest.contains(['/', '?', '#', ' '])
            }) && axum::http::HeaderValue::from_str(origin).is_ok());
        if !ok {
            return Err(ServerError::BadOrigin {
                origin: origin.clone(),
            });
        }
    }
    Ok(())
}

/// CORS for the configured origins: off (no headers, so browsers refuse
/// cross-origin calls) when none are configured. Preflights are answered
/// before authentication; the actual request still needs its token.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{HeaderName, HeaderValue, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let layer = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600));
    Some(layer)
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "no_route",
        "no such endpoint",
    )
    .hint("see docs/api.md")
}

/// Refuses an exposed address without auth.
pub fn check_bind(addr: SocketAddr, auth: bool) -> Result<(), ServerError> {
    if !auth && !addr.ip().is_loopback() {
        return Err(ServerError::OpenWithoutAuth { addr });
    }
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_app(listener, router(state), shutdown).await
}

/// Serves an already built app (such as [`router_with`]'s) until
/// `shutdown` resolves.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|error| ServerError::Io { addr, error })
}
