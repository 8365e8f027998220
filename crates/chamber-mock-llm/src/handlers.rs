//! The chat route handlers: record the request, pop the next scripted turn from the shared
//! queue, and answer it in the route's wire format, applying scripted faults.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::watch;

use crate::faults::sse_response;
use crate::formats::{Reply, WireFormat, gemini, split_raw_events, unix_now};
use crate::record::RecordedRequest;
use crate::script::Turn;
use crate::server::{Shared, lock};

/// How the reply body is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One JSON object.
    Json,
    /// A `text/event-stream` of events.
    Sse,
    /// Gemini `streamGenerateContent` without `alt=sse`: the chunks as one JSON array.
    JsonArray,
}

/// `POST /v1/chat/completions`: OpenAI Chat Completions.
pub(crate) async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    handle(&shared, WireFormat::OpenAiChat, &uri, &headers, &raw, None).await
}

/// `POST /v1/responses`: OpenAI Responses.
pub(crate) async fn responses(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    handle(
        &shared,
        WireFormat::OpenAiResponses,
        &uri,
        &headers,
        &raw,
        None,
    )
    .await
}

/// `POST /v1/messages`: Anthropic Messages.
pub(crate) async fn messages(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    handle(&shared, WireFormat::Anthropic, &uri, &headers, &raw, None).await
}

/// `POST /v1beta/models/{model}:{method}`: Gemini `generateContent` / `streamGenerateContent`
/// (routed as a wildcard because axum cannot match the `:` suffix itself).
pub(crate) async fn gemini(
    State(shared): State<Arc<Shared>>,
    Path(rest): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let rest = rest.strip_prefix("models/").unwrap_or(&rest);
    let target = rest.rsplit_once(':');
    handle(
        &shared,
        WireFormat::Gemini,
        &uri,
        &headers,
        &raw,
        Some(target),
    )
    .await
}

/// Shared flow of every chat route. `gemini` is `Some(model and method)` on the Gemini route
/// (`Some(None)` when the path has no `:method`).
async fn handle(
    shared: &Shared,
    format: WireFormat,
    uri: &Uri,
    headers: &HeaderMap,
    raw: &[u8],
    gemini: Option<Option<(&str, &str)>>,
) -> Response {
    lock(&shared.requests).push(RecordedRequest::new(format, uri, headers, raw));
    let error = |status: StatusCode, message: &str| {
        json_response(status, format.error_body(status.as_u16(), Some(message)))
    };

    // Client mistakes are answered without consuming a turn: the test should see them.
    let mut model = None;
    let mut shape = None;
    if let Some(target) = gemini {
        match target {
            Some((name, "generateContent")) => (model, shape) = (Some(name), Some(Shape::Json)),
            Some((name, "streamGenerateContent")) => {
                let sse = uri
                    .query()
                    .is_some_and(|q| q.split('&').any(|p| p == "alt=sse"));
                let stream = if sse { Shape::Sse } else { Shape::JsonArray };
                (model, shape) = (Some(name), Some(stream));
            }
            _ => {
                let message = format!("mock: unsupported Gemini method in {}", uri.path());
                return error(StatusCode::NOT_FOUND, &message);
            }
        }
    }
    let request = match serde_json::from_slice::<Value>(raw) {
        Ok(v) => v,
        Err(err) => {
            let message = format!("mock: request body is not valid JSON: {err}");
            return error(StatusCode::BAD_REQUEST, &message);
        }
    };
    if format == WireFormat::Anthropic && !headers.contains_key("anthropic-version") {
        return error(
            StatusCode::BAD_REQUEST,
            "anthropic-version: header is required",
        );
    }

    let popped = if let Some(responder) = &shared.responder {
        let index = lock(&shared.requests).len();
        Some((index, responder(&request)))
    } else {
        let mut script = lock(&shared.script);
        let index = script.total - script.turns.len();
        script.turns.pop_front().map(|turn| (index, turn))
    };
    let Some((index, turn)) = popped else {
        let total = lock(&shared.script).total;
        let message = format!("mock script exhausted after {total} turns");
        return error(StatusCode::INTERNAL_SERVER_ERROR, &message);
    };

    if turn.delay_ms > 0 {
        let mut stop = shared.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(turn.delay_ms)) => {}
            _ = stop.wait_for(|s| *s) => {
                return error(StatusCode::SERVICE_UNAVAILABLE, "mock server shutting down");
            }
        }
    }

    let shape = shape.unwrap_or_else(|| {
        if request.get("stream").and_then(Value::as_bool) == Some(true) {
            Shape::Sse
        } else {
            Shape::Json
        }
    });
    let model = model
        .or_else(|| request.get("model").and_then(Value::as_str))
        .unwrap_or("mock-model")
        .to_owned();
    let reply = Reply {
        turn: &turn,
        index,
        model,
        created: unix_now(),
        tokens: turn.tokens(raw.len()),
        request: &request,
    };
    answer(format, &reply, shape, &shared.shutdown)
}

/// Builds the reply for a popped turn: scripted error, raw SSE, streamed or plain reply.
fn answer(
    format: WireFormat,
    reply: &Reply<'_>,
    shape: Shape,
    shutdown: &watch::Receiver<bool>,
) -> Response {
    let turn = reply.turn;
    if let Some(code) = turn.status.filter(|s| *s != 200) {
        return status_reply(format, turn, code);
    }
    if turn.raw_sse {
        let events = split_raw_events(turn.body.as_deref().unwrap_or_default());
        return sse_response(events, turn, None, shutdown);
    }
    if let Some(content_type) = &turn.content_type {
        let body = turn.body.clone().unwrap_or_default();
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type.as_str())],
            body,
        )
            .into_response();
    }
    let floods = matches!(format, WireFormat::OpenAiChat | WireFormat::Anthropic);
    if turn.flood.is_some() && (!floods || shape != Shape::Sse) {
        let message =
            "mock: flood faults are streamed on the OpenAI Chat and Anthropic routes only";
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format.error_body(500, Some(message)),
        );
    }
    match shape {
        Shape::Json => json_response(StatusCode::OK, format.json_body(reply)),
        Shape::JsonArray => json_response(StatusCode::OK, gemini::stream_array(reply)),
        Shape::Sse => sse_response(format.stream_events(reply), turn, Some(format), shutdown),
    }
}

/// A scripted HTTP error with the route's native body (or the scripted `body`), and a
/// `retry-after` header: the scripted one, or `0` on a 429 so clients retry without waiting.
fn status_reply(format: WireFormat, turn: &Turn, code: u16) -> Response {
    let Ok(status) = StatusCode::from_u16(code) else {
        let message = format!("mock: invalid scripted HTTP status {code}");
        let body = format.error_body(500, Some(&message));
        return json_response(StatusCode::INTERNAL_SERVER_ERROR, body);
    };
    let body = turn
        .body
        .clone()
        .unwrap_or_else(|| format.error_body(code, None));
    let mut response = json_response(status, body);
    let retry_after = match &turn.retry_after {
        Some(value) => HeaderValue::from_str(value).ok(),
        None => (status == StatusCode::TOO_MANY_REQUESTS).then_some(HeaderValue::from_static("0")),
    };
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A JSON response with the given status.
pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
