//! Helpers for the adapters' unit tests: SSE fixtures run through a
//! format's parser, and a provider that replays fixed events into `collect`.

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use crate::http::{WireParser, drive, sse};
use crate::{ChatRequest, ChatResponse, EventStream, LlmError, Provider, StreamEvent, collect};

/// An SSE body: one `event:`/`data:` pair per entry (no `event:` line when
/// the name is empty).
pub(crate) fn sse_body<S: AsRef<str>>(events: &[(S, Value)]) -> String {
    events
        .iter()
        .map(|(name, data)| {
            let name = name.as_ref();
            let head = if name.is_empty() {
                String::new()
            } else {
                format!("event: {name}\n")
            };
            format!("{head}data: {data}\n\n")
        })
        .collect()
}

/// Runs an SSE body through `parser`, delivered in small uneven pieces so
/// events are split across reads as on a real connection.
pub(crate) async fn parse_sse<P: WireParser>(
    parser: P,
    body: &str,
) -> Vec<Result<StreamEvent, LlmError>> {
    let bytes = body.as_bytes().to_vec();
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(17).map(|c| Ok(c.to_vec())).collect();
    drive(sse(futures::stream::iter(pieces), usize::MAX), parser)
        .collect()
        .await
}

/// `parse_sse`, every item expected to be an event.
pub(crate) async fn events<P: WireParser>(parser: P, body: &str) -> Vec<StreamEvent> {
    parse_sse(parser, body)
        .await
        .into_iter()
        .map(|e| e.unwrap())
        .collect()
}

/// A provider that answers every request with the same events.
pub(crate) struct Replay(pub Vec<Result<StreamEvent, LlmError>>);

#[async_trait::async_trait]
impl Provider for Replay {
    fn name(&self) -> &str {
        "replay"
    }

    fn endpoint(&self) -> &str {
        "memory"
    }

    async fn stream(&self, _request: &ChatRequest) -> Result<EventStream, LlmError> {
        Ok(Box::pin(futures::stream::iter(self.0.clone())))
    }
}

/// Assembles `events` with `collect`, as the agent would.
pub(crate) async fn collect_events(
    events: Vec<Result<StreamEvent, LlmError>>,
) -> Result<ChatResponse, LlmError> {
    let request = ChatRequest::new("m", Vec::new());
    collect(
        &Replay(events),
        &request,
        Duration::from_secs(5),
        &mut |_: &str| {},
    )
    .await
}
