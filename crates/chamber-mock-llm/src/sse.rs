//! Turning a scripted turn into OpenAI-format SSE events, split the way real providers split them.

use crate::script::Turn;
use crate::wire::{Chunk, ChunkChoice, Delta, FunctionDelta, ReplyMeta, ToolCallDelta, Usage};

/// Longest piece (in chars) of content or arguments carried by one chunk.
const MAX_PIECE_CHARS: usize = 16;

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

/// Builds the SSE events (each `data: …\n\n`, ending with `data: [DONE]\n\n`) for a turn.
pub(crate) fn stream_events(
    turn: &Turn,
    meta: &ReplyMeta,
    call_ids: &[String],
    include_usage: bool,
    usage: Usage,
) -> Vec<String> {
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
        tool_calls: None,
    };
    push(&mut events, first, None);

    if let Some(text) = &turn.content {
        for piece in split_pieces(text, MAX_PIECE_CHARS) {
            let delta = Delta {
                content: Some(Some(piece)),
                ..Delta::default()
            };
            push(&mut events, delta, None);
        }
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
    let json = serde_json::to_string(chunk).unwrap_or_else(|_| String::from("{}"));
    format!("data: {json}\n\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn meta() -> ReplyMeta {
        ReplyMeta {
            id: "chatcmpl-x".into(),
            created: 1,
            model: "m".into(),
        }
    }

    fn parse(events: &[String]) -> Vec<Value> {
        events
            .iter()
            .filter(|e| *e != "data: [DONE]\n\n")
            .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap().trim_end()).unwrap())
            .collect()
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
    fn tool_call_stream_shape() {
        let turn = Turn::call("read_file", json!({"path": "src/main.rs"}));
        let ids = vec!["call_1".to_string()];
        let events = stream_events(&turn, &meta(), &ids, false, Usage::new((1, 1)));
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
        let events = stream_events(&Turn::text("hi"), &meta(), &[], true, Usage::new((3, 4)));
        let chunks = parse(&events);
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
}
