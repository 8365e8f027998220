//! The chat route handlers: record the request, pop the next scripted turn from the shared
//! queue, and answer it in the route's wire format, applying scripted faults.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::watch;

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

/// Applies the turn's stream faults to its events. `format` is `None` for raw SSE bodies,
/// which get no in-stream error. Returns the events to send and whether to stall after them.
fn apply_faults(
    mut events: Vec<String>,
    turn: &Turn,
    format: Option<WireFormat>,
) -> (Vec<String>, bool) {
    if let (Some(kind), Some(format)) = (&turn.in_stream_error, format) {
        let cut = turn
            .stop_after_events
            .unwrap_or((events.len() / 2).max(1))
            .min(events.len());
        events.truncate(cut);
        events.push(format.stream_error_event(kind, cut));
    } else if let Some(n) = turn.stop_after_events {
        events.truncate(n);
    }
    match turn.stall_after_events {
        Some(n) => {
            events.truncate(n);
            (events, true)
        }
        None => (events, false),
    }
}

/// A `text/event-stream` response sending each event as its own body frame, yielding between
/// frames so hyper flushes them separately and clients see split reads. A stalled stream
/// stays open after its events until the server shuts down.
fn sse_response(
    events: Vec<String>,
    turn: &Turn,
    format: Option<WireFormat>,
    shutdown: &watch::Receiver<bool>,
) -> Response {
    let (events, stall) = apply_faults(events, turn, format);
    let sent = futures::stream::iter(events).then(|event| async move {
        tokio::task::yield_now().await;
        Ok::<_, Infallible>(event)
    });
    let mut stop = shutdown.clone();
    let hang = futures::stream::once(async move {
        if stall {
            let _ = stop.wait_for(|s| *s).await;
        }
    })
    .filter_map(|()| async { None::<Result<String, Infallible>> });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(sent.chain(hang)),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;

    fn events(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("data: {i}\n\n")).collect()
    }

    #[test]
    fn faults_cut_and_stall() {
        let turn = Turn::text("x").with_stop_after_events(2);
        assert_eq!(apply_faults(events(5), &turn, None), (events(2), false));
        let turn = Turn::text("x").with_stall_after_events(3);
        assert_eq!(apply_faults(events(5), &turn, None), (events(3), true));
        let turn = Turn::text("x").with_in_stream_error("server_error");
        let (out, stall) = apply_faults(events(6), &turn, Some(WireFormat::OpenAiChat));
        assert!(!stall);
        assert_eq!(out.len(), 4);
        assert!(out[3].contains("server_error"));
        let (out, _) = apply_faults(events(6), &turn, None);
        assert_eq!(out.len(), 6, "raw streams get no in-stream error");
        let turn = turn.with_stop_after_events(0);
        let (out, _) = apply_faults(events(6), &turn, Some(WireFormat::OpenAiChat));
        assert_eq!(out.len(), 1, "an explicit cut of 0 sends the error first");
    }
}
