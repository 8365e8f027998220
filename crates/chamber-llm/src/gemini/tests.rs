//! Fixtures follow the Gemini API reference: `generateContent` bodies and
//! `GenerateContentResponse` chunks as `streamGenerateContent?alt=sse` sends them.

use chamber_protocol::{ToolCall, Usage};
use serde_json::{Value, json};

use super::api_root;
use super::request::body;
use super::stream::{GeminiParser, reply_events};
use crate::test_support::{collect_events, events, parse_sse, sse_body};
use crate::{ChatRequest, ErrorKind, Message, ResponseFormat, StreamEvent, ToolDef};

fn call(id: &str, name: &str, args: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: args.into(),
    }
}

#[test]
fn request_has_turns_function_parts_and_declarations() {
    let mut asked = Message::assistant(
        "Reading.",
        vec![
            call("gemini_call_0", "read_file", r#"{"path":"a.py"}"#),
            call("gemini_call_1", "list_dir", "not json"),
        ],
    );
    asked.reasoning_signature = Some("sig".into());
    let mut r = ChatRequest::new(
        "models/gemini-2.5-pro",
        vec![
            Message::system("You are Chamber."),
            Message::user("Fix a.py"),
            asked,
            Message::tool("gemini_call_0", "print(1)"),
            Message::tool("gemini_call_1", "a.py"),
            Message::assistant("Done.", vec![]),
        ],
    );
    r.tools = vec![
        ToolDef {
            name: "read_file".into(),
            description: "Read a file.".into(),
            parameters: json!({"$schema": "x", "type": "object", "additionalProperties": false,
                "properties": {"path": {"type": "string"}}, "required": ["path"]}),
        },
        ToolDef {
            name: "list_dir".into(),
            description: "List.".into(),
            parameters: json!({"type": "object", "properties": {}}),
        },
    ];
    r.require_tool = true;
    let b = body(&r);
    assert_eq!(
        b["systemInstruction"],
        json!({"parts": [{"text": "You are Chamber."}]})
    );
    assert_eq!(
        b["contents"],
        json!([
            {"role": "user", "parts": [{"text": "Fix a.py"}]},
            {"role": "model", "parts": [
                {"text": "Reading."},
                {"functionCall": {"name": "read_file", "args": {"path": "a.py"}},
                 "thoughtSignature": "sig"},
                {"functionCall": {"name": "list_dir", "args": {}}}]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "read_file", "response": {"content": "print(1)"}}},
                {"functionResponse": {"name": "list_dir", "response": {"content": "a.py"}}}]},
            {"role": "model", "parts": [{"text": "Done."}]},
        ])
    );
    assert_eq!(
        b["tools"],
        json!([{"functionDeclarations": [
            {"name": "read_file", "description": "Read a file.",
             "parameters": {"type": "object", "properties": {"path": {"type": "string"}},
                            "required": ["path"]}},
            {"name": "list_dir", "description": "List."}]}])
    );
    assert_eq!(
        b["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY"}})
    );
    assert!(b.get("generationConfig").is_none());
}

#[test]
fn request_maps_generation_config() {
    let mut r = ChatRequest::new("gemini-2.5-flash", vec![Message::user("plan")]);
    r.temperature = Some(0.5);
    r.max_tokens = Some(1000);
    r.thinking_budget = Some(2048);
    r.response_format = Some(ResponseFormat {
        name: "plan".into(),
        schema: json!({"type": "object", "additionalProperties": false,
            "properties": {"steps": {"type": "array", "items": {"type": "string"}}}}),
    });
    let b = body(&r);
    assert!(b.get("systemInstruction").is_none());
    assert!(b.get("tools").is_none());
    assert_eq!(
        b["generationConfig"],
        json!({
            "temperature": 0.5,
            "maxOutputTokens": 1000,
            "responseMimeType": "application/json",
            "responseSchema": {"type": "object",
                "properties": {"steps": {"type": "array", "items": {"type": "string"}}}},
            "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": true}
        })
    );
}

#[test]
fn api_root_is_not_doubled() {
    assert_eq!(
        api_root("https://generativelanguage.googleapis.com"),
        "https://generativelanguage.googleapis.com/v1beta"
    );
    assert_eq!(
        api_root("http://127.0.0.1:9/v1beta"),
        "http://127.0.0.1:9/v1beta"
    );
}

fn chunk(parts: Value, finish: Option<&str>, usage: Option<Value>) -> (String, Value) {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if let Some(f) = finish {
        candidate["finishReason"] = json!(f);
    }
    let mut v = json!({"candidates": [candidate], "modelVersion": "gemini-2.5-pro",
        "responseId": "r1"});
    if let Some(u) = usage {
        v["usageMetadata"] = u;
    }
    (String::new(), v)
}

fn text_stream() -> String {
    sse_body(&[
        chunk(
            json!([{"text": "Considering the file.", "thought": true}]),
            None,
            None,
        ),
        chunk(json!([{"text": "Hello"}]), None, None),
        chunk(
            json!([{"text": ", world", "thoughtSignature": "c2ln"}]),
            Some("STOP"),
            Some(json!({"promptTokenCount": 100, "candidatesTokenCount": 20,
                "thoughtsTokenCount": 30, "cachedContentTokenCount": 64,
                "totalTokenCount": 150})),
        ),
    ])
}

#[tokio::test]
async fn parses_a_text_stream_with_thoughts_and_cached_usage() {
    let out = events(GeminiParser::default(), &text_stream()).await;
    assert_eq!(
        out,
        vec![
            StreamEvent::Reasoning("Considering the file.".into()),
            StreamEvent::Text("Hello".into()),
            StreamEvent::ReasoningSignature("c2ln".into()),
            StreamEvent::Text(", world".into()),
            StreamEvent::Usage(Usage {
                prompt_tokens: 100,
                completion_tokens: 50,
                cached_tokens: 64,
                reasoning_tokens: 30,
            }),
            StreamEvent::Finish("stop".into()),
            StreamEvent::Done,
        ]
    );
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(resp.content, "Hello, world");
    assert_eq!(resp.reasoning, "Considering the file.");
    assert_eq!(resp.reasoning_signature.as_deref(), Some("c2ln"));
}

#[tokio::test]
async fn parses_tool_calls_across_chunks() {
    let body = sse_body(&[
        chunk(json!([{"text": "Reading both."}]), None, None),
        chunk(
            json!([{"functionCall": {"name": "read_file", "args": {"path": "a.py"}},
                    "thoughtSignature": "first"},
                   {"functionCall": {"name": "list_dir", "args": {}}}]),
            None,
            None,
        ),
        chunk(
            json!([{"functionCall": {"name": "shell", "args": {"command": "ls"}},
                    "thoughtSignature": "later"}]),
            Some("STOP"),
            Some(json!({"promptTokenCount": 10, "candidatesTokenCount": 5})),
        ),
    ]);
    let resp = collect_events(parse_sse(GeminiParser::default(), &body).await)
        .await
        .unwrap();
    assert_eq!(resp.content, "Reading both.");
    let got: Vec<(&str, &str)> = resp
        .tool_calls
        .iter()
        .map(|c| (c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("read_file", r#"{"path":"a.py"}"#),
            ("list_dir", "{}"),
            ("shell", r#"{"command":"ls"}"#)
        ]
    );
    // Generated ids are unique within the answer and across answers.
    let ids: std::collections::HashSet<&str> =
        resp.tool_calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.iter().all(|id| id.starts_with("gemini_call_")),
        "{ids:?}"
    );
    let again = collect_events(parse_sse(GeminiParser::default(), &body).await)
        .await
        .unwrap();
    assert_ne!(again.tool_calls[0].id, resp.tool_calls[0].id);
    assert_eq!(resp.reasoning_signature.as_deref(), Some("first"));
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(resp.usage.completion_tokens, 5);
}

#[tokio::test]
async fn finish_reasons_are_mapped() {
    for (reason, expected) in [
        ("MAX_TOKENS", "length"),
        ("SAFETY", "safety"),
        ("RECITATION", "recitation"),
    ] {
        let body = sse_body(&[chunk(json!([{"text": "x"}]), Some(reason), None)]);
        let out = events(GeminiParser::default(), &body).await;
        assert_eq!(out[1], StreamEvent::Finish(expected.into()), "{reason}");
        assert_eq!(out[2], StreamEvent::Done);
    }
}

#[tokio::test]
async fn a_stream_without_finish_reason_is_rejected_by_collect() {
    let body = sse_body(&[chunk(json!([{"text": "Hel"}]), None, None)]);
    let parsed = parse_sse(GeminiParser::default(), &body).await;
    assert!(!parsed.iter().any(|e| matches!(e, Ok(StreamEvent::Done))));
    let err = collect_events(parsed).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::MalformedStream);
}

#[tokio::test]
async fn error_chunks_are_classified() {
    let cases = [
        ("RESOURCE_EXHAUSTED", 429, "quota", ErrorKind::RateLimited),
        ("UNAVAILABLE", 503, "busy", ErrorKind::Overloaded),
        ("INTERNAL", 500, "oops", ErrorKind::Server),
        ("DEADLINE_EXCEEDED", 504, "slow", ErrorKind::Timeout),
        (
            "INVALID_ARGUMENT",
            400,
            "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).",
            ErrorKind::ContextTooLong,
        ),
    ];
    for (status, code, message, kind) in cases {
        let body = sse_body(&[
            chunk(json!([{"text": "x"}]), None, None),
            (
                String::new(),
                json!({"error": {"code": code, "message": message, "status": status}}),
            ),
        ]);
        let out = parse_sse(GeminiParser::default(), &body).await;
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].as_ref().unwrap_err().kind, kind, "{status}");
    }
}

#[tokio::test]
async fn converts_a_whole_reply() {
    let reply = json!({
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "Plan first.", "thought": true},
            {"text": "Reading."},
            {"functionCall": {"id": "fc-7", "name": "read_file", "args": {"path": "a.py"}}}
        ]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 4, "totalTokenCount": 13}
    });
    let out = reply_events(&reply).unwrap();
    assert_eq!(out.last(), Some(&StreamEvent::Done));
    let resp = collect_events(out.into_iter().map(Ok).collect())
        .await
        .unwrap();
    assert_eq!(resp.content, "Reading.");
    assert_eq!(resp.reasoning, "Plan first.");
    assert_eq!(
        resp.tool_calls,
        vec![call("fc-7", "read_file", r#"{"path":"a.py"}"#)]
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(resp.usage.prompt_tokens, 9);

    let blocked = json!({"promptFeedback": {"blockReason": "SAFETY"}});
    let out = reply_events(&blocked).unwrap();
    assert_eq!(
        out,
        vec![StreamEvent::Finish("safety".into()), StreamEvent::Done]
    );
    let error = json!({"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}});
    assert_eq!(
        reply_events(&error).unwrap_err().kind,
        ErrorKind::Permission
    );
}
