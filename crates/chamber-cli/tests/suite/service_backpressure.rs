//! Backpressure through a real `chamber serve`: the queue cap and the
//! per-token rate limit answer 429 with `Retry-After`, count in
//! `/metrics`, and are recorded in the service's log
//! (`GET /v1/service/events`), one entry per reason and token per spell,
//! not one write per refused request. The log survives a restart.

use serde_json::{Value, json};

use super::harness::Project;
use super::service_harness::{call, http, metrics_text, serve, token};

/// The service's log as the API gives it.
async fn service_events(base: &str, token: &str) -> Vec<Value> {
    let (code, body) = call(
        http()
            .get(format!("{base}/v1/service/events"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    body["payload"]["events"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_cap_refusals_are_recorded_once_per_spell() {
    let p = Project::git(super::harness::NO_MODEL);
    let t = token(&p, "ci", "write").await;
    let s = serve(
        &p,
        &["--workers", "0"],
        &[("CHAMBER_SERVER__QUEUE_CAP", "1")],
    );
    let url = format!("{}/v1/tasks", s.base);
    let body = |prompt: &str| json!({"prompt": prompt, "repo": p.path()});
    let (code, _) = call(http().post(&url).bearer_auth(&t).json(&body("one"))).await;
    assert_eq!(code, 201);
    assert!(service_events(&s.base, &t).await.is_empty());
    for n in 0..3 {
        let r = http()
            .post(&url)
            .bearer_auth(&t)
            .json(&body(&format!("over {n}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().get("retry-after").is_some());
    }
    let events = service_events(&s.base, &t).await;
    assert_eq!(events.len(), 1, "three refusals in one spell: {events:?}");
    let e = &events[0];
    assert_eq!(e["type"], "backpressure", "{e}");
    assert_eq!(e["reason"], "queue_full", "{e}");
    assert_eq!(e["token"], "ci", "{e}");
    assert_eq!(e["refused"], 1, "{e}");
    assert!(e["retry_after_secs"].as_u64().unwrap() > 0, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("cap"), "{e}");
    // The metric counts every refusal.
    assert!(
        metrics_text(&s)
            .await
            .contains("chamber_backpressure_total{reason=\"queue_full\"} 3"),
    );
    s.stop();

    // The log is in the store: a new server still shows it.
    let s = serve(&p, &["--workers", "0"], &[]);
    let events = service_events(&s.base, &t).await;
    assert_eq!(events.len(), 1, "{events:?}");
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_tokens_are_refused_and_recorded() {
    let p = Project::git(super::harness::NO_MODEL);
    let busy = token(&p, "busy", "read").await;
    let calm = token(&p, "calm", "read").await;
    let s = serve(
        &p,
        &["--workers", "0"],
        &[("CHAMBER_SERVER__RATE_LIMIT_PER_MINUTE", "3")],
    );
    let url = format!("{}/v1/tasks", s.base);
    let mut codes = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let r = http().get(&url).bearer_auth(&busy).send().await.unwrap();
        codes.push(r.status().as_u16());
        if r.status().as_u16() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        }
    }
    assert_eq!(codes, [200, 200, 200, 429, 429]);
    assert!(retry_after.is_some_and(|s| (1..=60).contains(&s)));
    // Another token has its own budget; it reads the log.
    let events = service_events(&s.base, &calm).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["reason"], "rate_limit");
    assert_eq!(events[0]["token"], "busy");
    assert!(
        events[0]["detail"].as_str().unwrap().contains("3 requests"),
        "{}",
        events[0]
    );
    // Unknown query parameters are refused like everywhere else.
    let (code, body) = call(
        http()
            .get(format!("{}/v1/service/events?since=1", s.base))
            .bearer_auth(&calm),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    s.stop();
}
