//! `GET /v1/tasks/{id}/events` and `GET /v1/events` as Server-Sent Events
//! (each with its cursor as the SSE `id`, `Last-Event-ID` to resume,
//! keep-alive comments), and the same streams over WebSocket.

use std::convert::Infallible;
use std::time::Duration;

use crate::query_params::ApiQuery;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chamber_store::TokenScope;
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::event_feed::{Feed, FeedItem};
use crate::state::AppState;

/// Query of the event streams.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Start after this cursor (the same as `Last-Event-ID`).
    pub after: Option<i64>,
}

fn start_cursor(headers: &HeaderMap, q: &StreamQuery) -> Result<Option<i64>, ApiError> {
    if let Some(v) = headers.get("last-event-id") {
        let text = v.to_str().unwrap_or("");
        return text.trim().parse::<i64>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "bad_last_event_id",
                format!("Last-Event-ID {text:?} is not a cursor"),
            )
        });
    }
    Ok(q.after)
}

fn sse_item(item: FeedItem) -> SseEvent {
    match item {
        FeedItem::Event(cursor, event) => SseEvent::default()
            .id(cursor.to_string())
            .event(event.kind.type_name())
            .data(serde_json::to_string(&event).unwrap_or_default()),
        FeedItem::TaskDone(task) => SseEvent::default()
            .event("task_finished")
            .data(serde_json::to_string(&task).unwrap_or_default()),
    }
}

fn feed_stream(feed: Feed) -> impl Stream<Item = FeedItem> {
    stream::unfold(feed, |mut feed| async move {
        feed.next_batch()
            .await
            .map(|batch| (stream::iter(batch), feed))
    })
    .flatten()
}

fn sse(feed: Feed) -> Response {
    let events = feed_stream(feed).map(|item| Ok::<_, Infallible>(sse_item(item)));
    Sse::new(events)
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("keep-alive"),
        )
        .into_response()
}

/// `GET /v1/tasks/{id}/events`: the task's run events, then `task_finished`.
pub async fn task_events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let task = state.store.get_task(&id).await?;
    let feed = Feed::new(state, Some(task.id), start_cursor(&headers, &q)?).await?;
    Ok(sse(feed))
}

/// `GET /v1/events`: every run's events from now (or from the cursor).
pub async fn all_events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let feed = Feed::new(state, None, start_cursor(&headers, &q)?).await?;
    Ok(sse(feed))
}

/// `GET /v1/tasks/{id}/events/ws`: the task stream over WebSocket; each
/// message is `{"cursor": N, "event": …}` or `{"task_finished": …}`.
pub async fn task_events_ws(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let task = state.store.get_task(&id).await?;
    let feed = Feed::new(state, Some(task.id), q.after).await?;
    Ok(ws.on_upgrade(move |socket| pump(socket, feed)))
}

/// `GET /v1/events/ws`: every run's events over WebSocket.
pub async fn all_events_ws(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let feed = Feed::new(state, None, q.after).await?;
    Ok(ws.on_upgrade(move |socket| pump(socket, feed)))
}

async fn pump(mut socket: WebSocket, mut feed: Feed) {
    while let Some(batch) = feed.next_batch().await {
        for item in batch {
            let json = match item {
                FeedItem::Event(cursor, event) => {
                    serde_json::json!({"cursor": cursor, "event": event})
                }
                FeedItem::TaskDone(task) => serde_json::json!({"task_finished": task}),
            };
            if socket
                .send(Message::Text(json.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}
