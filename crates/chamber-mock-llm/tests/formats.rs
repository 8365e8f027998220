//! Cross-format behaviour: one shared script queue, the model lists, and the OpenAI chat
//! route's new reasoning, cache and fault support.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_mock_llm::{MockServer, Turn, WireFormat};
use common::{End, chat_body, post, post_to, read_sse, short_timeout_client, stream};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn all_routes_share_one_queue() {
    let script = vec![
        Turn::text("one"),
        Turn::text("two"),
        Turn::text("three"),
        Turn::text("four"),
    ];
    let server = MockServer::start(script).await.unwrap();
    let client = reqwest::Client::new();
    let root = server.root_url();

    let v: Value = post(&server, &chat_body(false, false))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "one");
    let url = format!("{root}/v1/messages");
    let headers = [("anthropic-version", "2023-06-01")];
    let body = json!({"model": "c", "max_tokens": 5, "messages": []});
    let v: Value = post_to(&client, &url, &headers, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["content"][0]["text"], "two");
    let url = format!("{root}/v1beta/models/g:generateContent");
    let v: Value = post_to(&client, &url, &[], &json!({"contents": []}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["candidates"][0]["content"]["parts"][0]["text"], "three");
    let url = format!("{root}/responses");
    let v: Value = post_to(&client, &url, &[], &json!({"model": "r", "input": []}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["output"][0]["content"][0]["text"], "four");

    let formats: Vec<WireFormat> = server.requests().iter().map(|r| r.format).collect();
    assert_eq!(
        formats,
        [
            WireFormat::OpenAiChat,
            WireFormat::Anthropic,
            WireFormat::Gemini,
            WireFormat::OpenAiResponses
        ]
    );
    assert_eq!(server.remaining(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn model_lists() {
    let server = MockServer::start(vec![]).await.unwrap();
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let v = get(format!("{}/v1/models", server.root_url())).await;
    assert_eq!(v["data"][0]["id"], "mock-model");
    assert_eq!(v["data"][0]["object"], "model");
    assert_eq!(v["data"][0]["type"], "model");
    assert_eq!(v["has_more"], false);
    let v = get(format!("{}/v1beta/models", server.root_url())).await;
    assert_eq!(v["models"][0]["name"], "models/mock-model");
    let v = get(format!("{}/v1beta/models/gemini-x", server.root_url())).await;
    assert_eq!(v["name"], "models/gemini-x");
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_chat_reasoning_cache_and_faults() {
    let script = vec![
        Turn::text("answer")
            .with_reasoning("thinking it through")
            .with_cached_tokens(8),
        Turn::http_error(503).with_retry_after("1"),
        Turn::text("partial answer that fails").with_in_stream_error("server_error"),
        Turn::text("hangs").with_stall_after_events(2),
    ];
    let server = MockServer::start(script).await.unwrap();

    let s = stream(&server, true).await;
    let reasoning: String = s
        .deltas()
        .iter()
        .filter_map(|d| d["reasoning_content"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(reasoning, "thinking it through");
    assert_eq!(s.content(), "answer");
    let usage = s.chunks().last().unwrap()["usage"].clone();
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 8);
    assert!(
        usage["completion_tokens_details"]["reasoning_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );

    let resp = post(&server, &chat_body(true, false)).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");

    let s = stream(&server, false).await;
    assert_ne!(s.data.last().unwrap(), "[DONE]");
    let last: Value = serde_json::from_str(s.data.last().unwrap()).unwrap();
    assert_eq!(last["error"]["type"], "server_error");

    let url = format!("{}/chat/completions", server.base_url());
    let resp = post_to(&short_timeout_client(), &url, &[], &chat_body(true, false)).await;
    let (events, end) = read_sse(resp).await;
    assert_eq!((events.len(), end), (2, End::TimedOut));
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_stream_ends_when_server_drops() {
    let server = MockServer::start(vec![Turn::text("hang").with_stall_after_events(1)])
        .await
        .unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let resp = post_to(&reqwest::Client::new(), &url, &[], &chat_body(true, false)).await;
    let reading = tokio::spawn(read_sse(resp));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!reading.is_finished());
    drop(server);
    let (events, end) = tokio::time::timeout(std::time::Duration::from_secs(5), reading)
        .await
        .expect("stalled stream ends after drop")
        .unwrap();
    assert_eq!((events.len(), end), (1, End::Closed));
}
