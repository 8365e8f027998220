//! Shared client helpers for the integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test uses every helper

use chamber_mock_llm::MockServer;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{Value, json};

/// A streamed reply: every `data:` payload (including `[DONE]`) and the number of body reads.
pub struct Streamed {
    pub data: Vec<String>,
    pub reads: usize,
}

impl Streamed {
    pub fn chunks(&self) -> Vec<Value> {
        self.data
            .iter()
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect()
    }

    pub fn deltas(&self) -> Vec<Value> {
        self.chunks()
            .into_iter()
            .filter_map(|c| c["choices"].get(0).map(|ch| ch["delta"].clone()))
            .collect()
    }

    pub fn content(&self) -> String {
        self.deltas()
            .iter()
            .filter_map(|d| d["content"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A minimal chat request body.
pub fn chat_body(stream: bool, include_usage: bool) -> Value {
    let mut body = json!({
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "hello"}],
        "stream": stream,
    });
    if include_usage {
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

/// POSTs `body` to the chat route with a bearer token.
pub async fn post(server: &MockServer, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/chat/completions", server.base_url()))
        .bearer_auth("sk-test")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Sends a streaming request and collects the SSE `data:` payloads.
pub async fn stream(server: &MockServer, include_usage: bool) -> Streamed {
    let resp = post(server, &chat_body(true, include_usage)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut reads = 0;
    let mut raw = Vec::new();
    let mut body = resp.bytes_stream();
    while let Some(piece) = body.next().await {
        reads += 1;
        raw.push(piece.unwrap());
    }
    let events: Vec<_> = futures::stream::iter(raw.into_iter().map(Ok::<_, std::io::Error>))
        .eventsource()
        .collect()
        .await;
    let data = events.into_iter().map(|e| e.unwrap().data).collect();
    Streamed { data, reads }
}

/// One SSE event as a client sees it: its `event:` name (`message` when absent) and data.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub data: String,
}

impl Sse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// How a streamed body ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The server closed the body.
    Closed,
    /// The client's timeout fired while waiting for more.
    TimedOut,
}

/// POSTs `body` to `url` with extra headers.
pub async fn post_to(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> reqwest::Response {
    let mut request = client.post(url).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// Reads an SSE body to its end (or the client timeout), parsing every event.
pub async fn read_sse(resp: reqwest::Response) -> (Vec<Sse>, End) {
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream().eventsource();
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(e) => events.push(Sse {
                event: e.event,
                data: e.data,
            }),
            Err(eventsource_stream::EventStreamError::Transport(err)) if err.is_timeout() => {
                return (events, End::TimedOut);
            }
            Err(err) => panic!("stream error: {err}"),
        }
    }
    (events, End::Closed)
}

/// A client whose whole-request timeout proves a stalled stream hangs.
pub fn short_timeout_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(700))
        .build()
        .unwrap()
}
