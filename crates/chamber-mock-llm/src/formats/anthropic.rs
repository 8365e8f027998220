//! Anthropic Messages API: a scripted turn as the `message_start` … `message_stop` SSE event
//! sequence or as one `message` object, plus Anthropic's `{"type":"error",…}` error bodies.
//!
//! Content blocks come in this order: `thinking` (when the turn has reasoning), `text` (when it
//! has content, or has nothing else), then one `tool_use` block per call (parallel tool use).

use serde_json::{Value, json};

use super::{
    MAX_PIECE_CHARS, Reply, arguments_value, mark_flood, next_id, split_pieces, sse_event, to_json,
};
use crate::faults::FLOOD_PIECE;

/// One content block of the reply.
enum Block<'a> {
    /// Extended thinking with its signature.
    Thinking { text: &'a str, signature: String },
    /// Assistant text.
    Text(&'a str),
    /// A tool call; `arguments` is the scripted raw JSON text.
    ToolUse {
        id: String,
        name: &'a str,
        arguments: &'a str,
    },
}

impl Block<'_> {
    /// The block as it appears in a complete message.
    fn complete(&self) -> Value {
        match self {
            Block::Thinking { text, signature } => {
                json!({"type": "thinking", "thinking": text, "signature": signature})
            }
            Block::Text(text) => json!({"type": "text", "text": text}),
            Block::ToolUse {
                id,
                name,
                arguments,
            } => json!({
                "type": "tool_use", "id": id, "name": name, "input": arguments_value(arguments),
            }),
        }
    }

    /// The empty block announced by `content_block_start`.
    fn start(&self) -> Value {
        match self {
            Block::Thinking { .. } => json!({"type": "thinking", "thinking": "", "signature": ""}),
            Block::Text(_) => json!({"type": "text", "text": ""}),
            Block::ToolUse { id, name, .. } => {
                json!({"type": "tool_use", "id": id, "name": name, "input": {}})
            }
        }
    }

    /// The `content_block_delta` payloads that fill the block, split into small pieces.
    fn deltas(&self) -> Vec<Value> {
        match self {
            Block::Thinking { text, signature } => {
                let mut out: Vec<Value> = split_pieces(text, MAX_PIECE_CHARS)
                    .into_iter()
                    .map(|p| json!({"type": "thinking_delta", "thinking": p}))
                    .collect();
                out.push(json!({"type": "signature_delta", "signature": signature}));
                out
            }
            Block::Text(text) => split_pieces(text, MAX_PIECE_CHARS)
                .into_iter()
                .map(|p| json!({"type": "text_delta", "text": p}))
                .collect(),
            Block::ToolUse { arguments, .. } => split_pieces(arguments, MAX_PIECE_CHARS)
                .into_iter()
                .map(|p| json!({"type": "input_json_delta", "partial_json": p}))
                .collect(),
        }
    }
}

/// The reply's content blocks, in order.
fn blocks<'a>(reply: &'a Reply<'_>) -> Vec<Block<'a>> {
    let turn = reply.turn;
    let mut blocks = Vec::new();
    if let Some(text) = &turn.reasoning {
        blocks.push(Block::Thinking {
            text,
            signature: reply.signature(),
        });
    }
    if turn.has_text_part() {
        blocks.push(Block::Text(turn.content.as_deref().unwrap_or_default()));
    }
    let ids = reply.call_ids("toolu_");
    for (call, id) in turn.tool_calls.iter().zip(ids) {
        blocks.push(Block::ToolUse {
            id,
            name: &call.name,
            arguments: &call.arguments,
        });
    }
    blocks
}

/// `end_turn`, or `tool_use` when the turn calls tools.
fn stop_reason(reply: &Reply<'_>) -> &'static str {
    if reply.turn.tool_calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    }
}

/// The `usage` object; `input_tokens` excludes cache reads, as Anthropic reports it.
fn usage(reply: &Reply<'_>, output_tokens: u64) -> Value {
    let t = reply.tokens;
    let cached = t.cached.unwrap_or(0);
    json!({
        "input_tokens": t.prompt.saturating_sub(cached),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": output_tokens,
    })
}

/// The `message` object: empty and unfinished for `message_start`, complete otherwise.
fn message(reply: &Reply<'_>, id: &str, content: Option<Vec<Value>>) -> Value {
    let (content, stop_reason, output_tokens) = match content {
        Some(content) => (content, json!(stop_reason(reply)), reply.tokens.completion),
        None => (Vec::new(), Value::Null, 1),
    };
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": usage(reply, output_tokens),
    })
}

/// Builds the streamed events for a turn, from `message_start` to `message_stop`.
pub(crate) fn stream_events(reply: &Reply<'_>) -> Vec<String> {
    let id = reply.id("msg_");
    let mut events = Vec::new();
    let emit = |events: &mut Vec<String>, name: &str, mut data: Value| {
        data["type"] = json!(name);
        events.push(sse_event(Some(name), &data));
    };
    emit(
        &mut events,
        "message_start",
        json!({"message": message(reply, &id, None)}),
    );
    emit(&mut events, "ping", json!({}));
    let flood = reply.turn.flood_arguments();
    let mut flooded = false;
    for (index, block) in blocks(reply).iter().enumerate() {
        emit(
            &mut events,
            "content_block_start",
            json!({"index": index, "content_block": block.start()}),
        );
        for delta in block.deltas() {
            emit(
                &mut events,
                "content_block_delta",
                json!({"index": index, "delta": delta}),
            );
        }
        let template = match (block, flood) {
            (Block::Text(_), Some(false)) => json!({"type": "text_delta", "text": FLOOD_PIECE}),
            (Block::ToolUse { .. }, Some(true)) => {
                json!({"type": "input_json_delta", "partial_json": FLOOD_PIECE})
            }
            _ => Value::Null,
        };
        if !template.is_null() && !flooded {
            flooded = true;
            emit(
                &mut events,
                "content_block_delta",
                json!({"index": index, "delta": template}),
            );
            mark_flood(&mut events);
        }
        emit(&mut events, "content_block_stop", json!({"index": index}));
    }
    emit(
        &mut events,
        "message_delta",
        json!({
            "delta": {"stop_reason": stop_reason(reply), "stop_sequence": null},
            "usage": {"output_tokens": reply.tokens.completion},
        }),
    );
    emit(&mut events, "message_stop", json!({}));
    events
}

/// Serializes the non-streamed `message` object for a turn.
pub(crate) fn message_json(reply: &Reply<'_>) -> String {
    let content = blocks(reply).iter().map(Block::complete).collect();
    to_json(&message(reply, &reply.id("msg_"), Some(content)))
}

/// The Anthropic error type for an HTTP status.
fn kind_for_status(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// A default message for an Anthropic error type.
fn message_for_kind(kind: &str) -> &'static str {
    match kind {
        "authentication_error" => "invalid x-api-key",
        "permission_error" => {
            "Your API key does not have permission to use the specified resource."
        }
        "not_found_error" => "model: mock-model",
        "request_too_large" => "Request exceeds the maximum allowed number of bytes.",
        "rate_limit_error" => "Number of request tokens has exceeded your per-minute rate limit",
        "overloaded_error" => "Overloaded",
        "api_error" => "Internal server error",
        _ => "mock: scripted error",
    }
}

/// The error envelope `{"type":"error","error":{"type","message"},"request_id"}`.
fn error_value(kind: &str, message: &str) -> Value {
    json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": next_id("req_", 0),
    })
}

/// The error body for an HTTP status (529 is `overloaded_error`); `message` replaces the
/// default text.
pub(crate) fn error_for_status(status: u16, message: Option<&str>) -> String {
    let kind = kind_for_status(status);
    to_json(&error_value(
        kind,
        message.unwrap_or(message_for_kind(kind)),
    ))
}

/// The `event: error` Anthropic sends when a stream fails midway (e.g. `overloaded_error`).
pub(crate) fn stream_error_event(kind: &str) -> String {
    sse_event(Some("error"), &error_value(kind, message_for_kind(kind)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use crate::formats::tests::{parse_event, reply};
    use crate::script::Turn;

    #[test]
    fn block_order_and_signature() {
        let turn = Turn::calls(vec![("a", json!({"x": 1})), ("b", json!({}))])
            .with_reasoning("hmm")
            .with_cached_tokens(4);
        let request = json!({});
        let v: Value = serde_json::from_str(&message_json(&reply(&turn, &request))).unwrap();
        let kinds: Vec<&str> = v["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["thinking", "tool_use", "tool_use"]);
        assert_eq!(v["content"][0]["signature"], "sig-3");
        assert_eq!(v["content"][1]["input"], json!({"x": 1}));
        assert_eq!(v["stop_reason"], "tool_use");
        assert_eq!(v["usage"]["input_tokens"], 6); // 40 bytes / 4 - 4 cached
        assert_eq!(v["usage"]["cache_read_input_tokens"], 4);
    }

    #[test]
    fn stream_frames_are_named_after_their_type() {
        let turn = Turn::text("hello there, general");
        let request = json!({});
        let events = stream_events(&reply(&turn, &request));
        let names: Vec<String> = events
            .iter()
            .map(|e| {
                let (name, data) = parse_event(e);
                assert_eq!(name.as_deref(), data["type"].as_str());
                name.unwrap()
            })
            .collect();
        assert_eq!(names[..3], ["message_start", "ping", "content_block_start"]);
        assert_eq!(names[names.len() - 2..], ["message_delta", "message_stop"]);
    }

    #[test]
    fn errors() {
        let v: Value = serde_json::from_str(&error_for_status(529, None)).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "overloaded_error");
        let v: Value = serde_json::from_str(&error_for_status(400, Some("bad"))).unwrap();
        assert_eq!(
            v["error"],
            json!({"type": "invalid_request_error", "message": "bad"})
        );
        let (name, data) = parse_event(&stream_error_event("overloaded_error"));
        assert_eq!(name.as_deref(), Some("error"));
        assert_eq!(data["error"]["message"], "Overloaded");
    }
}
