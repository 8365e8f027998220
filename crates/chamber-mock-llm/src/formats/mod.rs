//! The wire formats: each module renders one scripted [`Turn`] as its provider's streamed SSE
//! events, its non-streamed JSON body, and its native error bodies.

pub(crate) mod anthropic;
pub(crate) mod gemini;
pub(crate) mod openai_chat;
pub(crate) mod openai_wire;
pub(crate) mod responses;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::script::{TokenCounts, Turn};

/// Longest piece (in chars) of text or arguments carried by one streamed event.
pub(crate) const MAX_PIECE_CHARS: usize = 16;

/// The provider API a chat route speaks; recorded with each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireFormat {
    /// OpenAI Chat Completions: `POST /v1/chat/completions`.
    OpenAiChat,
    /// OpenAI Responses: `POST /v1/responses`.
    OpenAiResponses,
    /// Anthropic Messages: `POST /v1/messages`.
    Anthropic,
    /// Google Gemini: `POST /v1beta/models/{model}:generateContent` / `:streamGenerateContent`.
    Gemini,
}

impl WireFormat {
    /// The SSE events (each a complete `…\n\n` frame) of a streamed reply.
    pub(crate) fn stream_events(self, reply: &Reply<'_>) -> Vec<String> {
        match self {
            Self::OpenAiChat => openai_chat::stream_events(reply),
            Self::OpenAiResponses => responses::stream_events(reply),
            Self::Anthropic => anthropic::stream_events(reply),
            Self::Gemini => gemini::stream_events(reply),
        }
    }

    /// The JSON body of a non-streamed reply.
    pub(crate) fn json_body(self, reply: &Reply<'_>) -> String {
        match self {
            Self::OpenAiChat => openai_chat::completion_json(reply),
            Self::OpenAiResponses => responses::response_json(reply),
            Self::Anthropic => anthropic::message_json(reply),
            Self::Gemini => gemini::response_json(reply),
        }
    }

    /// The native error body for an HTTP status; `message` replaces the default text.
    pub(crate) fn error_body(self, status: u16, message: Option<&str>) -> String {
        match self {
            Self::OpenAiChat | Self::OpenAiResponses => {
                openai_wire::error_for_status(status, message)
            }
            Self::Anthropic => anthropic::error_for_status(status, message),
            Self::Gemini => gemini::error_for_status(status, message),
        }
    }

    /// The event a stream carries for an in-stream error of type `kind`; `seq` is the number
    /// of events sent before it (the Responses API's `sequence_number`).
    pub(crate) fn stream_error_event(self, kind: &str, seq: usize) -> String {
        match self {
            Self::OpenAiChat => openai_chat::stream_error_event(kind),
            Self::OpenAiResponses => responses::stream_error_event(kind, seq),
            Self::Anthropic => anthropic::stream_error_event(kind),
            Self::Gemini => gemini::stream_error_event(kind),
        }
    }
}

/// Everything a format needs to render one reply.
#[derive(Debug)]
pub(crate) struct Reply<'a> {
    /// The scripted turn being answered.
    pub turn: &'a Turn,
    /// Zero-based position of the turn in the script.
    pub index: usize,
    /// Model name echoed back (from the request body or the Gemini path).
    pub model: String,
    /// Unix seconds stamped on the reply.
    pub created: u64,
    /// Token numbers for the usage block.
    pub tokens: TokenCounts,
    /// The parsed request body, for fields some formats echo (`instructions`, `tools`).
    pub request: &'a Value,
}

impl Reply<'_> {
    /// One id per tool call: the scripted id, or a fresh one with `prefix`.
    pub fn call_ids(&self, prefix: &str) -> Vec<String> {
        self.turn
            .tool_calls
            .iter()
            .map(|c| c.id.clone().unwrap_or_else(|| next_id(prefix, self.index)))
            .collect()
    }

    /// A fresh reply-level id with `prefix`.
    pub fn id(&self, prefix: &str) -> String {
        next_id(prefix, self.index)
    }

    /// The deterministic reasoning signature of this turn: `sig-<turn index>`.
    pub fn signature(&self) -> String {
        format!("sig-{}", self.index)
    }
}

/// The current time in Unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Serializes a value to JSON text (`{}` in the impossible case that it fails).
pub(crate) fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
}

/// Turns the last event into the template a flood repeats (see [`crate::faults::FLOOD_MARK`]).
pub(crate) fn mark_flood(events: &mut [String]) {
    if let Some(last) = events.last_mut() {
        last.insert_str(0, crate::faults::FLOOD_MARK);
    }
}

/// One SSE frame: an optional `event:` line, then `data: <json>` and a blank line.
pub(crate) fn sse_event(name: Option<&str>, data: &impl Serialize) -> String {
    let json = to_json(data);
    match name {
        Some(name) => format!("event: {name}\ndata: {json}\n\n"),
        None => format!("data: {json}\n\n"),
    }
}

/// Scripted argument text as a JSON value for formats whose calls carry an object
/// (Anthropic `input`, Gemini `args`): the parsed JSON, or the raw text as a JSON string
/// when it does not parse (so malformed-argument scripts still reach the client).
pub(crate) fn arguments_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Splits `s` on char boundaries into pieces of at most `max_chars` chars,
/// and into at least two pieces when it has more than one char.
pub(crate) fn split_pieces(s: &str, max_chars: usize) -> Vec<&str> {
    let n = s.chars().count();
    if n <= 1 {
        return if s.is_empty() { Vec::new() } else { vec![s] };
    }
    let per = max_chars.min(n.div_ceil(2)).max(1);
    let mut out = Vec::with_capacity(n.div_ceil(per));
    let mut start = 0;
    for (count, (i, _)) in s.char_indices().enumerate() {
        if count > 0 && count % per == 0 {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out.push(&s[start..]);
    out
}

/// Splits a raw SSE body after each blank-line event terminator, so it is sent event by
/// event; concatenating the pieces gives back the body byte for byte.
pub(crate) fn split_raw_events(body: &str) -> Vec<String> {
    body.split_inclusive("\n\n").map(str::to_owned).collect()
}

/// A process-unique id such as `chatcmpl-…` or `call_…`, distinct across servers and runs
/// (tests may resume one session against several servers).
pub(crate) fn next_id(prefix: &str, turn_index: usize) -> String {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A reply for `turn` with fixed token numbers, for the format unit tests.
    pub(crate) fn reply<'a>(turn: &'a Turn, request: &'a Value) -> Reply<'a> {
        Reply {
            turn,
            index: 3,
            model: String::from("m"),
            created: 1,
            tokens: turn.tokens(40),
            request,
        }
    }

    /// Parses a rendered SSE frame into its event name and JSON data.
    pub(crate) fn parse_event(frame: &str) -> (Option<String>, Value) {
        let mut name = None;
        let mut data = None;
        for line in frame.trim_end().lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = Some(n.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                data = Some(serde_json::from_str(d).unwrap());
            }
        }
        (name, data.unwrap())
    }

    #[test]
    fn split_respects_char_boundaries() {
        assert_eq!(split_pieces("", 16), Vec::<&str>::new());
        assert_eq!(split_pieces("a", 16), vec!["a"]);
        assert_eq!(split_pieces("ab", 16), vec!["a", "b"]);
        assert_eq!(split_pieces("héllo", 16), vec!["hél", "lo"]);
        assert_eq!(split_pieces("日本語🙂", 16), vec!["日本", "語🙂"]);
        let long = "x".repeat(40);
        let parts = split_pieces(&long, 16);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [16, 16, 8]
        );
    }

    #[test]
    fn raw_split_is_lossless() {
        let body = "data: {\"a\":1}\n\ndata: broken\n\ndata: tail";
        let parts = split_raw_events(body);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), body);
    }

    #[test]
    fn arguments_parse_or_fall_back_to_string() {
        assert_eq!(arguments_value(r#"{"a":[1]}"#), json!({"a": [1]}));
        assert_eq!(arguments_value("{\"a\": "), json!("{\"a\": "));
    }

    #[test]
    fn sse_frames() {
        assert_eq!(
            sse_event(Some("ping"), &json!({"type": "ping"})),
            "event: ping\ndata: {\"type\":\"ping\"}\n\n"
        );
        assert_eq!(sse_event(None, &json!(1)), "data: 1\n\n");
    }
}
