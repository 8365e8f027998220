//! What each wire adapter puts on the wire, as the mock server received it: URL, auth and
//! custom headers, where the system prompt goes, and a tool call plus its result (with the
//! reasoning signature sent back) in the format's native form.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[macro_use]
mod wire_support;

use chamber_llm::{ChatRequest, Message, Wire};
use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use chamber_protocol::ToolCall;
use serde_json::{Value, json};
use wire_support::*;

per_wire!(headers_and_url, tool_round_trip_in_native_form);

/// A conversation with a system prompt, a signed tool call and its result.
fn round_trip(wire: Wire) -> ChatRequest {
    let mut assistant = Message::assistant(
        "",
        vec![ToolCall {
            id: "call_7".into(),
            name: "read_file".into(),
            arguments: r#"{"path":"a.py"}"#.into(),
        }],
    );
    assistant.reasoning = "Need the file.".into();
    assistant.reasoning_signature = Some("sig-prev".into());
    let mut r = ChatRequest::new(
        model(wire),
        vec![
            Message::system("You are Chamber."),
            Message::user("Read a.py"),
            assistant,
            Message::tool("call_7", "print('hi')"),
        ],
    );
    r.tools = vec![read_file_tool()];
    r
}

/// Sends `request` with a fresh adapter and returns what the server saw.
async fn sent(wire: Wire, request: &ChatRequest) -> RecordedRequest {
    let server = MockServer::start(vec![Turn::text("ok")]).await.unwrap();
    let p = adapter(&server, wire, true);
    let resp = ask(p.as_ref(), request).await.unwrap();
    assert_eq!(resp.content, "ok");
    let mut seen = server.requests();
    assert_eq!(seen.len(), 1);
    seen.remove(0)
}

async fn headers_and_url(wire: Wire) {
    let seen = sent(wire, &request(wire)).await;
    assert_eq!(seen.path, chat_path(wire, true));
    assert_eq!(seen.header(CUSTOM.0), Some(CUSTOM.1), "custom header");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.api_key(), Some(KEY));
    let bearer = format!("Bearer {KEY}");
    match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => {
            assert_eq!(seen.authorization.as_deref(), Some(bearer.as_str()));
            assert_eq!(seen.header("x-api-key"), None);
            assert_eq!(seen.query, None);
            assert_eq!(seen.body["model"], model(wire));
        }
        Wire::Anthropic => {
            assert_eq!(seen.header("x-api-key"), Some(KEY));
            assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
            assert_eq!(seen.authorization, None);
            assert_eq!(seen.body["model"], model(wire));
        }
        Wire::Gemini => {
            assert_eq!(seen.header("x-goog-api-key"), Some(KEY));
            assert_eq!(seen.authorization, None);
            // Streamed as SSE; the key stays out of the URL (and so out of access logs).
            assert_eq!(seen.query_param("alt"), Some("sse"));
            assert_eq!(seen.query_param("key"), None);
            assert_eq!(
                seen.body.get("model"),
                None,
                "Gemini's model is in the path"
            );
        }
    }
}

/// A custom header replaces the adapter's own one of the same name.
#[tokio::test(flavor = "multi_thread")]
async fn custom_headers_override_the_adapters_own() {
    let server = MockServer::start(vec![Turn::text("ok")]).await.unwrap();
    let mut s = settings(&server, Wire::Anthropic, true);
    s.headers
        .push(("anthropic-version".into(), "2099-01-01".into()));
    s.headers
        .push(("anthropic-beta".into(), "prompt-caching".into()));
    let p = chamber_llm::build_adapter("anthropic", Wire::Anthropic, s).unwrap();
    ask(p.as_ref(), &request(Wire::Anthropic)).await.unwrap();
    let seen = &server.requests()[0];
    assert_eq!(seen.header("anthropic-version"), Some("2099-01-01"));
    let versions = seen
        .headers
        .iter()
        .filter(|(n, _)| n == "anthropic-version")
        .count();
    assert_eq!(versions, 1);
    assert_eq!(seen.header("anthropic-beta"), Some("prompt-caching"));
}

/// Without a key no auth header is sent at all (local servers).
#[tokio::test(flavor = "multi_thread")]
async fn no_key_no_auth_header() {
    for wire in Wire::ALL {
        let server = MockServer::start(vec![Turn::text("ok")]).await.unwrap();
        let mut s = settings(&server, wire, true);
        s.api_key = Some(String::new());
        let p = chamber_llm::build_adapter("local", wire, s).unwrap();
        ask(p.as_ref(), &request(wire)).await.unwrap();
        let seen = &server.requests()[0];
        assert_eq!(seen.api_key(), None, "{wire}");
        assert_eq!(seen.authorization, None, "{wire}");
    }
}

async fn tool_round_trip_in_native_form(wire: Wire) {
    let seen = sent(wire, &round_trip(wire)).await;
    let b = &seen.body;
    match wire {
        Wire::OpenAiChat => {
            assert_eq!(b["stream"], true);
            assert_eq!(b["stream_options"], json!({"include_usage": true}));
            assert_eq!(
                b["messages"],
                json!([
                    {"role": "system", "content": "You are Chamber."},
                    {"role": "user", "content": "Read a.py"},
                    {"role": "assistant", "content": null, "tool_calls": [{
                        "id": "call_7", "type": "function",
                        "function": {"name": "read_file", "arguments": "{\"path\":\"a.py\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_7", "content": "print('hi')"},
                ])
            );
            assert_eq!(b["tools"][0]["type"], "function");
            assert_eq!(b["tools"][0]["function"]["name"], "read_file");
        }
        Wire::OpenAiResponses => {
            assert_eq!(b["instructions"], "You are Chamber.");
            assert_eq!(b["store"], false);
            assert_eq!(
                b["input"],
                json!([
                    {"role": "user", "content": "Read a.py"},
                    {"type": "function_call", "call_id": "call_7", "name": "read_file",
                     "arguments": "{\"path\":\"a.py\"}"},
                    {"type": "function_call_output", "call_id": "call_7", "output": "print('hi')"},
                ])
            );
            assert_eq!(b["tools"][0]["name"], "read_file");
            assert_eq!(b["tools"][0]["type"], "function");
        }
        Wire::Anthropic => {
            assert_eq!(b["system"], "You are Chamber.");
            assert!(b["max_tokens"].as_u64().is_some_and(|n| n > 0));
            assert_eq!(
                b["messages"],
                json!([
                    {"role": "user", "content": [{"type": "text", "text": "Read a.py"}]},
                    {"role": "assistant", "content": [
                        {"type": "thinking", "thinking": "Need the file.", "signature": "sig-prev"},
                        {"type": "tool_use", "id": "call_7", "name": "read_file",
                         "input": {"path": "a.py"}},
                    ]},
                    {"role": "user", "content": [
                        {"type": "tool_result", "tool_use_id": "call_7", "content": "print('hi')"},
                    ]},
                ])
            );
            assert_eq!(b["tools"][0]["name"], "read_file");
            assert!(b["tools"][0]["input_schema"].is_object());
        }
        Wire::Gemini => {
            assert_eq!(
                b["systemInstruction"],
                json!({"parts": [{"text": "You are Chamber."}]})
            );
            assert_eq!(
                b["contents"],
                json!([
                    {"role": "user", "parts": [{"text": "Read a.py"}]},
                    {"role": "model", "parts": [{
                        "functionCall": {"name": "read_file", "args": {"path": "a.py"}},
                        "thoughtSignature": "sig-prev"}]},
                    {"role": "user", "parts": [{"functionResponse": {
                        "name": "read_file", "response": {"content": "print('hi')"}}}]},
                ])
            );
            let decl = &b["tools"][0]["functionDeclarations"][0];
            assert_eq!(decl["name"], "read_file");
        }
    }
    // The system prompt is never sent as a conversation message outside OpenAI Chat.
    if wire != Wire::OpenAiChat {
        let list = ["messages", "input", "contents"]
            .iter()
            .find_map(|k| b.get(*k))
            .and_then(Value::as_array)
            .unwrap();
        assert!(
            list.iter().all(|m| m["role"] != "system"),
            "{wire}: {list:?}"
        );
    }
}
