//! The server handle: binding, the shared script queue and request log, and the route table.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::formats::openai_wire::error_json;
use crate::formats::{WireFormat, to_json};
use crate::handlers::{self, json_response};
use crate::record::RecordedRequest;
use crate::script::Turn;

/// Script queue plus the count of turns already served (used for ids and error messages).
#[derive(Debug)]
pub(crate) struct Script {
    /// Turns not yet served, next first.
    pub turns: VecDeque<Turn>,
    /// Length of the original script.
    pub total: usize,
}

/// Answers a request from its content alone (no queue): the same
/// conversation always gets the same turn, so a client that is killed and
/// resumes mid-conversation is answered consistently.
pub type Responder = Arc<dyn Fn(&serde_json::Value) -> Turn + Send + Sync>;

/// State shared between the handle and the request handlers.
pub(crate) struct Shared {
    /// The one queue every chat route pops from.
    pub script: Mutex<Script>,
    /// When set, answers every request instead of the queue.
    pub responder: Option<Responder>,
    /// Every chat request received, in arrival order.
    pub requests: Mutex<Vec<RecordedRequest>>,
    /// Flips to `true` when the handle is dropped.
    pub shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, tolerating poisoning (a panicking test must not cascade into the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running mock server; dropping it stops accepting connections and ends pending delays.
///
/// Works from `#[tokio::test(flavor = "multi_thread")]` (via [`MockServer::start`]) and from
/// plain `#[test]` functions (via [`MockServer::start_blocking`]).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1:0` (any free port), serving in a task on the current runtime.
    pub async fn start(script: Vec<Turn>) -> io::Result<MockServer> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), script).await
    }

    /// Starts a server on `127.0.0.1:0` whose answers come from `responder`,
    /// a function of the request body, instead of a scripted queue.
    pub async fn start_responder(responder: Responder) -> io::Result<MockServer> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let (server, shared, rx) = Self::new_parts(addr, Vec::new(), Some(responder));
        tokio::spawn(async move {
            if let Err(err) = serve(listener, shared, rx).await {
                eprintln!("chamber-mock-llm: server error: {err}");
            }
        });
        Ok(server)
    }

    /// Starts a server on the given address, serving in a task on the current runtime.
    pub async fn start_on(addr: SocketAddr, script: Vec<Turn>) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (server, shared, rx) = Self::new_parts(addr, script, None);
        tokio::spawn(async move {
            if let Err(err) = serve(listener, shared, rx).await {
                eprintln!("chamber-mock-llm: server error: {err}");
            }
        });
        Ok(server)
    }

    /// Starts a server on `127.0.0.1:0` on its own thread and runtime; needs no async context,
    /// so it suits synchronous tests that block while a child process talks to the server.
    pub fn start_blocking(script: Vec<Turn>) -> io::Result<MockServer> {
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (server, shared, rx) = Self::new_parts(addr, script, None);
        std::thread::Builder::new()
            .name(format!("chamber-mock-llm-{}", addr.port()))
            .spawn(move || {
                let result = runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)?;
                    serve(listener, shared, rx).await
                });
                if let Err(err) = result {
                    eprintln!("chamber-mock-llm: server error: {err}");
                }
            })?;
        Ok(server)
    }

    /// Builds the handle and the state the serving task needs.
    fn new_parts(
        addr: SocketAddr,
        script: Vec<Turn>,
        responder: Option<Responder>,
    ) -> (MockServer, Arc<Shared>, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        let total = script.len();
        let shared = Arc::new(Shared {
            script: Mutex::new(Script {
                turns: script.into(),
                total,
            }),
            responder,
            requests: Mutex::new(Vec::new()),
            shutdown: rx.clone(),
        });
        let server = MockServer {
            addr,
            shared: Arc::clone(&shared),
            shutdown: tx,
        };
        (server, shared, rx)
    }

    /// The bound socket address (useful when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// OpenAI-compatible base URL to hand to the client, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The server root, e.g. `http://127.0.0.1:PORT`: the base URL for Anthropic clients
    /// (which append `/v1/messages`) and Gemini clients (which append `/v1beta/models/…`).
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received on any chat route so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Number of scripted turns not yet served.
    pub fn remaining(&self) -> usize {
        lock(&self.shared.script).turns.len()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Graceful shutdown: stop accepting, close idle keep-alive connections, and wake any
        // handler sleeping in `delay_ms`. Errors only mean the server already stopped.
        let _ = self.shutdown.send(true);
    }
}

/// Serves the routes on `listener` until the shutdown flag flips.
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    // Small SSE writes must not wait on Nagle + delayed ACK (40 ms stalls on loopback).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await
}

/// The route table; OpenAI and Anthropic `/v1` prefixes are optional so either base-URL
/// style works.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(handlers::chat_completions))
        .route("/chat/completions", post(handlers::chat_completions))
        .route("/v1/responses", post(handlers::responses))
        .route("/responses", post(handlers::responses))
        .route("/v1/messages", post(handlers::messages))
        .route("/messages", post(handlers::messages))
        .route(
            "/v1beta/models/{*rest}",
            post(handlers::gemini).get(gemini_model),
        )
        .route("/v1beta/models", get(gemini_models))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .route("/health", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

/// `GET /health`: liveness probe for scripts waiting on the binary.
async fn health() -> Response {
    json_response(StatusCode::OK, String::from(r#"{"status":"ok"}"#))
}

/// `GET /v1/models`: a one-model list for clients that probe models at startup, with both
/// OpenAI's (`object`, `created`, `owned_by`) and Anthropic's (`type`, `display_name`,
/// `created_at`, `has_more`, `first_id`, `last_id`) fields.
async fn models() -> Response {
    let body = json!({
        "object": "list",
        "data": [{
            "id": "mock-model",
            "object": "model",
            "created": 0,
            "owned_by": "chamber",
            "type": "model",
            "display_name": "Mock Model",
            "created_at": "1970-01-01T00:00:00Z",
        }],
        "has_more": false,
        "first_id": "mock-model",
        "last_id": "mock-model",
    });
    json_response(StatusCode::OK, to_json(&body))
}

/// A Gemini `Model` resource named `models/{id}`.
fn gemini_model_value(id: &str) -> serde_json::Value {
    json!({
        "name": format!("models/{id}"),
        "version": "001",
        "displayName": "Mock Model",
        "description": "Scripted mock model",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
        "thinking": true,
    })
}

/// `GET /v1beta/models`: Gemini's model list, holding `models/mock-model`.
async fn gemini_models() -> Response {
    let body = json!({"models": [gemini_model_value("mock-model")]});
    json_response(StatusCode::OK, to_json(&body))
}

/// `GET /v1beta/models/{id}`: any model id is reported as existing.
async fn gemini_model(Path(rest): Path<String>) -> Response {
    let id = rest.strip_prefix("models/").unwrap_or(&rest);
    json_response(StatusCode::OK, to_json(&gemini_model_value(id)))
}

/// Any other route: a 404 naming the unknown route, in Gemini's error format under `/v1beta`
/// and in OpenAI's elsewhere.
async fn not_found(method: Method, uri: Uri) -> Response {
    let message = format!("mock: no route for {method} {}", uri.path());
    let body = if uri.path().starts_with("/v1beta") {
        WireFormat::Gemini.error_body(404, Some(&message))
    } else {
        error_json(&message, "invalid_request_error", Some("unknown_url"))
    };
    json_response(StatusCode::NOT_FOUND, body)
}
