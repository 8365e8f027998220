//! The Gemini `generateContent` routes, driven over HTTP as a Gemini client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_mock_llm::{MockServer, Turn, WireFormat};
use common::{End, Sse, post_to, read_sse, short_timeout_client};
use serde_json::{Value, json};

fn body() -> Value {
    json!({
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be terse."}]},
        "tools": [{"functionDeclarations": [{"name": "read_file", "description": "Read",
                                              "parameters": {"type": "object"}}]}],
        "generationConfig": {"maxOutputTokens": 1024},
    })
}

fn stream_url(server: &MockServer) -> String {
    format!(
        "{}/v1beta/models/gemini-test:streamGenerateContent?alt=sse",
        server.root_url()
    )
}

async fn stream(server: &MockServer) -> reqwest::Response {
    let key = [("x-goog-api-key", "g-key")];
    post_to(&reqwest::Client::new(), &stream_url(server), &key, &body()).await
}

async fn generate(server: &MockServer) -> reqwest::Response {
    let url = format!(
        "{}/v1beta/models/gemini-test:generateContent?key=q-key",
        server.root_url()
    );
    post_to(&reqwest::Client::new(), &url, &[], &body()).await
}

fn parts(chunk: &Value) -> Vec<Value> {
    chunk["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap()
        .clone()
}

fn chunks(events: &[Sse]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            assert_eq!(e.event, "message", "Gemini sends bare data: lines");
            e.json()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_text() {
    let text = "Hello from Gemini, streamed in several small pieces.";
    let server = MockServer::start(vec![Turn::text(text)]).await.unwrap();
    let (events, end) = read_sse(stream(&server).await).await;
    assert_eq!(end, End::Closed);
    assert!(events.iter().all(|e| e.data != "[DONE]"));
    let chunks = chunks(&events);
    assert!(chunks.len() > 1);
    let joined: String = chunks
        .iter()
        .flat_map(parts)
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(joined, text);
    for c in &chunks {
        assert_eq!(c["modelVersion"], "gemini-test");
        assert_eq!(c["candidates"][0]["content"]["role"], "model");
    }
    let (last, rest) = chunks.split_last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert!(
        rest.iter()
            .all(|c| c["candidates"][0].get("finishReason").is_none())
    );

    let req = &server.requests()[0];
    assert_eq!(req.format, WireFormat::Gemini);
    assert_eq!(req.path, "/v1beta/models/gemini-test:streamGenerateContent");
    assert_eq!(req.query.as_deref(), Some("alt=sse"));
    assert_eq!(req.header("x-goog-api-key"), Some("g-key"));
    assert_eq!(req.api_key(), Some("g-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_parallel_calls_with_thoughts() {
    let a = json!({"path": "src/lib.rs", "limit": 200});
    let b = json!({"pattern": "fn main"});
    let turn = Turn::calls(vec![("read_file", a.clone()), ("grep", b.clone())])
        .with_reasoning("Both lookups are independent.");
    let server = MockServer::start(vec![turn]).await.unwrap();
    let (events, _) = read_sse(stream(&server).await).await;
    let chunks = chunks(&events);
    let all: Vec<Value> = chunks.iter().flat_map(parts).collect();
    let thought: Vec<&str> = all
        .iter()
        .filter(|p| p["thought"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert!(thought.len() > 1, "thoughts streamed in pieces");
    assert_eq!(thought.concat(), "Both lookups are independent.");
    let last = parts(chunks.last().unwrap());
    assert_eq!(last.len(), 2, "parallel calls are parts of one chunk");
    assert_eq!(
        last[0]["functionCall"],
        json!({"name": "read_file", "args": a})
    );
    assert_eq!(last[1]["functionCall"], json!({"name": "grep", "args": b}));
    assert_eq!(last[0]["thoughtSignature"], "sig-0");
    let usage = &chunks.last().unwrap()["usageMetadata"];
    assert!(usage["thoughtsTokenCount"].as_u64().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn non_streamed_usage_and_array_stream() {
    let turn = Turn::call("read_file", json!({"path": "a"}))
        .with_content("Reading.")
        .with_usage(100, 40)
        .with_cached_tokens(64);
    let server = MockServer::start(vec![turn.clone(), Turn::raw_call("f", "{not json"), turn])
        .await
        .unwrap();
    let resp = generate(&server).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let p = parts(&v);
    assert_eq!(p[0], json!({"text": "Reading."}));
    assert_eq!(p[1]["functionCall"]["args"], json!({"path": "a"}));
    assert_eq!(v["candidates"][0]["finishReason"], "STOP");
    assert_eq!(
        v["usageMetadata"],
        json!({"promptTokenCount": 100, "candidatesTokenCount": 40, "totalTokenCount": 140,
               "cachedContentTokenCount": 64})
    );
    assert_eq!(server.requests()[0].api_key(), Some("q-key"));

    // Invalid scripted JSON arguments arrive as a string value.
    let v: Value = generate(&server).await.json().await.unwrap();
    assert_eq!(parts(&v)[0]["functionCall"]["args"], "{not json");

    // Without alt=sse the stream is one JSON array of chunks.
    let url = format!(
        "{}/v1beta/models/gemini-test:streamGenerateContent",
        server.root_url()
    );
    let resp = post_to(&reqwest::Client::new(), &url, &[], &body()).await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    let v: Value = resp.json().await.unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.len() > 1);
    assert_eq!(
        arr.last().unwrap()["usageMetadata"]["cachedContentTokenCount"],
        64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_faults() {
    let script = vec![
        Turn::http_error(429).with_retry_after("12"),
        Turn::http_error(503),
        Turn::text("cut short by a disconnect, well before the end").with_stop_after_events(2),
        Turn::text("hangs forever in the middle").with_stall_after_events(1),
        Turn::text("fails halfway through the stream").with_in_stream_error("UNAVAILABLE"),
    ];
    let server = MockServer::start(script).await.unwrap();

    let bad = format!(
        "{}/v1beta/models/gemini-test:countTokens",
        server.root_url()
    );
    let resp = post_to(&reqwest::Client::new(), &bad, &[], &body()).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["status"],
        "NOT_FOUND"
    );
    assert_eq!(server.remaining(), 5);

    let resp = stream(&server).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "12");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], 429);
    assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");
    assert!(v["error"]["message"].is_string());
    let resp = generate(&server).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["status"],
        "UNAVAILABLE"
    );

    let (events, end) = read_sse(stream(&server).await).await;
    assert_eq!((events.len(), end), (2, End::Closed));
    assert!(
        events
            .iter()
            .all(|e| e.json()["candidates"][0].get("finishReason").is_none())
    );

    let resp = post_to(&short_timeout_client(), &stream_url(&server), &[], &body()).await;
    let (events, end) = read_sse(resp).await;
    assert_eq!((events.len(), end), (1, End::TimedOut));

    let (events, end) = read_sse(stream(&server).await).await;
    assert_eq!(end, End::Closed);
    let last = events.last().unwrap().json();
    assert_eq!(last["error"]["code"], 503);
    assert_eq!(last["error"]["status"], "UNAVAILABLE");
}
