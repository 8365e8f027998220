//! OpenAI Chat Completions: a scripted turn as `chat.completion.chunk` SSE events (split the
//! way real providers split them) or as one `chat.completion` object.

use super::openai_wire::{
    Chunk, ChunkChoice, Completion, CompletionChoice, Delta, Function, FunctionDelta, Message,
    ReplyMeta, ToolCall, ToolCallDelta, Usage, error_json,
};
use super::{MAX_PIECE_CHARS, Reply, mark_flood, split_pieces, to_json};
use crate::faults::FLOOD_PIECE;

/// The identity fields every chunk of this reply shares.
fn meta(reply: &Reply<'_>) -> ReplyMeta {
    ReplyMeta {
        id: reply.id("chatcmpl-"),
        created: reply.created,
        model: reply.model.clone(),
    }
}

/// Whether the request asked for a trailing usage chunk (`stream_options.include_usage`).
fn include_usage(reply: &Reply<'_>) -> bool {
    reply
        .request
        .pointer("/stream_options/include_usage")
        .and_then(serde_json::Value::as_bool)
        == Some(true)
}

/// Builds the SSE events (each `data: …\n\n`, ending with `data: [DONE]\n\n`) for a turn.
pub(crate) fn stream_events(reply: &Reply<'_>) -> Vec<String> {
    let turn = reply.turn;
    let meta = &meta(reply);
    let call_ids = &reply.call_ids("call_");
    let include_usage = include_usage(reply);
    let usage = Usage::new(reply.tokens);
    let mut events = Vec::new();
    let chunk_usage = include_usage.then_some(None);
    let push = |events: &mut Vec<String>, delta: Delta<'_>, finish: Option<&'static str>| {
        let chunk = Chunk {
            id: &meta.id,
            object: "chat.completion.chunk",
            created: meta.created,
            model: &meta.model,
            system_fingerprint: None,
            choices: vec![ChunkChoice {
                index: 0,
                delta,
                logprobs: None,
                finish_reason: finish,
            }],
            usage: chunk_usage,
        };
        events.push(data_event(&chunk));
    };

    let first_content = match (&turn.content, turn.tool_calls.is_empty()) {
        (None, false) => None,
        _ => Some(""),
    };
    let first = Delta {
        role: Some("assistant"),
        content: Some(first_content),
        ..Delta::default()
    };
    push(&mut events, first, None);

    if let Some(reasoning) = &turn.reasoning {
        for piece in split_pieces(reasoning, MAX_PIECE_CHARS) {
            let delta = Delta {
                reasoning_content: Some(piece),
                ..Delta::default()
            };
            push(&mut events, delta, None);
        }
    }

    if let Some(text) = &turn.content {
        for piece in split_pieces(text, MAX_PIECE_CHARS) {
            let delta = Delta {
                content: Some(Some(piece)),
                ..Delta::default()
            };
            push(&mut events, delta, None);
        }
    }
    if turn.flood_arguments() == Some(false) {
        let delta = Delta {
            content: Some(Some(FLOOD_PIECE)),
            ..Delta::default()
        };
        push(&mut events, delta, None);
        mark_flood(&mut events);
    }

    for (index, (call, id)) in turn.tool_calls.iter().zip(call_ids).enumerate() {
        let header = ToolCallDelta {
            index,
            id: Some(id),
            kind: Some("function"),
            function: FunctionDelta {
                name: Some(&call.name),
                arguments: "",
            },
        };
        push(&mut events, tool_delta(header), None);
        for piece in split_pieces(&call.arguments, MAX_PIECE_CHARS) {
            let fragment = ToolCallDelta {
                index,
                id: None,
                kind: None,
                function: FunctionDelta {
                    name: None,
                    arguments: piece,
                },
            };
            push(&mut events, tool_delta(fragment), None);
        }
        if index == 0 && turn.flood_arguments() == Some(true) {
            let fragment = ToolCallDelta {
                index,
                id: None,
                kind: None,
                function: FunctionDelta {
                    name: None,
                    arguments: FLOOD_PIECE,
                },
            };
            push(&mut events, tool_delta(fragment), None);
            mark_flood(&mut events);
        }
    }

    push(&mut events, Delta::default(), Some(turn.finish_reason()));

    if include_usage {
        let chunk = Chunk {
            id: &meta.id,
            object: "chat.completion.chunk",
            created: meta.created,
            model: &meta.model,
            system_fingerprint: None,
            choices: Vec::new(),
            usage: Some(Some(usage)),
        };
        events.push(data_event(&chunk));
    }
    events.push(String::from("data: [DONE]\n\n"));
    events
}

/// Wraps one tool-call fragment in a delta.
fn tool_delta(call: ToolCallDelta<'_>) -> Delta<'_> {
    Delta {
        tool_calls: Some(vec![call]),
        ..Delta::default()
    }
}

/// Formats one chunk as an SSE `data:` event.
fn data_event(chunk: &Chunk<'_>) -> String {
    format!("data: {}\n\n", to_json(chunk))
}

/// The `data: {"error":…}` chunk OpenAI sends when a stream fails midway; `kind` is the
/// error `type` (e.g. `server_error`).
pub(crate) fn stream_error_event(kind: &str) -> String {
    let message = match kind {
        "server_error" => {
            "The server had an error while processing your request. Sorry about that!"
        }
        _ => "mock: scripted in-stream error",
    };
    format!("data: {}\n\n", error_json(message, kind, None))
}

/// Serializes the non-streamed `chat.completion` object for a turn.
pub(crate) fn completion_json(reply: &Reply<'_>) -> String {
    let turn = reply.turn;
    let meta = meta(reply);
    let call_ids = reply.call_ids("call_");
    let tool_calls = turn
        .tool_calls
        .iter()
        .zip(&call_ids)
        .map(|(call, id)| ToolCall {
            id,
            kind: "function",
            function: Function {
                name: &call.name,
                arguments: &call.arguments,
            },
        })
        .collect::<Vec<_>>();
    let content = match (&turn.content, tool_calls.is_empty()) {
        (Some(text), _) => Some(text.as_str()),
        (None, true) => Some(""),
        (None, false) => None,
    };
    let completion = Completion {
        id: &meta.id,
        object: "chat.completion",
        created: meta.created,
        model: &meta.model,
        choices: vec![CompletionChoice {
            index: 0,
            message: Message {
                role: "assistant",
                content,
                reasoning_content: turn.reasoning.as_deref(),
                tool_calls,
            },
            logprobs: None,
            finish_reason: turn.finish_reason(),
        }],
        usage: Usage::new(reply.tokens),
        system_fingerprint: None,
    };
    to_json(&completion)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use crate::formats::tests::reply;
    use crate::script::Turn;
    use serde_json::{Value, json};

    fn parse(events: &[String]) -> Vec<Value> {
        events
            .iter()
            .filter(|e| *e != "data: [DONE]\n\n")
            .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap().trim_end()).unwrap())
            .collect()
    }

    #[test]
    fn tool_call_stream_shape() {
        let mut turn = Turn::call("read_file", json!({"path": "src/main.rs"}));
        turn.tool_calls[0].id = Some("call_1".into());
        let request = json!({});
        let events = stream_events(&reply(&turn, &request));
        assert_eq!(events.last().unwrap(), "data: [DONE]\n\n");
        let chunks = parse(&events);
        assert_eq!(
            chunks[0]["choices"][0]["delta"],
            json!({"role":"assistant","content":null})
        );
        assert!(chunks.iter().all(|c| c.get("usage").is_none()));
        assert_eq!(
            chunks[1]["choices"][0]["delta"]["tool_calls"][0],
            json!({"index":0,"id":"call_1","type":"function","function":{"name":"read_file","arguments":""}})
        );
        let last = chunks.last().unwrap();
        assert_eq!(last["choices"][0]["delta"], json!({}));
        assert_eq!(last["choices"][0]["finish_reason"], "tool_calls");
    }

    #[test]
    fn usage_chunk_when_requested() {
        let turn = Turn::text("hi").with_usage(3, 4);
        let request = json!({"stream_options": {"include_usage": true}});
        let chunks = parse(&stream_events(&reply(&turn, &request)));
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| c["usage"].is_null())
        );
        let last = chunks.last().unwrap();
        assert_eq!(last["choices"], json!([]));
        assert_eq!(
            last["usage"],
            json!({"prompt_tokens":3,"completion_tokens":4,"total_tokens":7})
        );
    }

    #[test]
    fn reasoning_and_cache_details() {
        let turn = Turn::text("answer")
            .with_reasoning("because of many reasons")
            .with_cached_tokens(5)
            .with_usage(20, 10);
        let request = json!({"stream_options": {"include_usage": true}});
        let chunks = parse(&stream_events(&reply(&turn, &request)));
        let reasoning: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["reasoning_content"].as_str())
            .collect();
        assert_eq!(reasoning, "because of many reasons");
        let usage = &chunks.last().unwrap()["usage"];
        assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 5);
        assert_eq!(usage["completion_tokens_details"]["reasoning_tokens"], 5);
        let v: Value = serde_json::from_str(&completion_json(&reply(&turn, &request))).unwrap();
        let message = &v["choices"][0]["message"];
        assert_eq!(message["reasoning_content"], "because of many reasons");
    }

    #[test]
    fn in_stream_error_chunk() {
        let e = stream_error_event("server_error");
        let v: Value = serde_json::from_str(e.strip_prefix("data: ").unwrap().trim_end()).unwrap();
        assert_eq!(v["error"]["type"], "server_error");
    }
}
