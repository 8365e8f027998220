//! The script format: what the mock server answers, turn by turn.

use serde::{Deserialize, Serialize};

use crate::faults::Flood;

/// One scripted reply, deserializable from JSON so the binary can load a script file.
///
/// Each request to any chat route (OpenAI Chat Completions, OpenAI Responses, Anthropic
/// Messages, Gemini `generateContent`) consumes exactly one `Turn`, in order, from one queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Assistant text; `None` means no text (typical for pure tool-call turns).
    #[serde(default)]
    pub content: Option<String>,
    /// Tool calls the assistant emits, in order (their `index` is the position here).
    #[serde(default)]
    pub tool_calls: Vec<ScriptedCall>,
    /// Milliseconds to sleep before answering (lets tests kill the client mid-request).
    #[serde(default)]
    pub delay_ms: u64,
    /// When set and not 200: reply with this HTTP status and `body` (or, when `body` is
    /// `None`, the route's native error JSON for that status; 529 is Anthropic's "overloaded").
    #[serde(default)]
    pub status: Option<u16>,
    /// Raw response body: the error body for `status`, or with `raw_sse` a verbatim SSE stream.
    #[serde(default)]
    pub body: Option<String>,
    /// Send `body` verbatim as a `text/event-stream` 200 reply (for malformed-stream tests).
    #[serde(default)]
    pub raw_sse: bool,
    /// Usage override for `prompt_tokens`; default is request body bytes / 4.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Usage override for output tokens; default is (content + arguments + reasoning bytes) / 4,
    /// at least 1. Reasoning tokens are counted inside this number, as OpenAI and Anthropic do.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Thinking / reasoning text sent before the answer: `delta.reasoning_content` (OpenAI chat),
    /// a `reasoning` item with summary deltas (Responses), a `thinking` block with a
    /// deterministic `signature_delta` (Anthropic), or a `thought: true` part (Gemini).
    #[serde(default)]
    pub reasoning: Option<String>,
    /// Value of the `retry-after` header sent with a scripted error `status`
    /// (a 429 without it still sends `retry-after: 0`).
    #[serde(default)]
    pub retry_after: Option<String>,
    /// Prompt tokens reported as served from the provider's prompt cache, in each format's
    /// usage block (`cached_tokens`, `cache_read_input_tokens`, `cachedContentTokenCount`).
    #[serde(default)]
    pub cached_tokens: Option<u64>,
    /// Fault: send only the first N SSE events of a streamed reply, then end the body
    /// (a mid-stream disconnect: the final event never arrives).
    #[serde(default)]
    pub stop_after_events: Option<usize>,
    /// Fault: send the first N SSE events of a streamed reply, then keep the connection open
    /// without sending anything until the server is dropped (a hung stream).
    #[serde(default)]
    pub stall_after_events: Option<usize>,
    /// Fault: an error type sent inside a streamed reply, in the route's own vocabulary (e.g.
    /// Anthropic `overloaded_error`, OpenAI `server_error`, Gemini `UNAVAILABLE`). The stream
    /// carries the first half of its events (or `stop_after_events` when set), then the
    /// format's error event, then ends.
    #[serde(default)]
    pub in_stream_error: Option<String>,
    /// With `body` (and no error `status`): send the body verbatim as a 200 reply with this
    /// `Content-Type`, such as the HTML page a proxy or login portal answers with.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Fault: event N (from 0) of a streamed reply carries two bytes that are not UTF-8,
    /// inside its first JSON string.
    #[serde(default)]
    pub invalid_utf8_at_event: Option<usize>,
    /// Fault: a huge, endless or trickling answer (see [`Flood`]).
    #[serde(default)]
    pub flood: Option<Flood>,
}

/// Token numbers one reply reports, before each format maps them onto its usage block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenCounts {
    /// All prompt tokens, cached ones included.
    pub prompt: u64,
    /// All output tokens, reasoning included.
    pub completion: u64,
    /// Prompt tokens served from cache, when the turn scripts them.
    pub cached: Option<u64>,
    /// Output tokens spent on reasoning, when the turn has reasoning.
    pub reasoning: Option<u64>,
}

impl TokenCounts {
    /// Prompt plus output tokens.
    pub fn total(&self) -> u64 {
        self.prompt + self.completion
    }
}

/// One tool call inside a scripted turn, as the model would emit it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptedCall {
    /// Function (tool) name.
    pub name: String,
    /// Raw JSON argument text, sent as-is; may be deliberately invalid JSON.
    pub arguments: String,
    /// Tool-call id; when `None` the server generates a unique `call_…` id.
    #[serde(default)]
    pub id: Option<String>,
}

impl ScriptedCall {
    /// Builds a call from a name and raw argument text, with a server-generated id.
    pub fn new(name: impl Into<String>, arguments: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            arguments: arguments.into(),
            id: None,
        }
    }
}

impl Turn {
    /// A plain assistant text reply.
    pub fn text(s: impl Into<String>) -> Self {
        Self {
            content: Some(s.into()),
            ..Self::default()
        }
    }

    /// A reply with a single tool call whose arguments are the serialized JSON value.
    pub fn call(name: &str, arguments: serde_json::Value) -> Self {
        Self::calls(vec![(name, arguments)])
    }

    /// A reply with several tool calls (parallel tool calling), in order.
    pub fn calls(v: Vec<(&str, serde_json::Value)>) -> Self {
        Self {
            tool_calls: v
                .into_iter()
                .map(|(name, args)| ScriptedCall::new(name, args.to_string()))
                .collect(),
            ..Self::default()
        }
    }

    /// A single tool call with raw argument text (e.g. deliberately malformed JSON).
    pub fn raw_call(name: &str, raw_arguments: &str) -> Self {
        Self {
            tool_calls: vec![ScriptedCall::new(name, raw_arguments)],
            ..Self::default()
        }
    }

    /// An HTTP error reply with an OpenAI-style error body for that status.
    pub fn http_error(status: u16) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }

    /// A verbatim `text/event-stream` body, for malformed or truncated stream tests.
    pub fn raw_sse(body: impl Into<String>) -> Self {
        Self {
            raw_sse: true,
            body: Some(body.into()),
            ..Self::default()
        }
    }

    /// A 200 reply whose body is `body` verbatim with the given `Content-Type` (e.g. an HTML
    /// page where the API's JSON or event stream should be).
    pub fn raw_reply(content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            content_type: Some(content_type.into()),
            body: Some(body.into()),
            ..Self::default()
        }
    }

    /// Returns this turn with two bytes that are not UTF-8 inside streamed event `n`.
    pub fn with_invalid_utf8_at_event(mut self, n: usize) -> Self {
        self.invalid_utf8_at_event = Some(n);
        self
    }

    /// Returns this turn streaming a [`Flood`] after its text or first tool call's arguments.
    pub fn with_flood(mut self, flood: Flood) -> Self {
        self.flood = Some(flood);
        self
    }

    /// Whether a flood extends the text (`false`) or the first call's arguments (`true`).
    pub(crate) fn flood_arguments(&self) -> Option<bool> {
        self.flood.as_ref().map(|f| f.arguments)
    }

    /// Returns this turn with text content added (e.g. text alongside tool calls).
    pub fn with_content(mut self, s: impl Into<String>) -> Self {
        self.content = Some(s.into());
        self
    }

    /// Returns this turn with a delay (milliseconds) before the server answers.
    pub fn with_delay(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Returns this turn with explicit usage numbers instead of the byte-based estimate.
    pub fn with_usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.prompt_tokens = Some(prompt_tokens);
        self.completion_tokens = Some(completion_tokens);
        self
    }

    /// Returns this turn with reasoning (thinking) text sent before the answer.
    pub fn with_reasoning(mut self, s: impl Into<String>) -> Self {
        self.reasoning = Some(s.into());
        self
    }

    /// Returns this turn with a `retry-after` header value for its error status.
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }

    /// Returns this turn reporting `n` cached prompt tokens in its usage.
    pub fn with_cached_tokens(mut self, n: u64) -> Self {
        self.cached_tokens = Some(n);
        self
    }

    /// Returns this turn streaming only its first `n` events, then ending the body.
    pub fn with_stop_after_events(mut self, n: usize) -> Self {
        self.stop_after_events = Some(n);
        self
    }

    /// Returns this turn streaming its first `n` events, then hanging until the server drops.
    pub fn with_stall_after_events(mut self, n: usize) -> Self {
        self.stall_after_events = Some(n);
        self
    }

    /// Returns this turn ending its stream with an in-stream error of the given type.
    pub fn with_in_stream_error(mut self, kind: impl Into<String>) -> Self {
        self.in_stream_error = Some(kind.into());
        self
    }

    /// The `finish_reason` this turn ends with: `tool_calls` when it calls tools, else `stop`.
    pub(crate) fn finish_reason(&self) -> &'static str {
        if self.tool_calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        }
    }

    /// Token numbers reported for this turn, given the raw request body length.
    pub(crate) fn tokens(&self, request_bytes: usize) -> TokenCounts {
        let reasoning_bytes = self.reasoning.as_deref().map_or(0, str::len);
        let prompt = self.prompt_tokens.unwrap_or(request_bytes as u64 / 4);
        let completion = self.completion_tokens.unwrap_or_else(|| {
            let text = self.content.as_deref().map_or(0, str::len);
            let args: usize = self.tool_calls.iter().map(|c| c.arguments.len()).sum();
            ((text + args + reasoning_bytes) as u64 / 4).max(1)
        });
        let reasoning = self
            .reasoning
            .as_ref()
            .map(|_| (reasoning_bytes as u64 / 4).max(1).min(completion));
        TokenCounts {
            prompt,
            completion,
            cached: self.cached_tokens,
            reasoning,
        }
    }

    /// Whether the reply carries a text part: when scripted, or when there is nothing else
    /// to carry (an empty answer still gets an empty text part, as real providers send).
    pub(crate) fn has_text_part(&self) -> bool {
        self.content.is_some() || self.tool_calls.is_empty()
    }
}

/// Repeats one turn `n` times, for scripts that answer every request the same way.
pub fn repeat(turn: Turn, n: usize) -> Vec<Turn> {
    vec![turn; n]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;

    #[test]
    fn script_json_uses_defaults() {
        let turns: Vec<Turn> = serde_json::from_str(
            r#"[{"content":"hi"},{"tool_calls":[{"name":"read","arguments":"{}"}]},{"status":429}]"#,
        )
        .unwrap();
        assert_eq!(turns[0], Turn::text("hi"));
        assert_eq!(turns[1], Turn::raw_call("read", "{}"));
        assert_eq!(turns[2], Turn::http_error(429));
    }

    #[test]
    fn usage_defaults_and_overrides() {
        let pc = |t: &Turn, bytes| {
            let n = t.tokens(bytes);
            (n.prompt, n.completion)
        };
        assert_eq!(pc(&Turn::text(""), 40), (10, 1));
        assert_eq!(pc(&Turn::text("abcdefgh"), 3), (0, 2));
        let t = Turn::call("f", serde_json::json!({"a": 1})).with_content("abcd");
        assert_eq!(pc(&t, 0).1, 2); // "abcd" + {"a":1} = 11 bytes
        assert_eq!(pc(&Turn::text("x").with_usage(7, 9), 100), (7, 9));
        let plain = Turn::text("x").tokens(0);
        assert_eq!((plain.cached, plain.reasoning), (None, None));
    }

    #[test]
    fn reasoning_and_cache_counts() {
        let t = Turn::text("abcd")
            .with_reasoning("12345678")
            .with_cached_tokens(3);
        let n = t.tokens(40);
        assert_eq!(n.completion, 3); // 4 + 8 bytes
        assert_eq!(n.reasoning, Some(2));
        assert_eq!(n.cached, Some(3));
        assert_eq!(n.total(), 13);
        let capped = t.with_usage(10, 1).tokens(0);
        assert_eq!(capped.reasoning, Some(1));
    }

    #[test]
    fn new_fields_default_from_json() {
        let t: Turn =
            serde_json::from_str(r#"{"status":529,"retry_after":"2","stall_after_events":3}"#)
                .unwrap();
        assert_eq!(
            t,
            Turn::http_error(529)
                .with_retry_after("2")
                .with_stall_after_events(3)
        );
        assert!(!Turn::call("f", serde_json::json!({})).has_text_part());
        assert!(Turn::default().has_text_part());
    }

    #[test]
    fn repeat_clones() {
        let v = repeat(Turn::text("a"), 3);
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|t| t.content.as_deref() == Some("a")));
    }
}
