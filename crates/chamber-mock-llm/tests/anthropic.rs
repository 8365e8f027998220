//! The Anthropic Messages route, driven over HTTP as an Anthropic client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_mock_llm::{MockServer, Turn, WireFormat};
use common::{End, Sse, post_to, read_sse, short_timeout_client};
use serde_json::{Value, json};

const HEADERS: [(&str, &str); 2] = [
    ("x-api-key", "sk-ant-test"),
    ("anthropic-version", "2023-06-01"),
];

fn body(stream: bool) -> Value {
    json!({
        "model": "claude-test",
        "max_tokens": 1024,
        "system": "Be terse.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "tools": [{"name": "read_file", "description": "Read", "input_schema": {"type": "object"}}],
        "stream": stream,
    })
}

fn url(server: &MockServer) -> String {
    format!("{}/v1/messages", server.root_url())
}

async fn post(server: &MockServer, stream: bool) -> reqwest::Response {
    post_to(
        &reqwest::Client::new(),
        &url(server),
        &HEADERS,
        &body(stream),
    )
    .await
}

/// Concatenates the `delta[field]` strings of one content block.
fn block_text(events: &[Sse], index: usize, field: &str) -> (String, usize) {
    let pieces: Vec<String> = events
        .iter()
        .filter(|e| e.event == "content_block_delta")
        .map(|e| e.json())
        .filter(|d| d["index"] == index && d["delta"].get(field).is_some())
        .map(|d| d["delta"][field].as_str().unwrap().to_owned())
        .collect();
    (pieces.concat(), pieces.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_text() {
    let text = "Hello from Claude, streamed in several small pieces.";
    let server = MockServer::start(vec![Turn::text(text)]).await.unwrap();
    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!(end, End::Closed);
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names[..3], ["message_start", "ping", "content_block_start"]);
    assert_eq!(
        names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    assert!(events.iter().all(|e| e.json()["type"] == e.event));
    assert_eq!(names.iter().filter(|n| **n == "ping").count(), 1);
    let start = events[0].json();
    assert_eq!(start["message"]["model"], "claude-test");
    assert_eq!(start["message"]["content"], json!([]));
    let (joined, n) = block_text(&events, 0, "text");
    assert!(n > 1);
    assert_eq!(joined, text);
    let delta = &events[events.len() - 2].json();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert!(delta["usage"]["output_tokens"].as_u64().unwrap() > 0);

    let req = &server.requests()[0];
    assert_eq!(req.format, WireFormat::Anthropic);
    assert_eq!(req.header("x-api-key"), Some("sk-ant-test"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.authorization, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_parallel_tool_use_with_thinking() {
    let a = json!({"path": "src/lib.rs", "limit": 200});
    let b = json!({"pattern": "fn main", "glob": "**/*.rs"});
    let turn = Turn::calls(vec![("read_file", a.clone()), ("grep", b.clone())])
        .with_reasoning("Both lookups are independent, so run them together.");
    let server = MockServer::start(vec![turn]).await.unwrap();
    let (events, _) = read_sse(post(&server, true).await).await;
    let starts: Vec<Value> = events
        .iter()
        .filter(|e| e.event == "content_block_start")
        .map(|e| e.json()["content_block"].clone())
        .collect();
    assert_eq!(starts.len(), 3);
    assert_eq!(starts[0]["type"], "thinking");
    let (thinking, n) = block_text(&events, 0, "thinking");
    assert!(n > 1);
    assert_eq!(
        thinking,
        "Both lookups are independent, so run them together."
    );
    let (signature, _) = block_text(&events, 0, "signature");
    assert_eq!(signature, "sig-0");
    for (index, (name, expected)) in [(1, ("read_file", &a)), (2, ("grep", &b))] {
        assert_eq!(starts[index]["type"], "tool_use");
        assert_eq!(starts[index]["name"], name);
        assert_eq!(starts[index]["input"], json!({}));
        assert!(starts[index]["id"].as_str().unwrap().starts_with("toolu_"));
        let (json_text, n) = block_text(&events, index, "partial_json");
        assert!(n > 1, "input_json_delta split into pieces");
        assert_eq!(
            serde_json::from_str::<Value>(&json_text).unwrap(),
            *expected
        );
    }
    let delta = &events[events.len() - 2].json();
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_streamed_with_usage_and_cache() {
    let turn = Turn::call("read_file", json!({"path": "a"}))
        .with_content("Reading.")
        .with_reasoning("Need it.")
        .with_usage(100, 40)
        .with_cached_tokens(64);
    let server = MockServer::start(vec![turn.clone(), turn]).await.unwrap();
    let resp = post(&server, false).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["role"], "assistant");
    assert_eq!(v["stop_reason"], "tool_use");
    assert_eq!(
        v["content"][0],
        json!({"type": "thinking", "thinking": "Need it.", "signature": "sig-0"})
    );
    assert_eq!(v["content"][1], json!({"type": "text", "text": "Reading."}));
    assert_eq!(v["content"][2]["input"], json!({"path": "a"}));
    assert_eq!(
        v["usage"],
        json!({"input_tokens": 36, "cache_creation_input_tokens": 0,
               "cache_read_input_tokens": 64, "output_tokens": 40})
    );
    let (events, _) = read_sse(post(&server, true).await).await;
    let usage = &events[0].json()["message"]["usage"];
    assert_eq!(usage["cache_read_input_tokens"], 64);
    assert_eq!(usage["input_tokens"], 36);
    assert_eq!(
        events[events.len() - 2].json()["usage"]["output_tokens"],
        40
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_missing_version() {
    let script = vec![
        Turn::http_error(529).with_retry_after("3"),
        Turn::http_error(429),
        Turn::http_error(401),
    ];
    let server = MockServer::start(script).await.unwrap();

    let client = reqwest::Client::new();
    let resp = post_to(&client, &url(&server), &[("x-api-key", "k")], &body(false)).await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert_eq!(server.remaining(), 3, "a rejected request consumes no turn");

    let resp = post(&server, true).await;
    assert_eq!(resp.status(), 529);
    assert_eq!(resp.headers()["retry-after"], "3");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["error"],
        json!({"type": "overloaded_error", "message": "Overloaded"})
    );
    let resp = post(&server, true).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "0");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "rate_limit_error"
    );
    let resp = post(&server, false).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "authentication_error"
    );
    let resp = post(&server, false).await;
    assert_eq!(resp.status(), 500);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "api_error");
    assert_eq!(v["error"]["message"], "mock script exhausted after 3 turns");
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_faults() {
    let script = vec![
        Turn::text("cut short by a disconnect").with_stop_after_events(5),
        Turn::text("hangs forever").with_stall_after_events(4),
        Turn::text("the server got overloaded halfway").with_in_stream_error("overloaded_error"),
    ];
    let server = MockServer::start(script).await.unwrap();

    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!((events.len(), end), (5, End::Closed));
    assert!(events.iter().all(|e| e.event != "message_stop"));

    let resp = post_to(
        &short_timeout_client(),
        &url(&server),
        &HEADERS,
        &body(true),
    )
    .await;
    let (events, end) = read_sse(resp).await;
    assert_eq!((events.len(), end), (4, End::TimedOut));

    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!(end, End::Closed);
    let (last, rest) = events.split_last().unwrap();
    assert_eq!(last.event, "error");
    let data = last.json();
    assert_eq!(data["type"], "error");
    assert_eq!(
        data["error"],
        json!({"type": "overloaded_error", "message": "Overloaded"})
    );
    assert!(rest.iter().any(|e| e.event == "content_block_delta"));
    assert!(rest.iter().all(|e| e.event != "message_stop"));
}
