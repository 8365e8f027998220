//! Drives the mock server with a real HTTP client and SSE parser, as Chamber's client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_mock_llm::{MockServer, Turn, repeat};
use common::{chat_body, post, stream};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn streamed_text_reassembles() {
    let text = "Hello, wörld! ✨ This is a longer reply to force several chunks.";
    let server = MockServer::start(vec![Turn::text(text)]).await.unwrap();
    let s = stream(&server, false).await;
    assert_eq!(s.data.last().unwrap(), "[DONE]");
    let chunks = s.chunks();
    for c in &chunks {
        assert_eq!(c["object"], "chat.completion.chunk");
        assert_eq!(c["model"], "gpt-test");
        assert!(c["id"].as_str().unwrap().starts_with("chatcmpl-"));
        assert!(
            c.get("usage").is_none(),
            "no usage key without include_usage"
        );
        assert_eq!(c["choices"][0]["logprobs"], Value::Null);
    }
    let deltas = s.deltas();
    assert_eq!(deltas[0], json!({"role": "assistant", "content": ""}));
    let content_chunks = deltas[1..]
        .iter()
        .filter(|d| d["content"].is_string())
        .count();
    assert!(
        content_chunks >= 2,
        "content split into {content_chunks} chunks"
    );
    assert_eq!(s.content(), text);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["delta"], json!({}));
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    // Split reads are typical but not guaranteed (a loaded client may read everything at once).
    eprintln!("streamed body arrived in {} read(s)", s.reads);
    assert_eq!(server.remaining(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn tool_call_arguments_split_and_reassemble() {
    let args = r#"{"path":"src/main.rs","pattern":"fn main"}"#;
    let script = vec![
        Turn::raw_call("grep", args),
        Turn::calls(vec![("a", json!({"x": 1})), ("b", json!({"y": "é"}))]),
    ];
    let server = MockServer::start(script).await.unwrap();

    let s = stream(&server, false).await;
    let deltas = s.deltas();
    assert_eq!(deltas[0], json!({"role": "assistant", "content": null}));
    let header = &deltas[1]["tool_calls"][0];
    assert_eq!(header["index"], 0);
    assert_eq!(header["type"], "function");
    assert_eq!(header["function"]["name"], "grep");
    assert_eq!(header["function"]["arguments"], "");
    assert!(header["id"].as_str().unwrap().starts_with("call_"));
    let pieces: Vec<&str> = deltas[2..]
        .iter()
        .filter_map(|d| d["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert!(
        pieces.len() >= 2,
        "arguments split into {} pieces",
        pieces.len()
    );
    assert_eq!(pieces.concat(), args);
    let chunks = s.chunks();
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "tool_calls"
    );

    // Parallel calls: reassemble per index.
    let s = stream(&server, false).await;
    let mut calls: [(String, String, String); 2] = Default::default();
    for d in s.deltas() {
        let Some(tc) = d["tool_calls"].get(0) else {
            continue;
        };
        let slot = &mut calls[tc["index"].as_u64().unwrap() as usize];
        if let Some(id) = tc["id"].as_str() {
            slot.0 = id.to_owned();
        }
        if let Some(name) = tc["function"]["name"].as_str() {
            slot.1 = name.to_owned();
        }
        slot.2 += tc["function"]["arguments"].as_str().unwrap();
    }
    assert_eq!(calls[0].1, "a");
    assert_eq!(calls[0].2, r#"{"x":1}"#);
    assert_eq!(calls[1].1, "b");
    assert_eq!(calls[1].2, r#"{"y":"é"}"#);
    assert_ne!(calls[0].0, calls[1].0, "tool call ids are unique");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_chunk_only_with_include_usage() {
    let server = MockServer::start(vec![
        Turn::text("abcdefgh").with_usage(11, 5),
        Turn::text("x"),
    ])
    .await
    .unwrap();
    let s = stream(&server, true).await;
    assert_eq!(s.data.last().unwrap(), "[DONE]");
    let chunks = s.chunks();
    let (usage_chunk, rest) = chunks.split_last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(
        usage_chunk["usage"],
        json!({"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16})
    );
    assert!(
        rest.iter()
            .all(|c| c["usage"].is_null() && c.get("usage").is_some())
    );

    let s = stream(&server, false).await;
    assert!(s.chunks().iter().all(|c| c.get("usage").is_none()));
    assert!(
        s.chunks()
            .iter()
            .all(|c| !c["choices"].as_array().unwrap().is_empty())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn non_streaming_reply_shape() {
    let server = MockServer::start(vec![
        Turn::text("plain answer"),
        Turn::call("write_file", json!({"path": "a.txt"})),
    ])
    .await
    .unwrap();
    let resp = post(&server, &chat_body(false, false)).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "gpt-test");
    let choice = &v["choices"][0];
    assert_eq!(choice["message"]["role"], "assistant");
    assert_eq!(choice["message"]["content"], "plain answer");
    assert!(choice["message"].get("tool_calls").is_none());
    assert_eq!(choice["finish_reason"], "stop");
    let usage = &v["usage"];
    assert_eq!(usage["completion_tokens"], 3); // 12 bytes / 4
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(usage["prompt_tokens"].as_u64().unwrap() + 3)
    );

    let v: Value = post(&server, &chat_body(false, false))
        .await
        .json()
        .await
        .unwrap();
    let msg = &v["choices"][0]["message"];
    assert_eq!(msg["content"], Value::Null);
    assert_eq!(msg["tool_calls"][0]["type"], "function");
    assert_eq!(msg["tool_calls"][0]["function"]["name"], "write_file");
    assert_eq!(
        msg["tool_calls"][0]["function"]["arguments"],
        r#"{"path":"a.txt"}"#
    );
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_script_returns_500() {
    let server = MockServer::start(repeat(Turn::text("ok"), 2))
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(post(&server, &chat_body(false, false)).await.status(), 200);
    }
    let resp = post(&server, &chat_body(true, false)).await;
    assert_eq!(resp.status(), 500);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v,
        json!({"error": {"message": "mock script exhausted after 2 turns",
                         "type": "server_error", "param": null, "code": null}})
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_status_replies() {
    let custom = Turn {
        status: Some(400),
        body: Some(r#"{"error":{"message":"context too long"}}"#.into()),
        ..Turn::default()
    };
    let script = vec![
        Turn::http_error(401),
        Turn::http_error(429),
        Turn::http_error(500),
        custom,
    ];
    let server = MockServer::start(script).await.unwrap();

    let resp = post(&server, &chat_body(true, false)).await;
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "invalid_api_key");
    assert_eq!(v["error"]["type"], "invalid_request_error");

    let resp = post(&server, &chat_body(true, false)).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "0");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");

    let resp = post(&server, &chat_body(false, false)).await;
    assert_eq!(resp.status(), 500);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "server_error");

    let resp = post(&server, &chat_body(false, false)).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.text().await.unwrap(),
        r#"{"error":{"message":"context too long"}}"#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_sse_is_sent_verbatim() {
    let raw =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\ndata: {broken\n\n";
    let server = MockServer::start(vec![Turn::raw_sse(raw)]).await.unwrap();
    let resp = post(&server, &chat_body(true, false)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert_eq!(resp.text().await.unwrap(), raw);
}

#[tokio::test(flavor = "multi_thread")]
async fn records_body_authorization_and_path() {
    let server = MockServer::start(repeat(Turn::text("a"), 2)).await.unwrap();
    let body = chat_body(true, true);
    post(&server, &body).await.text().await.unwrap();
    reqwest::Client::new()
        .post(format!("{}/chat/completions", server.base_url()))
        .json(&json!({"model": "m2", "messages": []}))
        .send()
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body, body);
    assert_eq!(reqs[0].authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[1].body["model"], "m2");
    assert_eq!(reqs[1].authorization, None);
}
