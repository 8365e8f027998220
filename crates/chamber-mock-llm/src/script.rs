//! The script format: what the mock server answers, turn by turn.

use serde::{Deserialize, Serialize};

/// One scripted reply, deserializable from JSON so the binary can load a script file.
///
/// Each request to `/v1/chat/completions` consumes exactly one `Turn`, in order.
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
    /// When set and not 200: reply with this HTTP status and `body`
    /// (or an OpenAI-style error JSON when `body` is `None`).
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
    /// Usage override for `completion_tokens`; default is (content + arguments bytes) / 4, at least 1.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
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

    /// The `finish_reason` this turn ends with: `tool_calls` when it calls tools, else `stop`.
    pub(crate) fn finish_reason(&self) -> &'static str {
        if self.tool_calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        }
    }

    /// Usage reported for this turn, given the raw request body length.
    pub(crate) fn usage(&self, request_bytes: usize) -> (u64, u64) {
        let prompt = self.prompt_tokens.unwrap_or(request_bytes as u64 / 4);
        let completion = self.completion_tokens.unwrap_or_else(|| {
            let text = self.content.as_deref().map_or(0, str::len);
            let args: usize = self.tool_calls.iter().map(|c| c.arguments.len()).sum();
            ((text + args) as u64 / 4).max(1)
        });
        (prompt, completion)
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
        assert_eq!(Turn::text("").usage(40), (10, 1));
        assert_eq!(Turn::text("abcdefgh").usage(3), (0, 2));
        let t = Turn::call("f", serde_json::json!({"a": 1})).with_content("abcd");
        assert_eq!(t.usage(0).1, 2); // "abcd" + {"a":1} = 11 bytes
        assert_eq!(Turn::text("x").with_usage(7, 9).usage(100), (7, 9));
    }

    #[test]
    fn repeat_clones() {
        let v = repeat(Turn::text("a"), 3);
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|t| t.content.as_deref() == Some("a")));
    }
}
