//! The HTTP server: scripted turn queue, request recording, and the axum routes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use futures::StreamExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::script::Turn;
use crate::sse::{split_raw_events, stream_events};
use crate::wire::{ReplyMeta, Usage, completion_json, error_for_status, error_json};

/// One request the server received on the chat-completions route, kept for test assertions.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Parsed JSON body (a JSON string holding the raw text if the body was not valid JSON).
    pub body: Value,
    /// The `Authorization` header verbatim (e.g. `Bearer sk-…`), if sent.
    pub authorization: Option<String>,
    /// Request path, e.g. `/v1/chat/completions`.
    pub path: String,
}

/// Script queue plus the count of turns already served (used for ids and error messages).
#[derive(Debug)]
struct Script {
    turns: VecDeque<Turn>,
    total: usize,
}

/// State shared between the handle and the request handlers.
#[derive(Debug)]
struct Shared {
    script: Mutex<Script>,
    requests: Mutex<Vec<RecordedRequest>>,
    shutdown: watch::Receiver<bool>,
}

/// Locks a mutex, tolerating poisoning (a panicking test must not cascade into the server).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

    /// Starts a server on the given address, serving in a task on the current runtime.
    pub async fn start_on(addr: SocketAddr, script: Vec<Turn>) -> io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (server, shared, rx) = Self::new_parts(addr, script);
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
        let (server, shared, rx) = Self::new_parts(addr, script);
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
    ) -> (MockServer, Arc<Shared>, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        let total = script.len();
        let shared = Arc::new(Shared {
            script: Mutex::new(Script {
                turns: script.into(),
                total,
            }),
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

    /// Every request received on the chat-completions route so far, in arrival order.
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

/// The route table; `/v1` prefixes are optional so either base-URL style works.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/chat/completions", post(chat_completions))
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

/// `GET /v1/models`: a one-model list, for clients that probe models at startup.
async fn models() -> Response {
    let body = r#"{"object":"list","data":[{"id":"mock-model","object":"model","created":0,"owned_by":"chamber"}]}"#;
    json_response(StatusCode::OK, String::from(body))
}

/// Any other route: a 404 in OpenAI's error format naming the unknown route.
async fn not_found(method: Method, uri: Uri) -> Response {
    let message = format!("mock: no route for {method} {}", uri.path());
    let body = error_json(&message, "invalid_request_error", Some("unknown_url"));
    json_response(StatusCode::NOT_FOUND, body)
}

/// `POST /v1/chat/completions`: record the request, pop the next turn, and answer with it.
async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let parsed = serde_json::from_slice::<Value>(&raw);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = match &parsed {
        Ok(v) => v.clone(),
        Err(_) => Value::String(String::from_utf8_lossy(&raw).into_owned()),
    };
    lock(&shared.requests).push(RecordedRequest {
        body,
        authorization,
        path: uri.path().to_owned(),
    });
    let request = match parsed {
        Ok(v) => v,
        Err(err) => {
            // Not consuming a turn: a malformed request is a client bug the test should see.
            let message = format!("mock: request body is not valid JSON: {err}");
            let body = error_json(&message, "invalid_request_error", None);
            return json_response(StatusCode::BAD_REQUEST, body);
        }
    };

    let popped = {
        let mut script = lock(&shared.script);
        let index = script.total - script.turns.len();
        script.turns.pop_front().map(|turn| (index, turn))
    };
    let Some((index, turn)) = popped else {
        let total = lock(&shared.script).total;
        let message = format!("mock script exhausted after {total} turns");
        let body = error_json(&message, "server_error", None);
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, body);
    };

    if turn.delay_ms > 0 {
        let mut stop = shared.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(turn.delay_ms)) => {}
            _ = stop.wait_for(|s| *s) => {
                let body = error_json("mock server shutting down", "server_error", None);
                return json_response(StatusCode::SERVICE_UNAVAILABLE, body);
            }
        }
    }

    answer(&turn, index, &request, raw.len())
}

/// Builds the reply for a popped turn: scripted error, raw SSE, streamed or plain completion.
fn answer(turn: &Turn, index: usize, request: &Value, request_bytes: usize) -> Response {
    if let Some(code) = turn.status.filter(|s| *s != 200) {
        return status_reply(code, turn.body.clone());
    }
    if turn.raw_sse {
        let events = split_raw_events(turn.body.as_deref().unwrap_or_default());
        return sse_response(events);
    }

    let meta = ReplyMeta {
        id: next_id("chatcmpl-", index),
        created: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        model: request
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("mock-model")
            .to_owned(),
    };
    let call_ids: Vec<String> = turn
        .tool_calls
        .iter()
        .map(|c| c.id.clone().unwrap_or_else(|| next_id("call_", index)))
        .collect();
    let usage = Usage::new(turn.usage(request_bytes));

    let streaming = request.get("stream").and_then(Value::as_bool) == Some(true);
    if streaming {
        let include_usage = request
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true);
        sse_response(stream_events(turn, &meta, &call_ids, include_usage, usage))
    } else {
        json_response(
            StatusCode::OK,
            completion_json(turn, &meta, &call_ids, usage),
        )
    }
}

/// A scripted HTTP error; 429 carries `retry-after: 0` so clients retry without waiting.
fn status_reply(code: u16, body: Option<String>) -> Response {
    let Ok(status) = StatusCode::from_u16(code) else {
        let message = format!("mock: invalid scripted HTTP status {code}");
        let body = error_json(&message, "server_error", None);
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, body);
    };
    let body = body.unwrap_or_else(|| error_for_status(code));
    let mut response = json_response(status, body);
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("0"));
    }
    response
}

/// A JSON response with the given status.
fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A `text/event-stream` response sending each event as its own body frame, yielding between
/// frames so hyper flushes them separately and clients see split reads.
fn sse_response(events: Vec<String>) -> Response {
    let stream = futures::stream::iter(events).then(|event| async move {
        tokio::task::yield_now().await;
        Ok::<_, Infallible>(event)
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A process-unique id such as `chatcmpl-…` or `call_…`, distinct across servers and runs
/// (tests may resume one session against several servers).
fn next_id(prefix: &str, turn_index: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static TAG: OnceLock<u32> = OnceLock::new();
    let tag = TAG.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        nanos ^ std::process::id().rotate_left(16)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}mock{tag:08x}t{turn_index}n{n}")
}
