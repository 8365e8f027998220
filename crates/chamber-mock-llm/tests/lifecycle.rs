//! Server lifecycle: delays, shutdown on drop, auxiliary routes, and the blocking constructor.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use common::{chat_body, post};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn delay_is_applied_and_request_recorded_first() {
    let server = MockServer::start(vec![Turn::text("late").with_delay(2000)])
        .await
        .unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let started = Instant::now();
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&chat_body(false, false))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    // Poll rather than sleep a fixed time: on a loaded machine the request
    // may take a while to arrive, but it must be recorded while still delayed.
    while server.requests().is_empty() && started.elapsed() < Duration::from_millis(1500) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.requests().len(), 1, "recorded before the delay ends");
    assert!(!pending.is_finished(), "recorded only after the answer");
    assert_eq!(server.remaining(), 0);
    let v = pending.await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(2000));
    assert_eq!(v["choices"][0]["message"]["content"], "late");
}

#[tokio::test(flavor = "multi_thread")]
async fn models_health_and_unknown_routes() {
    let server = MockServer::start(vec![]).await.unwrap();
    let client = reqwest::Client::new();
    let v: Value = client
        .get(format!("{}/models", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][0]["id"], "mock-model");
    let v: Value = client
        .get(format!("http://{}/health", server.addr()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"status": "ok"}));
    let resp = client
        .get(format!("{}/nope", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_stops_server_and_pending_delays() {
    let server = MockServer::start(vec![Turn::text("never").with_delay(60_000)])
        .await
        .unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let pending = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&chat_body(false, false))
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = server.addr();
    drop(server);
    let status = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("delayed request ends promptly after drop")
        .unwrap();
    assert!(status.map_or(true, |s| s == 503));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[test]
fn start_blocking_works_without_a_runtime() {
    let server = MockServer::start_blocking(vec![Turn::text("sync")]).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let v: Value = rt.block_on(async {
        post(&server, &chat_body(false, false))
            .await
            .json()
            .await
            .unwrap()
    });
    assert_eq!(v["choices"][0]["message"]["content"], "sync");
}
