//! The OpenAI Responses API route, driven over HTTP as a Responses client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_mock_llm::{MockServer, Turn, WireFormat};
use common::{End, Sse, post_to, read_sse, short_timeout_client};
use serde_json::{Value, json};

fn body(stream: bool) -> Value {
    json!({
        "model": "gpt-5-test",
        "instructions": "You are terse.",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
        "tools": [{"type": "function", "name": "read_file", "description": "Read",
                   "parameters": {"type": "object"}}],
        "stream": stream,
    })
}

async fn post(server: &MockServer, stream: bool) -> reqwest::Response {
    let url = format!("{}/responses", server.base_url());
    let auth = [("authorization", "Bearer sk-resp")];
    post_to(&reqwest::Client::new(), &url, &auth, &body(stream)).await
}

fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

fn deltas(events: &[Sse], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event == kind)
        .map(|e| e.json()["delta"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_text() {
    let text = "Hello from the Responses API, in several small pieces.";
    let server = MockServer::start(vec![Turn::text(text)]).await.unwrap();
    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!(end, End::Closed);
    let names = names(&events);
    assert_eq!(
        names[..4],
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added"
        ]
    );
    assert_eq!(
        names[names.len() - 4..],
        [
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    for (i, e) in events.iter().enumerate() {
        let data = e.json();
        assert_eq!(data["type"], e.event);
        assert_eq!(data["sequence_number"], i);
    }
    let pieces = deltas(&events, "response.output_text.delta");
    assert!(pieces.len() > 1);
    assert_eq!(pieces.concat(), text);
    let item = &events[2].json()["item"];
    assert_eq!(item["type"], "message");
    let done = events.last().unwrap().json();
    assert_eq!(done["response"]["status"], "completed");
    assert_eq!(done["response"]["model"], "gpt-5-test");
    assert_eq!(done["response"]["instructions"], "You are terse.");
    assert_eq!(done["response"]["output"][0]["content"][0]["text"], text);

    let req = &server.requests()[0];
    assert_eq!(req.format, WireFormat::OpenAiResponses);
    assert_eq!(req.path, "/v1/responses");
    assert_eq!(req.api_key(), Some("sk-resp"));
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_parallel_calls() {
    let a = json!({"path": "src/lib.rs", "limit": 200});
    let b = json!({"pattern": "fn main", "glob": "**/*.rs"});
    let turn = Turn::calls(vec![("read_file", a.clone()), ("grep", b.clone())]);
    let server = MockServer::start(vec![turn]).await.unwrap();
    let (events, _) = read_sse(post(&server, true).await).await;
    let added: Vec<Value> = events
        .iter()
        .filter(|e| e.event == "response.output_item.added")
        .map(|e| e.json())
        .collect();
    assert_eq!(added.len(), 2, "no message item for a pure tool-call turn");
    for (i, (added, expected)) in added.iter().zip([&a, &b]).enumerate() {
        let item = &added["item"];
        assert_eq!(added["output_index"], i);
        assert_eq!(item["type"], "function_call");
        assert_eq!(item["arguments"], "");
        assert!(item["call_id"].as_str().unwrap().starts_with("call_"));
        let pieces: Vec<Value> = events
            .iter()
            .filter(|e| e.event == "response.function_call_arguments.delta")
            .map(|e| e.json())
            .filter(|d| d["item_id"] == item["id"])
            .collect();
        assert!(pieces.len() > 1, "arguments split into pieces");
        assert!(pieces.iter().all(|p| p["output_index"] == i));
        let joined: String = pieces
            .iter()
            .map(|p| p["delta"].as_str().unwrap())
            .collect();
        assert_eq!(serde_json::from_str::<Value>(&joined).unwrap(), *expected);
        let done = events
            .iter()
            .find(|e| {
                e.event == "response.function_call_arguments.done"
                    && e.json()["item_id"] == item["id"]
            })
            .unwrap()
            .json();
        assert_eq!(done["arguments"], joined);
    }
    let output = &events.last().unwrap().json()["response"]["output"];
    assert_eq!(output[1]["name"], "grep");
    assert_eq!(output[1]["status"], "completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_streamed_with_reasoning_and_usage() {
    let turn = Turn::call("read_file", json!({"path": "a"}))
        .with_content("Reading.")
        .with_reasoning("The user wants the file.")
        .with_usage(100, 40)
        .with_cached_tokens(64);
    let server = MockServer::start(vec![turn.clone(), turn]).await.unwrap();

    let resp = post(&server, false).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    let types: Vec<&str> = v["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["reasoning", "message", "function_call"]);
    assert_eq!(
        v["output"][0]["summary"][0]["text"],
        "The user wants the file."
    );
    assert_eq!(v["output"][2]["arguments"], r#"{"path":"a"}"#);
    assert_eq!(
        v["usage"],
        json!({"input_tokens": 100, "input_tokens_details": {"cached_tokens": 64},
               "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 6},
               "total_tokens": 140})
    );

    let (events, _) = read_sse(post(&server, true).await).await;
    let summary = deltas(&events, "response.reasoning_summary_text.delta");
    assert!(summary.len() > 1);
    assert_eq!(summary.concat(), "The user wants the file.");
    let first = events
        .iter()
        .find(|e| e.event == "response.output_item.added")
        .unwrap()
        .json();
    assert_eq!(first["item"]["type"], "reasoning");
    let usage = &events.last().unwrap().json()["response"]["usage"];
    assert_eq!(usage["input_tokens_details"]["cached_tokens"], 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_status_and_faults() {
    let script = vec![
        Turn::http_error(429).with_retry_after("7"),
        Turn::http_error(500),
        Turn::text("never finishes").with_stop_after_events(4),
        Turn::text("hangs").with_stall_after_events(3),
        Turn::text("fails midway").with_in_stream_error("server_error"),
    ];
    let server = MockServer::start(script).await.unwrap();

    let resp = post(&server, true).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limit_exceeded");
    assert!(v["error"].get("param").is_some());
    let resp = post(&server, false).await;
    assert_eq!(resp.status(), 500);
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "server_error"
    );

    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!((events.len(), end), (4, End::Closed));
    assert!(events.iter().all(|e| e.event != "response.completed"));

    let url = format!("{}/responses", server.base_url());
    let resp = post_to(&short_timeout_client(), &url, &[], &body(true)).await;
    let (events, end) = read_sse(resp).await;
    assert_eq!((events.len(), end), (3, End::TimedOut));

    let (events, end) = read_sse(post(&server, true).await).await;
    assert_eq!(end, End::Closed);
    let last = events.last().unwrap();
    assert_eq!(last.event, "error");
    assert_eq!(last.json()["code"], "server_error");
    assert_eq!(last.json()["sequence_number"], events.len() - 1);
}
