//! Fixtures follow the Responses API reference: request bodies, the
//! semantic streaming events, and a whole response object.

use chamber_protocol::{ToolCall, Usage};
use serde_json::{Value, json};

use super::request::{body, effort};
use super::stream::{ResponsesParser, reply_events};
use crate::test_support::{collect_events, events, parse_sse, sse_body};
use crate::{ChatRequest, ErrorKind, Message, ResponseFormat, StreamEvent, ToolDef};

fn tool_request() -> ChatRequest {
    let mut r = ChatRequest::new(
        "gpt-5",
        vec![
            Message::system("You are Chamber."),
            Message::system("Be brief."),
            Message::user("Fix a.py"),
            Message::assistant(
                "Reading it.",
                vec![ToolCall {
                    id: "call_1".into(),
                    name: "read_file".into(),
                    arguments: r#"{"path":"a.py"}"#.into(),
                }],
            ),
            Message::tool("call_1", "print(1)"),
        ],
    );
    r.tools = vec![ToolDef {
        name: "read_file".into(),
        description: "Read a file.".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
    }];
    r
}

#[test]
fn request_has_instructions_items_and_flat_tools() {
    let mut r = tool_request();
    r.require_tool = true;
    r.max_tokens = Some(500);
    r.temperature = Some(0.5);
    let b = body(&r, true);
    assert_eq!(b["model"], "gpt-5");
    assert_eq!(b["instructions"], "You are Chamber.\n\nBe brief.");
    assert_eq!(b["store"], false);
    assert_eq!(b["stream"], true);
    assert_eq!(
        b["input"],
        json!([
            {"role": "user", "content": "Fix a.py"},
            {"role": "assistant", "content": "Reading it."},
            {"type": "function_call", "call_id": "call_1", "name": "read_file",
             "arguments": "{\"path\":\"a.py\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "print(1)"},
        ])
    );
    assert_eq!(
        b["tools"],
        json!([{"type": "function", "name": "read_file", "description": "Read a file.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
            "strict": false}])
    );
    assert_eq!(b["tool_choice"], "required");
    assert_eq!(b["max_output_tokens"], 500);
    assert_eq!(b["temperature"], 0.5);
    assert!(b.get("reasoning").is_none());
    assert!(b.get("text").is_none());
}

#[test]
fn request_maps_thinking_and_response_format() {
    let mut r = ChatRequest::new("o4-mini", vec![Message::user("plan")]);
    r.thinking_budget = Some(4096);
    r.response_format = Some(ResponseFormat {
        name: "plan".into(),
        schema: json!({"type": "object"}),
    });
    let b = body(&r, false);
    assert_eq!(b["stream"], false);
    assert!(b.get("instructions").is_none());
    assert!(b.get("tools").is_none());
    assert_eq!(
        b["reasoning"],
        json!({"effort": "medium", "summary": "auto"})
    );
    assert_eq!(
        b["text"],
        json!({"format": {"type": "json_schema", "name": "plan", "schema": {"type": "object"}}})
    );
    assert_eq!(effort(1024), "low");
    assert_eq!(effort(2048), "low");
    assert_eq!(effort(8192), "medium");
    assert_eq!(effort(8193), "high");
}

/// An event named after its `type`, as the API sends them.
fn ev(v: Value) -> (String, Value) {
    (v["type"].as_str().unwrap().to_string(), v)
}

fn completed(usage: Value) -> (String, Value) {
    ev(json!({"type": "response.completed", "sequence_number": 99,
        "response": {"id": "resp_1", "object": "response", "status": "completed", "usage": usage}}))
}

fn text_stream() -> String {
    sse_body(&[
        ev(json!({"type": "response.created", "sequence_number": 0,
            "response": {"id": "resp_1", "status": "in_progress", "output": []}})),
        ev(json!({"type": "response.in_progress", "sequence_number": 1,
            "response": {"id": "resp_1", "status": "in_progress"}})),
        ev(
            json!({"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
            "item": {"id": "rs_1", "type": "reasoning", "summary": []}}),
        ),
        ev(
            json!({"type": "response.reasoning_summary_part.added", "sequence_number": 3,
            "item_id": "rs_1", "output_index": 0, "summary_index": 0,
            "part": {"type": "summary_text", "text": ""}}),
        ),
        ev(
            json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 4,
            "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Think"}),
        ),
        ev(
            json!({"type": "response.reasoning_summary_part.added", "sequence_number": 5,
            "item_id": "rs_1", "output_index": 0, "summary_index": 1,
            "part": {"type": "summary_text", "text": ""}}),
        ),
        ev(
            json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 6,
            "item_id": "rs_1", "output_index": 0, "summary_index": 1, "delta": "ing."}),
        ),
        ev(
            json!({"type": "response.output_item.added", "sequence_number": 7, "output_index": 1,
            "item": {"id": "msg_1", "type": "message", "status": "in_progress",
                     "role": "assistant", "content": []}}),
        ),
        ev(
            json!({"type": "response.content_part.added", "sequence_number": 8,
            "item_id": "msg_1", "output_index": 1, "content_index": 0,
            "part": {"type": "output_text", "text": "", "annotations": []}}),
        ),
        ev(
            json!({"type": "response.output_text.delta", "sequence_number": 9,
            "item_id": "msg_1", "output_index": 1, "content_index": 0, "delta": "Hello"}),
        ),
        ev(
            json!({"type": "response.output_text.delta", "sequence_number": 10,
            "item_id": "msg_1", "output_index": 1, "content_index": 0, "delta": ", wörld"}),
        ),
        ev(
            json!({"type": "response.output_text.done", "sequence_number": 11,
            "item_id": "msg_1", "output_index": 1, "content_index": 0, "text": "Hello, wörld"}),
        ),
        ev(json!({"type": "response.some_future_event", "sequence_number": 12})),
        completed(
            json!({"input_tokens": 120, "input_tokens_details": {"cached_tokens": 100},
            "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 12},
            "total_tokens": 150}),
        ),
    ])
}

#[tokio::test]
async fn parses_a_text_stream_with_reasoning_and_cached_usage() {
    let out = events(ResponsesParser::default(), &text_stream()).await;
    assert_eq!(
        out,
        vec![
            StreamEvent::Reasoning("Think".into()),
            StreamEvent::Reasoning("\n\n".into()),
            StreamEvent::Reasoning("ing.".into()),
            StreamEvent::Text("Hello".into()),
            StreamEvent::Text(", wörld".into()),
            StreamEvent::Usage(Usage {
                prompt_tokens: 120,
                completion_tokens: 30,
                cached_tokens: 100,
                reasoning_tokens: 12,
            }),
            StreamEvent::Finish("stop".into()),
            StreamEvent::Done,
        ]
    );
}

fn call_added(seq: u64, output_index: u64, item: &str, call: &str, name: &str) -> (String, Value) {
    ev(
        json!({"type": "response.output_item.added", "sequence_number": seq,
        "output_index": output_index,
        "item": {"id": item, "type": "function_call", "status": "in_progress",
                 "call_id": call, "name": name, "arguments": ""}}),
    )
}

fn args_delta(seq: u64, output_index: u64, item: &str, delta: &str) -> (String, Value) {
    ev(
        json!({"type": "response.function_call_arguments.delta", "sequence_number": seq,
        "item_id": item, "output_index": output_index, "delta": delta}),
    )
}

fn two_calls() -> String {
    sse_body(&[
        call_added(1, 0, "fc_a", "call_a", "read_file"),
        args_delta(2, 0, "fc_a", "{\"pa"),
        args_delta(3, 0, "fc_a", "th\":\"a."),
        call_added(4, 1, "fc_b", "call_b", "shell"),
        args_delta(5, 0, "fc_a", "py\"}"),
        args_delta(6, 1, "fc_b", "{\"command\":\"ls\"}"),
        ev(
            json!({"type": "response.function_call_arguments.done", "sequence_number": 7,
            "item_id": "fc_a", "output_index": 0, "arguments": "{\"path\":\"a.py\"}"}),
        ),
        ev(
            json!({"type": "response.output_item.done", "sequence_number": 8, "output_index": 1,
            "item": {"id": "fc_b", "type": "function_call", "status": "completed",
                     "call_id": "call_b", "name": "shell", "arguments": "{\"command\":\"ls\"}"}}),
        ),
        completed(json!({"input_tokens": 50, "output_tokens": 20})),
    ])
}

#[tokio::test]
async fn parses_parallel_tool_calls_split_across_chunks() {
    let out = events(ResponsesParser::default(), &two_calls()).await;
    let delta =
        |index, id: Option<&str>, name: Option<&str>, args: &str| StreamEvent::ToolCallDelta {
            index,
            id: id.map(String::from),
            name: name.map(String::from),
            arguments: args.into(),
        };
    assert_eq!(
        out,
        vec![
            delta(0, Some("call_a"), Some("read_file"), ""),
            delta(0, None, None, "{\"pa"),
            delta(0, None, None, "th\":\"a."),
            delta(1, Some("call_b"), Some("shell"), ""),
            delta(0, None, None, "py\"}"),
            delta(1, None, None, "{\"command\":\"ls\"}"),
            StreamEvent::Usage(Usage {
                prompt_tokens: 50,
                completion_tokens: 20,
                ..Default::default()
            }),
            StreamEvent::Finish("tool_calls".into()),
            StreamEvent::Done,
        ]
    );
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(
        resp.tool_calls,
        vec![
            ToolCall {
                id: "call_a".into(),
                name: "read_file".into(),
                arguments: r#"{"path":"a.py"}"#.into()
            },
            ToolCall {
                id: "call_b".into(),
                name: "shell".into(),
                arguments: r#"{"command":"ls"}"#.into()
            },
        ]
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
}

#[tokio::test]
async fn collect_assembles_a_streamed_answer() {
    let parsed = parse_sse(ResponsesParser::default(), &text_stream()).await;
    let resp = collect_events(parsed).await.unwrap();
    assert_eq!(resp.content, "Hello, wörld");
    assert_eq!(resp.reasoning, "Think\n\ning.");
    assert_eq!(resp.usage.cached_tokens, 100);
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
    assert!(resp.tool_calls.is_empty());
}

#[tokio::test]
async fn an_incomplete_response_finishes_with_length() {
    let body = sse_body(&[
        ev(
            json!({"type": "response.output_text.delta", "item_id": "m", "output_index": 0,
            "content_index": 0, "delta": "Par"}),
        ),
        ev(
            json!({"type": "response.incomplete", "response": {"id": "r", "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "usage": {"input_tokens": 5, "output_tokens": 16}}}),
        ),
    ]);
    let out = events(ResponsesParser::default(), &body).await;
    assert_eq!(out[out.len() - 2], StreamEvent::Finish("length".into()));
    assert_eq!(out[out.len() - 1], StreamEvent::Done);
}

#[tokio::test]
async fn failures_and_error_events_are_classified() {
    let failed = sse_body(&[ev(json!({"type": "response.failed", "sequence_number": 3,
        "response": {"id": "r", "status": "failed",
            "error": {"code": "rate_limit_exceeded", "message": "Slow down"}}}))]);
    let out = parse_sse(ResponsesParser::default(), &failed).await;
    let err = out[0].as_ref().unwrap_err();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.message.contains("Slow down"));

    let cases = [
        ("server_error", ErrorKind::Server),
        ("context_length_exceeded", ErrorKind::ContextTooLong),
        ("invalid_prompt", ErrorKind::InvalidRequest),
    ];
    for (code, kind) in cases {
        let body = sse_body(&[
            ev(
                json!({"type": "response.output_text.delta", "item_id": "m", "output_index": 0,
                "content_index": 0, "delta": "x"}),
            ),
            ev(
                json!({"type": "error", "code": code, "message": "m", "param": null,
                "sequence_number": 2}),
            ),
        ]);
        let out = parse_sse(ResponsesParser::default(), &body).await;
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].as_ref().unwrap_err().kind, kind, "{code}");
    }

    let orphan = sse_body(&[args_delta(1, 4, "fc_zz", "{}")]);
    let out = parse_sse(ResponsesParser::default(), &orphan).await;
    assert_eq!(
        out[0].as_ref().unwrap_err().kind,
        ErrorKind::MalformedStream
    );
}

#[tokio::test]
async fn a_stream_without_completion_is_rejected_by_collect() {
    let body = sse_body(&[ev(
        json!({"type": "response.output_text.delta", "item_id": "m",
        "output_index": 0, "content_index": 0, "delta": "Hel"}),
    )]);
    let parsed = parse_sse(ResponsesParser::default(), &body).await;
    let err = collect_events(parsed).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::MalformedStream);
}

#[tokio::test]
async fn converts_a_whole_response() {
    let reply = json!({
        "id": "resp_1", "object": "response", "status": "completed",
        "output": [
            {"id": "rs_1", "type": "reasoning",
             "summary": [{"type": "summary_text", "text": "Look first."}]},
            {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "Reading.", "annotations": []}]},
            {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_9",
             "name": "read_file", "arguments": "{\"path\":\"a.py\"}"},
        ],
        "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 2},
                  "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 3}}
    });
    let out = reply_events(&reply).unwrap();
    assert_eq!(out.last(), Some(&StreamEvent::Done));
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(resp.content, "Reading.");
    assert_eq!(resp.reasoning, "Look first.");
    assert_eq!(
        resp.tool_calls,
        vec![ToolCall {
            id: "call_9".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"a.py"}"#.into()
        }]
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(
        resp.usage,
        Usage {
            prompt_tokens: 10,
            completion_tokens: 7,
            cached_tokens: 2,
            reasoning_tokens: 3
        }
    );

    let failed = json!({"status": "failed", "error": {"code": "server_error", "message": "x"}});
    assert_eq!(reply_events(&failed).unwrap_err().kind, ErrorKind::Server);
}
