//! OpenAI Responses API: a scripted turn as the `response.*` SSE event sequence (every event
//! named by an `event:` line and carrying `type` and `sequence_number`) or as one `response`
//! object. Errors use the OpenAI error envelope.

use serde_json::{Value, json};

use super::{MAX_PIECE_CHARS, Reply, split_pieces, sse_event};

/// Builds SSE events, numbering them with `sequence_number` as it goes.
struct Emitter {
    events: Vec<String>,
}

impl Emitter {
    /// Adds one event of type `kind` with the fields of `data` (an object).
    fn emit(&mut self, kind: &str, mut data: Value) {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(self.events.len());
        self.events.push(sse_event(Some(kind), &data));
    }
}

/// One output item of the reply, in its final (`completed`) form plus what streaming needs.
enum Item<'a> {
    /// A reasoning item whose summary is the turn's reasoning text.
    Reasoning { id: String, text: &'a str },
    /// The assistant message with one `output_text` part.
    Message { id: String, text: &'a str },
    /// One function call.
    Call {
        id: String,
        call_id: String,
        name: &'a str,
        arguments: &'a str,
    },
}

impl Item<'_> {
    /// The item as it appears in `output` once complete.
    fn done(&self) -> Value {
        match self {
            Item::Reasoning { id, text } => json!({
                "id": id, "type": "reasoning",
                "summary": [{"type": "summary_text", "text": text}],
            }),
            Item::Message { id, text } => json!({
                "id": id, "type": "message", "status": "completed", "role": "assistant",
                "content": [output_text(text)],
            }),
            Item::Call {
                id,
                call_id,
                name,
                arguments,
            } => json!({
                "id": id, "type": "function_call", "status": "completed",
                "call_id": call_id, "name": name, "arguments": arguments,
            }),
        }
    }

    /// The item as announced by `response.output_item.added`, before any content.
    fn added(&self) -> Value {
        match self {
            Item::Reasoning { id, .. } => json!({"id": id, "type": "reasoning", "summary": []}),
            Item::Message { id, .. } => json!({
                "id": id, "type": "message", "status": "in_progress", "role": "assistant",
                "content": [],
            }),
            Item::Call {
                id, call_id, name, ..
            } => json!({
                "id": id, "type": "function_call", "status": "in_progress",
                "call_id": call_id, "name": name, "arguments": "",
            }),
        }
    }
}

/// An `output_text` content part.
fn output_text(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": []})
}

/// The reply's output items, in order: reasoning, message, function calls.
fn items<'a>(reply: &'a Reply<'_>) -> Vec<Item<'a>> {
    let turn = reply.turn;
    let mut items = Vec::new();
    if let Some(text) = &turn.reasoning {
        items.push(Item::Reasoning {
            id: reply.id("rs_"),
            text,
        });
    }
    if turn.has_text_part() {
        items.push(Item::Message {
            id: reply.id("msg_"),
            text: turn.content.as_deref().unwrap_or_default(),
        });
    }
    let call_ids = reply.call_ids("call_");
    for (call, call_id) in turn.tool_calls.iter().zip(call_ids) {
        items.push(Item::Call {
            id: reply.id("fc_"),
            call_id,
            name: &call.name,
            arguments: &call.arguments,
        });
    }
    items
}

/// The Responses `usage` block.
fn usage(reply: &Reply<'_>) -> Value {
    let t = reply.tokens;
    json!({
        "input_tokens": t.prompt,
        "input_tokens_details": {"cached_tokens": t.cached.unwrap_or(0)},
        "output_tokens": t.completion,
        "output_tokens_details": {"reasoning_tokens": t.reasoning.unwrap_or(0)},
        "total_tokens": t.total(),
    })
}

/// The `response` object; `output`/`usage` are empty/null until the response completes.
fn response_object(reply: &Reply<'_>, id: &str, output: Option<Vec<Value>>) -> Value {
    let request = reply.request;
    let echo = |key: &str, default: Value| request.get(key).cloned().unwrap_or(default);
    let completed = output.is_some();
    json!({
        "id": id,
        "object": "response",
        "created_at": reply.created,
        "status": if completed { "completed" } else { "in_progress" },
        "error": null,
        "incomplete_details": null,
        "instructions": echo("instructions", Value::Null),
        "max_output_tokens": echo("max_output_tokens", Value::Null),
        "model": reply.model,
        "output": output.unwrap_or_default(),
        "parallel_tool_calls": echo("parallel_tool_calls", json!(true)),
        "previous_response_id": echo("previous_response_id", Value::Null),
        "reasoning": echo("reasoning", json!({"effort": null, "summary": null})),
        "store": echo("store", json!(true)),
        "text": {"format": {"type": "text"}},
        "tool_choice": echo("tool_choice", json!("auto")),
        "tools": echo("tools", json!([])),
        "truncation": "disabled",
        "usage": if completed { usage(reply) } else { Value::Null },
        "metadata": echo("metadata", json!({})),
    })
}

/// Builds the streamed `response.*` events for a turn, ending with `response.completed`.
pub(crate) fn stream_events(reply: &Reply<'_>) -> Vec<String> {
    let id = reply.id("resp_");
    let items = items(reply);
    let mut out = Emitter { events: Vec::new() };
    let pending = response_object(reply, &id, None);
    out.emit("response.created", json!({"response": pending}));
    out.emit("response.in_progress", json!({"response": pending}));

    for (output_index, item) in items.iter().enumerate() {
        out.emit(
            "response.output_item.added",
            json!({"output_index": output_index, "item": item.added()}),
        );
        match item {
            Item::Reasoning { id, text } => {
                let at = json!({"item_id": id, "output_index": output_index, "summary_index": 0});
                let with = |extra: Value| merge(&at, extra);
                let part = |text: &str| json!({"type": "summary_text", "text": text});
                out.emit(
                    "response.reasoning_summary_part.added",
                    with(json!({"part": part("")})),
                );
                for piece in split_pieces(text, MAX_PIECE_CHARS) {
                    out.emit(
                        "response.reasoning_summary_text.delta",
                        with(json!({"delta": piece})),
                    );
                }
                out.emit(
                    "response.reasoning_summary_text.done",
                    with(json!({"text": text})),
                );
                out.emit(
                    "response.reasoning_summary_part.done",
                    with(json!({"part": part(text)})),
                );
            }
            Item::Message { id, text } => {
                let at = json!({"item_id": id, "output_index": output_index, "content_index": 0});
                let with = |extra: Value| merge(&at, extra);
                out.emit(
                    "response.content_part.added",
                    with(json!({"part": output_text("")})),
                );
                for piece in split_pieces(text, MAX_PIECE_CHARS) {
                    out.emit(
                        "response.output_text.delta",
                        with(json!({"delta": piece, "logprobs": []})),
                    );
                }
                out.emit(
                    "response.output_text.done",
                    with(json!({"text": text, "logprobs": []})),
                );
                out.emit(
                    "response.content_part.done",
                    with(json!({"part": output_text(text)})),
                );
            }
            Item::Call {
                id,
                name,
                arguments,
                ..
            } => {
                let at = json!({"item_id": id, "output_index": output_index});
                for piece in split_pieces(arguments, MAX_PIECE_CHARS) {
                    out.emit(
                        "response.function_call_arguments.delta",
                        merge(&at, json!({"delta": piece})),
                    );
                }
                out.emit(
                    "response.function_call_arguments.done",
                    merge(&at, json!({"name": name, "arguments": arguments})),
                );
            }
        }
        out.emit(
            "response.output_item.done",
            json!({"output_index": output_index, "item": item.done()}),
        );
    }

    let output = items.iter().map(Item::done).collect();
    let done = response_object(reply, &id, Some(output));
    out.emit("response.completed", json!({"response": done}));
    out.events
}

/// Serializes the non-streamed `response` object for a turn.
pub(crate) fn response_json(reply: &Reply<'_>) -> String {
    let output = items(reply).iter().map(Item::done).collect();
    super::to_json(&response_object(reply, &reply.id("resp_"), Some(output)))
}

/// The `error` event the Responses API sends when a stream fails midway; `kind` is its `code`.
pub(crate) fn stream_error_event(kind: &str, seq: usize) -> String {
    let message = match kind {
        "server_error" => {
            "The server had an error while processing your request. Sorry about that!"
        }
        "rate_limit_exceeded" => "Rate limit reached for mock-model (mock).",
        _ => "mock: scripted in-stream error",
    };
    let data = json!({
        "type": "error", "code": kind, "message": message, "param": null, "sequence_number": seq,
    });
    sse_event(Some("error"), &data)
}

/// `base` with the fields of `extra` added (both objects).
fn merge(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend(extra);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use crate::formats::tests::{parse_event, reply};
    use crate::script::Turn;

    #[test]
    fn every_event_is_named_typed_and_numbered() {
        let turn = Turn::call("f", json!({"path": "a/very/long/path.txt"}))
            .with_content("Let me look at the file.")
            .with_reasoning("Need the file first.");
        let request = json!({"instructions": "be brief", "tools": [{"type": "function"}]});
        let events = stream_events(&reply(&turn, &request));
        for (i, e) in events.iter().enumerate() {
            let (name, data) = parse_event(e);
            assert_eq!(name.as_deref(), data["type"].as_str());
            assert_eq!(data["sequence_number"], i);
        }
        let (_, first) = parse_event(&events[0]);
        assert_eq!(first["response"]["instructions"], "be brief");
        assert_eq!(first["response"]["status"], "in_progress");
        let (name, last) = parse_event(events.last().unwrap());
        assert_eq!(name.as_deref(), Some("response.completed"));
        let kinds: Vec<&str> = last["response"]["output"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["reasoning", "message", "function_call"]);
        assert_eq!(
            last["response"]["usage"]["output_tokens_details"]["reasoning_tokens"],
            5
        );
    }

    #[test]
    fn error_event_shape() {
        let (name, data) = parse_event(&stream_error_event("server_error", 4));
        assert_eq!(name.as_deref(), Some("error"));
        assert_eq!(data["code"], "server_error");
        assert_eq!(data["sequence_number"], 4);
    }
}
