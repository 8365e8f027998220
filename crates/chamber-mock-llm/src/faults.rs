//! Stream faults beyond a cut or a hang: endless or huge answers ([`Flood`]), a slowloris
//! trickle, and bytes that are not UTF-8. The streamed body is built here from a turn's
//! rendered events.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::formats::WireFormat;
use crate::script::Turn;

/// Marks, at the start of a rendered event, the delta a [`Flood`] repeats. The rest of the
/// event is a complete frame of the route's format whose streamed piece is [`FLOOD_PIECE`].
pub(crate) const FLOOD_MARK: &str = "\u{0}flood\u{0}";

/// Stands for the flood's piece inside the template event (plain ASCII, so JSON leaves it
/// as it is).
pub(crate) const FLOOD_PIECE: &str = "@@chamber-mock-flood-piece@@";

/// Bytes put into a fault event that are never valid UTF-8.
const NOT_UTF8: &[u8] = b"\xff\xfe";

/// Fault: after the turn's text (or the arguments of its first tool call), the stream keeps
/// sending more deltas of the same kind, each carrying `piece`, in the route's own format
/// (OpenAI Chat Completions and Anthropic Messages; other routes answer a 500 instead).
///
/// Bounded by `total_bytes`, it is a huge but well-formed answer that then ends normally;
/// unbounded, it is a stream that never ends (or, with arguments, a tool call whose
/// arguments never close). `interval_ms` paces the deltas and `trickle_bytes` sends each
/// one in pieces of that many bytes, `interval_ms` apart (a slowloris trickle).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flood {
    /// The text each extra delta carries.
    pub piece: String,
    /// Flood the first tool call's arguments instead of the text.
    #[serde(default)]
    pub arguments: bool,
    /// Stop after this many bytes of pieces; `None` floods until the client goes away.
    #[serde(default)]
    pub total_bytes: Option<u64>,
    /// Milliseconds to wait between deltas (or between trickled pieces).
    #[serde(default)]
    pub interval_ms: u64,
    /// Send each delta in pieces of this many bytes.
    #[serde(default)]
    pub trickle_bytes: Option<usize>,
}

impl Flood {
    /// More text deltas carrying `piece`, forever.
    pub fn text(piece: impl Into<String>) -> Self {
        Self {
            piece: piece.into(),
            ..Self::default()
        }
    }

    /// More argument deltas of the first tool call carrying `piece`, forever: arguments
    /// that never close.
    pub fn arguments(piece: impl Into<String>) -> Self {
        Self {
            piece: piece.into(),
            arguments: true,
            ..Self::default()
        }
    }

    /// Stops after `bytes` bytes of pieces (rounded up to whole pieces), then ends the reply.
    pub fn total_bytes(mut self, bytes: u64) -> Self {
        self.total_bytes = Some(bytes);
        self
    }

    /// Waits `ms` milliseconds between deltas (or trickled pieces).
    pub fn every_ms(mut self, ms: u64) -> Self {
        self.interval_ms = ms;
        self
    }

    /// Sends each delta in pieces of `bytes` bytes (at least 1).
    pub fn trickle(mut self, bytes: usize) -> Self {
        self.trickle_bytes = Some(bytes.max(1));
        self
    }

    /// How many deltas to send: enough pieces to reach `total_bytes`, or unbounded.
    fn deltas(&self) -> Option<u64> {
        let per = self.piece.len().max(1) as u64;
        self.total_bytes.map(|total| total.div_ceil(per))
    }
}

/// The piece as it goes inside a JSON string (escaped, without the quotes).
fn json_piece(piece: &str) -> String {
    let quoted = serde_json::to_string(piece).unwrap_or_else(|_| String::from("\"\""));
    quoted[1..quoted.len() - 1].to_owned()
}

/// Puts [`NOT_UTF8`] inside the event's first JSON string (right after its first `"`), or at
/// its start when it has none.
pub(crate) fn corrupt(event: &str) -> Vec<u8> {
    let at = event.find('"').map_or(0, |i| i + 1);
    let mut bytes = Vec::with_capacity(event.len() + NOT_UTF8.len());
    bytes.extend_from_slice(&event.as_bytes()[..at]);
    bytes.extend_from_slice(NOT_UTF8);
    bytes.extend_from_slice(&event.as_bytes()[at..]);
    bytes
}

/// A stream of body frames.
pub(crate) type Frames = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, Infallible>> + Send>>;

/// Replaces the marked template event by the flood: a lazily built run of deltas, paced and
/// trickled as the flood says, that stops early when the server shuts down. Events without
/// a mark pass through as they are.
pub(crate) fn expand(
    events: Vec<Vec<u8>>,
    flood: Option<&Flood>,
    shutdown: &watch::Receiver<bool>,
) -> Frames {
    let mut frames: Vec<Frames> = Vec::new();
    let mut plain: Vec<Bytes> = Vec::new();
    for event in events {
        let Some(template) = event.strip_prefix(FLOOD_MARK.as_bytes()) else {
            plain.push(Bytes::from(event));
            continue;
        };
        let Some(flood) = flood else { continue };
        frames.push(pass(std::mem::take(&mut plain)));
        let template = String::from_utf8_lossy(template);
        let delta = Bytes::from(template.replace(FLOOD_PIECE, &json_piece(&flood.piece)));
        frames.push(flood_frames(delta, flood, shutdown.clone()));
    }
    frames.push(pass(plain));
    Box::pin(futures::stream::iter(frames).flatten())
}

/// Frames sent one by one, yielding between them so hyper flushes them separately.
fn pass(events: Vec<Bytes>) -> Frames {
    Box::pin(futures::stream::iter(events).then(|event| async move {
        tokio::task::yield_now().await;
        Ok(event)
    }))
}

/// `delta` repeated as the flood says, ending early on shutdown.
fn flood_frames(delta: Bytes, flood: &Flood, shutdown: watch::Receiver<bool>) -> Frames {
    let interval = Duration::from_millis(flood.interval_ms);
    let chunk = flood.trickle_bytes.unwrap_or(usize::MAX).max(1);
    let pieces: Vec<Bytes> = if chunk >= delta.len() {
        vec![delta]
    } else {
        (0..delta.len())
            .step_by(chunk)
            .map(|at| delta.slice(at..(at + chunk).min(delta.len())))
            .collect()
    };
    let per_delta = pieces.len() as u64;
    let total = flood.deltas().map_or(usize::MAX, |n| {
        usize::try_from(n.saturating_mul(per_delta)).unwrap_or(usize::MAX)
    });
    let frames = futures::stream::iter(pieces).cycle().take(total);
    Box::pin(
        frames
            .then(move |piece| {
                let mut stop = shutdown.clone();
                async move {
                    if *stop.borrow() {
                        return None;
                    }
                    if interval.is_zero() {
                        tokio::task::yield_now().await;
                    } else {
                        tokio::select! {
                            () = tokio::time::sleep(interval) => {}
                            _ = stop.wait_for(|s| *s) => return None,
                        }
                    }
                    Some(Ok(piece))
                }
            })
            .take_while(|item| futures::future::ready(item.is_some()))
            .filter_map(futures::future::ready),
    )
}

/// Applies the turn's stream faults to its events. `format` is `None` for raw SSE bodies,
/// which get no in-stream error. Returns the events to send and whether to stall after them.
pub(crate) fn apply_faults(
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
pub(crate) fn sse_response(
    events: Vec<String>,
    turn: &Turn,
    format: Option<WireFormat>,
    shutdown: &watch::Receiver<bool>,
) -> Response {
    let (events, stall) = apply_faults(events, turn, format);
    let events = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            if turn.invalid_utf8_at_event == Some(i) {
                corrupt(&e)
            } else {
                e.into_bytes()
            }
        })
        .collect();
    let sent = expand(events, turn.flood.as_ref(), shutdown);
    let mut stop = shutdown.clone();
    let hang = futures::stream::once(async move {
        if stall {
            let _ = stop.wait_for(|s| *s).await;
        }
    })
    .filter_map(|()| async { None::<Result<Bytes, Infallible>> });
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
    use crate::formats::WireFormat;

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

    #[test]
    fn corrupt_puts_bad_bytes_inside_the_first_string() {
        let bytes = corrupt("data: {\"a\":1}\n\n");
        assert_eq!(&bytes[..9], b"data: {\"\xff");
        assert!(std::str::from_utf8(&bytes).is_err());
    }

    #[tokio::test]
    async fn a_bounded_flood_repeats_the_template_then_goes_on() {
        let (_tx, rx) = watch::channel(false);
        let template = format!("{FLOOD_MARK}data: {{\"t\":\"{FLOOD_PIECE}\"}}\n\n");
        let events = vec![
            b"data: 1\n\n".to_vec(),
            template.into_bytes(),
            b"data: 2\n\n".to_vec(),
        ];
        let flood = Flood::text("a\"b").total_bytes(7).trickle(5);
        let frames: Vec<Bytes> = expand(events, Some(&flood), &rx)
            .map(|f| f.unwrap_or_default())
            .collect()
            .await;
        let body: Vec<u8> = frames.iter().flat_map(|f| f.to_vec()).collect();
        let one = "data: {\"t\":\"a\\\"b\"}\n\n";
        let want = format!("data: 1\n\n{}data: 2\n\n", one.repeat(3));
        assert_eq!(String::from_utf8(body).unwrap(), want);
        assert!(
            frames.iter().all(|f| f.len() <= 9),
            "trickled in small pieces"
        );
    }
}
