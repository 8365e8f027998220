//! `chamber serve` driven over HTTP as a client would: submit and follow
//! (SSE with Last-Event-ID across a restart), idempotency, backpressure,
//! cancellation and retry, bad input, metrics, health and the task CLI.
//! Approvals are in `service_approvals`.

use std::time::Duration;

use chamber_mock_llm::MockServer;
use serde_json::{Value, json};

use super::harness::{Project, hello_script};
use super::service_harness::{call, http, metrics_text, read_sse, serve, submit, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_follow_and_replay_after_a_restart() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    let t = token(&p, "ci", "write").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let (code, body) = submit(
        &s,
        &t,
        &p,
        "add a hello script",
        json!({"auto_approve": true}),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["ok"], true);

    // Read the first few events, then restart the server mid-stream.
    let first = read_sse(&s, &t, &id, None, 3).await;
    assert_eq!(first.len(), 3);
    assert_eq!(first[0].event, "run_started");
    s.stop();
    let s = serve(&p, &["--workers", "1"], &[]);
    let rest = read_sse(&s, &t, &id, Some(&first[2].id), 10_000).await;
    let done = rest.last().unwrap();
    assert_eq!(done.event, "task_finished", "{rest:?}");
    assert_eq!(done.data["state"], "completed", "{}", done.data);

    // Every event exactly once, in order: the same as the run's trace.
    let streamed: Vec<&super::service_harness::Sse> = first
        .iter()
        .chain(rest.iter())
        .filter(|e| e.event != "task_finished")
        .collect();
    let cursors: Vec<i64> = streamed.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
    let run_id = done.data["run_id"].as_str().unwrap();
    let (_, run) = call(
        http()
            .get(format!("{}/v1/runs/{run_id}", s.base))
            .bearer_auth(&t),
    )
    .await;
    let trace: Vec<u64> = run["payload"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    let seqs: Vec<u64> = streamed
        .iter()
        .map(|e| e.data["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, trace);

    // The change is committed on the task's branch; the checkout is untouched.
    let branch = format!("chamber/{}", &run_id[..8]);
    assert!(
        p.git_ok(&["show", "--name-only", "--format=", &branch])
            .contains("hello.py")
    );
    assert!(p.read("hello.py").is_none());
    assert_eq!(p.git_ok(&["branch", "--show-current"]), "main");

    // The session view says where it stands.
    let (code, session) = call(
        http()
            .get(format!("{}/v1/sessions/{run_id}", s.base))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(session["payload"]["task"]["id"], id.as_str());
    assert_eq!(session["payload"]["resumable"], false);
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_cap_cancel_and_retry() {
    let p = Project::git(super::harness::NO_MODEL);
    let t = token(&p, "ci", "write").await;
    let s = serve(
        &p,
        &["--workers", "0"],
        &[("CHAMBER_SERVER__QUEUE_CAP", "2")],
    );
    let url = format!("{}/v1/tasks", s.base);
    let body = json!({"prompt": "fix the flaky retry test", "repo": p.path(), "priority": "high"});
    let send = |b: &Value, key: &str| {
        http()
            .post(&url)
            .bearer_auth(&t)
            .header("Idempotency-Key", key)
            .json(b)
    };
    let (c1, a) = call(send(&body, "k1")).await;
    let (c2, b) = call(send(&body, "k1")).await;
    assert_eq!((c1, c2), (201, 200), "{a} {b}");
    assert_eq!(a["payload"]["id"], b["payload"]["id"]);
    assert_eq!(a["payload"]["priority"], 10);
    let other = json!({"prompt": "something else", "repo": p.path()});
    let (c3, conflict) = call(send(&other, "k1")).await;
    assert_eq!(c3, 409, "{conflict}");
    assert_eq!(conflict["error"]["code"], "idempotency_conflict");

    // The cap: one more fits, the next is refused with Retry-After.
    let (c4, _) = call(send(&other, "k2")).await;
    assert_eq!(c4, 201);
    let r = send(&json!({"prompt": "third", "repo": p.path()}), "k3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let (_, list) = call(http().get(&url).bearer_auth(&t)).await;
    assert_eq!(list["payload"]["tasks"].as_array().unwrap().len(), 2);

    // Real responses fit the published OpenAPI document.
    let (code, doc) = call(http().get(format!("{}/v1/openapi.json", s.base))).await;
    assert_eq!(code, 200);
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(doc, committed, "the server serves docs/openapi.json");
    let record = &doc["components"]["schemas"]["TaskRecord"];
    let props = record["properties"].as_object().unwrap();
    for (key, _) in a["payload"].as_object().unwrap() {
        assert!(
            props.contains_key(key),
            "{key} is not in the TaskRecord schema"
        );
    }
    for key in record["required"].as_array().unwrap() {
        assert!(
            a["payload"].get(key.as_str().unwrap()).is_some(),
            "{key} missing in a real task"
        );
    }
    for key in ["ok", "cmd", "version", "payload"] {
        assert!(a.get(key).is_some(), "envelope lacks {key}");
    }
    assert!(doc["paths"]["/v1/tasks"]["post"]["responses"]["429"].is_object());

    // Cancel a queued task, then put it back.
    let id = a["payload"]["id"].as_str().unwrap();
    let (code, c) = call(http().post(format!("{url}/{id}/cancel")).bearer_auth(&t)).await;
    assert_eq!(code, 200);
    assert_eq!(c["payload"]["state"], "cancelled");
    let (code, r) = call(http().post(format!("{url}/{id}/retry")).bearer_auth(&t)).await;
    assert_eq!(code, 200);
    assert_eq!(r["payload"]["state"], "queued");

    // Metrics parse and count what happened.
    let text = metrics_text(&s).await;
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
    };
    assert_eq!(value("chamber_tasks{state=\"queued\"}"), 2.0);
    assert_eq!(
        value("chamber_backpressure_total{reason=\"queue_full\"}"),
        1.0
    );
    assert_eq!(
        value(
            "chamber_http_request_duration_seconds_count{route=\"/v1/tasks\",method=\"POST\",status=\"201\"}"
        ),
        2.0
    );
    assert!(text.trim_end().ends_with("# EOF"));
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_queue_nothing() {
    let p = Project::git(super::harness::NO_MODEL);
    let outside = Project::git(super::harness::NO_MODEL);
    let writer = token(&p, "writer", "write").await;
    let reader = token(&p, "reader", "read").await;
    let s = serve(
        &p,
        &["--workers", "0"],
        &[("CHAMBER_SERVER__MAX_BODY_BYTES", "4096")],
    );
    let url = format!("{}/v1/tasks", s.base);
    let good = json!({"prompt": "x", "repo": p.path()});
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "malformed",
            http()
                .post(&url)
                .bearer_auth(&writer)
                .header("content-type", "application/json")
                .body("{\"prompt\":"),
            400,
            "malformed_json",
        ),
        (
            "content type",
            http()
                .post(&url)
                .bearer_auth(&writer)
                .header("content-type", "text/plain")
                .body(good.to_string()),
            415,
            "unsupported_media_type",
        ),
        (
            "too large",
            http()
                .post(&url)
                .bearer_auth(&writer)
                .json(&json!({"prompt": "y".repeat(10_000), "repo": p.path()})),
            413,
            "body_too_large",
        ),
        (
            "unknown field",
            http()
                .post(&url)
                .bearer_auth(&writer)
                .json(&json!({"prompt": "x", "repo": p.path(), "colour": "red"})),
            422,
            "invalid_body",
        ),
        (
            "no token",
            http().post(&url).json(&good),
            401,
            "unauthorized",
        ),
        (
            "wrong token",
            http()
                .post(&url)
                .bearer_auth("chm_0000000000000000_nope")
                .json(&good),
            401,
            "unauthorized",
        ),
        (
            "read scope",
            http().post(&url).bearer_auth(&reader).json(&good),
            403,
            "forbidden",
        ),
        (
            "outside roots",
            http()
                .post(&url)
                .bearer_auth(&writer)
                .json(&json!({"prompt": "x", "repo": outside.path()})),
            403,
            "repo_not_allowed",
        ),
        (
            "unknown route",
            http()
                .get(format!("{}/v1/nothing", s.base))
                .bearer_auth(&writer),
            404,
            "no_route",
        ),
    ];
    for (name, req, status, code) in cases {
        let (got, body) = call(req).await;
        assert_eq!(got, status, "{name}: {body}");
        assert_eq!(body["ok"], false, "{name}: {body}");
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (code, list) = call(http().get(&url).bearer_auth(&reader)).await;
    assert_eq!(code, 200);
    assert_eq!(list["payload"]["tasks"], json!([]), "nothing may be queued");
    // Health needs no token; readiness reports the workers.
    let (code, h) = call(http().get(format!("{}/healthz", s.base))).await;
    assert_eq!(
        (code, h["payload"]["status"].as_str()),
        (200, Some("alive"))
    );
    let (code, r) = call(http().get(format!("{}/readyz", s.base))).await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["payload"]["store"], "ok");
    s.stop();
    // An exposed address without auth is refused before anything starts.
    let run = p
        .run(&["serve", "--listen", "0.0.0.0:0", "--no-auth"])
        .await;
    run.assert_code(5);
    assert!(run.stderr.contains("refusing to listen"), "{}", run.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_cli_works_locally_and_against_a_server() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    // Locally: queued in the data dir's database.
    let run = p
        .run(&["--json", "task", "submit", "--yes", "add a hello script"])
        .await;
    run.assert_code(0);
    let id = run.envelope()["payload"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = p.run(&["--json", "task", "list"]).await;
    run.assert_code(0);
    assert_eq!(run.envelope()["payload"]["tasks"][0]["id"], id.as_str());
    // A server picks it up; `task logs --follow` over HTTP sees it finish.
    let t = token(&p, "ci", "write").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let run = p
        .run(&[
            "task", "logs", &id, "--follow", "--server", &s.base, "--token", &t,
        ])
        .await;
    run.assert_code(0);
    assert!(run.stdout.contains("completed"), "{}", run.dump());
    let run = p
        .run(&[
            "--json", "task", "show", &id, "--server", &s.base, "--token", &t,
        ])
        .await;
    run.assert_code(0);
    assert_eq!(run.envelope()["payload"]["state"], "completed");
    // A wrong token is refused with the server's message.
    let run = p
        .run(&["task", "list", "--server", &s.base, "--token", "chm_x_y"])
        .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("unauthorized"), "{}", run.dump());
    s.stop();
    tokio::time::sleep(Duration::from_millis(10)).await;
}
