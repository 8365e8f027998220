//! Fixtures follow the Anthropic Messages reference: request bodies, the
//! streaming events, and a whole message.

use chamber_protocol::{ToolCall, Usage};
use serde_json::{Value, json};

use super::request::{DEFAULT_MAX_TOKENS, body};
use super::stream::{AnthropicParser, reply_events};
use crate::test_support::{collect_events, events, parse_sse, sse_body};
use crate::{ChatRequest, ErrorKind, LlmError, Message, ResponseFormat, StreamEvent, ToolDef};

fn call(id: &str, name: &str, args: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: args.into(),
    }
}

fn tools() -> Vec<ToolDef> {
    vec![ToolDef {
        name: "read_file".into(),
        description: "Read a file.".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
    }]
}

#[test]
fn request_merges_turns_and_carries_tool_round_trips() {
    let mut thinking_turn = Message::assistant(
        "",
        vec![
            call("toolu_1", "read_file", r#"{"path":"a.py"}"#),
            call("toolu_2", "read_file", "{broken"),
        ],
    );
    thinking_turn.reasoning = "Need both files.".into();
    thinking_turn.reasoning_signature = Some("sig==".into());
    let mut r = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            Message::system("You are Chamber."),
            Message::user("Fix a.py"),
            Message::user("and b.py"),
            thinking_turn,
            Message::tool("toolu_1", "print(1)"),
            Message::tool("toolu_2", "error: no such file"),
            Message::user("Go on."),
            Message::assistant("Done.", vec![]),
        ],
    );
    r.tools = tools();
    r.temperature = Some(0.2);
    let b = body(&r, true);
    assert_eq!(b["model"], "claude-sonnet-4-5");
    assert_eq!(b["max_tokens"], DEFAULT_MAX_TOKENS);
    assert_eq!(b["system"], "You are Chamber.");
    assert_eq!(b["stream"], true);
    assert_eq!(b["temperature"], 0.2);
    assert!(b.get("thinking").is_none());
    assert!(b.get("tool_choice").is_none());
    assert_eq!(
        b["messages"],
        json!([
            {"role": "user", "content": [
                {"type": "text", "text": "Fix a.py"},
                {"type": "text", "text": "and b.py"}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Need both files.", "signature": "sig=="},
                {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "a.py"}},
                {"type": "tool_use", "id": "toolu_2", "name": "read_file", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "print(1)"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "error: no such file"},
                {"type": "text", "text": "Go on."}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Done."}]},
        ])
    );
    assert_eq!(
        b["tools"],
        json!([{"name": "read_file", "description": "Read a file.",
            "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}])
    );
}

#[test]
fn request_maps_require_tool_thinking_and_response_format() {
    let mut r = ChatRequest::new("claude", vec![Message::user("hi")]);
    r.tools = tools();
    r.require_tool = true;
    r.thinking_budget = Some(4000);
    r.temperature = Some(0.3);
    let b = body(&r, false);
    assert_eq!(b["tool_choice"], json!({"type": "any"}));
    // A forced tool choice cannot be combined with thinking.
    assert!(b.get("thinking").is_none());
    assert_eq!(b["temperature"], 0.3);
    assert!(b.get("system").is_none());

    r.require_tool = false;
    r.max_tokens = Some(2000);
    let b = body(&r, true);
    assert_eq!(
        b["thinking"],
        json!({"type": "enabled", "budget_tokens": 4000})
    );
    assert_eq!(b["max_tokens"], 6000, "max_tokens must exceed the budget");
    assert!(b.get("temperature").is_none());

    r.thinking_budget = Some(100);
    r.max_tokens = Some(16000);
    let b = body(&r, true);
    assert_eq!(
        b["thinking"]["budget_tokens"], 1024,
        "raised to the minimum"
    );
    assert_eq!(b["max_tokens"], 16000);

    let mut r = ChatRequest::new("claude", vec![Message::system("Plan."), Message::user("x")]);
    r.response_format = Some(ResponseFormat {
        name: "plan".into(),
        schema: json!({"type": "object", "properties": {"steps": {"type": "array"}}}),
    });
    let b = body(&r, true);
    let system = b["system"].as_str().unwrap();
    assert!(system.starts_with("Plan.\n\nAnswer with a single JSON value"));
    let schema: Value = serde_json::from_str(system.split_once(":\n").unwrap().1).unwrap();
    assert_eq!(schema["properties"]["steps"]["type"], "array");
}

fn ev(v: Value) -> (String, Value) {
    (v["type"].as_str().unwrap().to_string(), v)
}

fn message_start(usage: Value) -> (String, Value) {
    ev(
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
        "role": "assistant", "content": [], "model": "claude", "stop_reason": null,
        "stop_sequence": null, "usage": usage}}),
    )
}

fn delta(index: u64, delta: Value) -> (String, Value) {
    ev(json!({"type": "content_block_delta", "index": index, "delta": delta}))
}

fn start(index: u64, block: Value) -> (String, Value) {
    ev(json!({"type": "content_block_start", "index": index, "content_block": block}))
}

fn stop(index: u64) -> (String, Value) {
    ev(json!({"type": "content_block_stop", "index": index}))
}

fn end(reason: &str, output: u64) -> Vec<(String, Value)> {
    vec![
        ev(
            json!({"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": null},
            "usage": {"output_tokens": output}}),
        ),
        ev(json!({"type": "message_stop"})),
    ]
}

fn thinking_and_text_stream() -> String {
    let mut list = vec![
        message_start(json!({"input_tokens": 20, "cache_creation_input_tokens": 5,
            "cache_read_input_tokens": 100, "output_tokens": 1})),
        start(0, json!({"type": "thinking", "thinking": ""})),
        delta(0, json!({"type": "thinking_delta", "thinking": "Let me "})),
        delta(0, json!({"type": "thinking_delta", "thinking": "think."})),
        delta(
            0,
            json!({"type": "signature_delta", "signature": "EqQBCgIYAh=="}),
        ),
        stop(0),
        ev(json!({"type": "ping"})),
        start(1, json!({"type": "text", "text": ""})),
        delta(1, json!({"type": "text_delta", "text": "Hello"})),
        delta(1, json!({"type": "text_delta", "text": " there"})),
        stop(1),
    ];
    list.extend(end("end_turn", 15));
    sse_body(&list)
}

#[tokio::test]
async fn parses_thinking_text_and_cached_usage() {
    let out = events(AnthropicParser::default(), &thinking_and_text_stream()).await;
    assert_eq!(
        out,
        vec![
            StreamEvent::Reasoning("Let me ".into()),
            StreamEvent::Reasoning("think.".into()),
            StreamEvent::ReasoningSignature("EqQBCgIYAh==".into()),
            StreamEvent::Text("Hello".into()),
            StreamEvent::Text(" there".into()),
            StreamEvent::Finish("stop".into()),
            StreamEvent::Usage(Usage {
                prompt_tokens: 125,
                completion_tokens: 15,
                cached_tokens: 100,
                reasoning_tokens: 0,
            }),
            StreamEvent::Done,
        ]
    );
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(resp.content, "Hello there");
    assert_eq!(resp.reasoning, "Let me think.");
    assert_eq!(resp.reasoning_signature.as_deref(), Some("EqQBCgIYAh=="));
    assert_eq!(resp.usage.prompt_tokens, 125);
}

fn tool_stream() -> String {
    let mut list = vec![
        message_start(json!({"input_tokens": 40, "output_tokens": 2})),
        start(0, json!({"type": "text", "text": ""})),
        delta(0, json!({"type": "text_delta", "text": "Reading both."})),
        stop(0),
        start(
            1,
            json!({"type": "tool_use", "id": "toolu_a", "name": "read_file", "input": {}}),
        ),
        delta(1, json!({"type": "input_json_delta", "partial_json": ""})),
        delta(
            1,
            json!({"type": "input_json_delta", "partial_json": "{\"path\": \"a"}),
        ),
        delta(
            1,
            json!({"type": "input_json_delta", "partial_json": ".py\"}"}),
        ),
        stop(1),
        start(
            2,
            json!({"type": "tool_use", "id": "toolu_b", "name": "list_dir", "input": {}}),
        ),
        stop(2),
    ];
    list.extend(end("tool_use", 60));
    sse_body(&list)
}

#[tokio::test]
async fn parses_parallel_tool_calls_split_across_chunks() {
    let parsed = parse_sse(AnthropicParser::default(), &tool_stream()).await;
    let resp = collect_events(parsed).await.unwrap();
    assert_eq!(resp.content, "Reading both.");
    assert_eq!(
        resp.tool_calls,
        vec![
            call("toolu_a", "read_file", r#"{"path": "a.py"}"#),
            call("toolu_b", "list_dir", "{}"),
        ]
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        resp.usage,
        Usage {
            prompt_tokens: 40,
            completion_tokens: 60,
            ..Default::default()
        }
    );
}

#[tokio::test]
async fn max_tokens_finishes_with_length() {
    let mut list = vec![message_start(
        json!({"input_tokens": 1, "output_tokens": 1}),
    )];
    list.push(start(0, json!({"type": "text", "text": "Par"})));
    list.extend(end("max_tokens", 8));
    let out = events(AnthropicParser::default(), &sse_body(&list)).await;
    assert_eq!(out[0], StreamEvent::Text("Par".into()));
    assert!(out.contains(&StreamEvent::Finish("length".into())));
}

#[tokio::test]
async fn error_events_are_classified() {
    let cases = [
        ("overloaded_error", "Overloaded", ErrorKind::Overloaded),
        ("rate_limit_error", "slow down", ErrorKind::RateLimited),
        ("api_error", "internal", ErrorKind::Server),
        ("authentication_error", "bad key", ErrorKind::Auth),
        ("permission_error", "no", ErrorKind::Permission),
        ("not_found_error", "no model", ErrorKind::NotFound),
        (
            "invalid_request_error",
            "bad shape",
            ErrorKind::InvalidRequest,
        ),
        (
            "invalid_request_error",
            "prompt is too long: 250000 tokens > 200000 maximum",
            ErrorKind::ContextTooLong,
        ),
    ];
    for (kind, message, expected) in cases {
        let body = sse_body(&[
            message_start(json!({"input_tokens": 1, "output_tokens": 1})),
            ev(json!({"type": "error", "error": {"type": kind, "message": message}})),
            ev(json!({"type": "message_stop"})),
        ]);
        let out = parse_sse(AnthropicParser::default(), &body).await;
        assert_eq!(out.len(), 1, "the stream ends at the error");
        let err: &LlmError = out[0].as_ref().unwrap_err();
        assert_eq!(err.kind, expected, "{kind}: {message}");
    }
    let stray = sse_body(&[delta(
        3,
        json!({"type": "input_json_delta", "partial_json": "{"}),
    )]);
    let out = parse_sse(AnthropicParser::default(), &stray).await;
    assert_eq!(
        out[0].as_ref().unwrap_err().kind,
        ErrorKind::MalformedStream
    );
}

#[tokio::test]
async fn a_stream_cut_short_is_rejected_by_collect() {
    let body = sse_body(&[
        message_start(json!({"input_tokens": 1, "output_tokens": 1})),
        start(0, json!({"type": "text", "text": ""})),
        delta(0, json!({"type": "text_delta", "text": "Hel"})),
    ]);
    let err = collect_events(parse_sse(AnthropicParser::default(), &body).await)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::MalformedStream);
}

#[tokio::test]
async fn converts_a_whole_message() {
    let reply = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
        "content": [
            {"type": "thinking", "thinking": "Check first.", "signature": "c2ln"},
            {"type": "text", "text": "Looking."},
            {"type": "tool_use", "id": "toolu_1", "name": "read_file", "input": {"path": "a.py"}},
            {"type": "tool_use", "id": "toolu_2", "name": "list_dir", "input": {}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 10, "cache_read_input_tokens": 30, "output_tokens": 12}
    });
    let out = reply_events(&reply).unwrap();
    assert_eq!(out.last(), Some(&StreamEvent::Done));
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(resp.content, "Looking.");
    assert_eq!(resp.reasoning, "Check first.");
    assert_eq!(resp.reasoning_signature.as_deref(), Some("c2ln"));
    assert_eq!(
        resp.tool_calls,
        vec![
            call("toolu_1", "read_file", r#"{"path":"a.py"}"#),
            call("toolu_2", "list_dir", "{}"),
        ]
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        resp.usage,
        Usage {
            prompt_tokens: 40,
            completion_tokens: 12,
            cached_tokens: 30,
            reasoning_tokens: 0
        }
    );
    let error = json!({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}});
    assert_eq!(
        reply_events(&error).unwrap_err().kind,
        ErrorKind::Overloaded
    );
}
