//! Durable approvals over HTTP: a plan and its actions answered by an
//! approve-scope token, expiry into a clear failure, cancelling while a task
//! waits, and a two-person write that needs two tokens (followed over
//! WebSocket).

use std::time::Duration;

use chamber_mock_llm::MockServer;
use serde_json::{Value, json};

use super::harness::{Project, hello_script};
use super::service_harness::{call, http, serve, submit, token, wait_task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_waits_for_an_approval_answered_over_http() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    let writer = token(&p, "writer", "write").await;
    let approver = token(&p, "lead", "approve").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let (code, body) = submit(&s, &writer, &p, "add a hello script", json!({})).await;
    assert_eq!(code, 201, "{body}");
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    let task = wait_task(&s, &writer, &id, |t| t["state"] == "awaiting_approval").await;
    let run_id = task["run_id"].as_str().unwrap().to_string();

    let (_, list) = call(
        http()
            .get(format!("{}/v1/approvals", s.base))
            .bearer_auth(&writer),
    )
    .await;
    let pending = list["payload"]["approvals"].as_array().unwrap().clone();
    assert_eq!(pending.len(), 1, "{list}");
    assert_eq!(pending[0]["kind"], "plan");
    assert_eq!(pending[0]["run_id"], run_id.as_str());
    let aid = pending[0]["id"].as_str().unwrap();
    // The run announced the request before waiting.
    let (_, run) = call(
        http()
            .get(format!("{}/v1/runs/{run_id}", s.base))
            .bearer_auth(&writer),
    )
    .await;
    assert!(
        run["payload"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "approval_requested")
    );

    // A write token may not answer; an approve token may, idempotently.
    let url = format!("{}/v1/approvals/{aid}", s.base);
    let (code, _) = call(
        http()
            .post(&url)
            .bearer_auth(&writer)
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(code, 403);
    for _ in 0..2 {
        let (code, a) = call(
            http()
                .post(&url)
                .bearer_auth(&approver)
                .json(&json!({"decision": "approve", "approver": "ana"})),
        )
        .await;
        assert_eq!(code, 200, "{a}");
        assert_eq!(a["payload"]["state"], "approved");
        assert_eq!(a["payload"]["answers"].as_array().unwrap().len(), 1);
    }
    // In `ask` mode the file write and the command are asked too: answer
    // each request as it comes, until the task completes.
    let mut kinds = vec!["plan".to_string()];
    let task = loop {
        let (_, t) = call(
            http()
                .get(format!("{}/v1/tasks/{id}", s.base))
                .bearer_auth(&writer),
        )
        .await;
        let t = t["payload"].clone();
        if t["state"] == "completed" {
            break t;
        }
        assert!(kinds.len() < 10, "too many requests: {kinds:?} {t}");
        let (_, list) = call(
            http()
                .get(format!("{}/v1/approvals", s.base))
                .bearer_auth(&approver),
        )
        .await;
        for a in list["payload"]["approvals"].as_array().unwrap() {
            kinds.push(a["kind"].as_str().unwrap().to_string());
            let url = format!("{}/v1/approvals/{}", s.base, a["id"].as_str().unwrap());
            let (code, _) = call(
                http()
                    .post(&url)
                    .bearer_auth(&approver)
                    .json(&json!({"decision": "approve", "approver": "ana"})),
            )
            .await;
            assert_eq!(code, 200);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(kinds.iter().any(|k| k == "action"), "{kinds:?}");
    assert!(task["result"]["commit"].is_string(), "{task}");
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_approval_expires_into_a_clear_failure() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    let t = token(&p, "ci", "write").await;
    let s = serve(
        &p,
        &["--workers", "1"],
        &[
            ("CHAMBER_SERVER__APPROVAL_TIMEOUT_SECS", "1"),
            ("CHAMBER_SERVER__MAX_ATTEMPTS", "1"),
        ],
    );
    let (_, body) = submit(&s, &t, &p, "add a hello script", json!({})).await;
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    let task = wait_task(&s, &t, &id, |t| t["state"] == "failed").await;
    let error = task["last_error"].as_str().unwrap();
    assert!(error.contains("expired"), "{error}");
    assert_eq!(task["error_class"], "policy");
    let (_, list) = call(
        http()
            .get(format!("{}/v1/approvals?state=expired", s.base))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(
        list["payload"]["approvals"].as_array().unwrap().len(),
        1,
        "{list}"
    );
    // A retry asks again, in a fresh run (the rejected one cannot resume).
    let old_run = task["run_id"].as_str().unwrap().to_string();
    let (code, _) = call(
        http()
            .post(format!("{}/v1/tasks/{id}/retry", s.base))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(code, 200);
    let again = wait_task(&s, &t, &id, |t| {
        t["run_id"].is_string() && t["run_id"] != old_run.as_str()
    })
    .await;
    assert_ne!(again["run_id"], old_run.as_str());
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_task_that_waits_for_approval_ends_it_cancelled() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    let t = token(&p, "ci", "write").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let (_, body) = submit(&s, &t, &p, "add a hello script", json!({})).await;
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    wait_task(&s, &t, &id, |t| t["state"] == "awaiting_approval").await;
    let (code, c) = call(
        http()
            .post(format!("{}/v1/tasks/{id}/cancel", s.base))
            .bearer_auth(&t)
            .json(&json!({"reason": "changed my mind"})),
    )
    .await;
    assert_eq!(code, 200, "{c}");
    let task = wait_task(&s, &t, &id, |t| t["state"] == "cancelled").await;
    assert_eq!(task["cancel_reason"], "changed my mind");
    // A query that does not fit is refused in the envelope too.
    let (code, bad) = call(
        http()
            .get(format!("{}/v1/tasks?cursor=soon", s.base))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(code, 400, "{bad}");
    assert_eq!(bad["error"]["code"], "bad_query");
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_person_write_needs_two_tokens_and_streams_over_websocket() {
    let mock = MockServer::start(vec![
        super::harness::plan_turn("Deploy", &[("1", "edit deploy config")]),
        chamber_mock_llm::Turn::call(
            "write_file",
            json!({"path": "deploy/prod.yaml", "content": "x: 2\n"}),
        ),
        chamber_mock_llm::Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&mock.base_url());
    p.write(
        ".chamber/config.toml",
        "[paths]\ntwo_person = [\"deploy/**\"]\n",
    );
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "config"]);
    let writer = token(&p, "writer", "write").await;
    let alice = token(&p, "alice", "approve").await;
    let bob = token(&p, "bob", "approve").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let (_, body) = submit(&s, &writer, &p, "deploy", json!({"auto_approve": true})).await;
    let id = body["payload"]["id"].as_str().unwrap().to_string();

    // Follow the task over WebSocket while answering.
    let ws_url = format!(
        "{}/v1/tasks/{id}/events/ws",
        s.base.replace("http://", "ws://")
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url)
            .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {writer}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    wait_task(&s, &writer, &id, |t| t["state"] == "awaiting_approval").await;
    let (_, list) = call(
        http()
            .get(format!("{}/v1/approvals", s.base))
            .bearer_auth(&writer),
    )
    .await;
    let a = list["payload"]["approvals"][0].clone();
    assert_eq!(a["kind"], "action", "{list}");
    assert_eq!(a["approvers_needed"], 2, "{a}");
    let url = format!("{}/v1/approvals/{}", s.base, a["id"].as_str().unwrap());
    // One token twice, even under two names, is one person.
    for name in ["alice", "carol"] {
        let (code, r) = call(
            http()
                .post(&url)
                .bearer_auth(&alice)
                .json(&json!({"decision": "approve", "approver": name})),
        )
        .await;
        assert_eq!(code, 200, "{r}");
        assert_eq!(r["payload"]["state"], "pending", "{r}");
    }
    let (_, r) = call(
        http()
            .post(&url)
            .bearer_auth(&bob)
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(r["payload"]["state"], "approved", "{r}");

    let mut types = Vec::new();
    let finished = loop {
        let msg = tokio::time::timeout(
            Duration::from_secs(60),
            futures::StreamExt::next(&mut socket),
        )
        .await
        .expect("websocket went quiet")
        .expect("websocket closed early")
        .unwrap();
        let text = msg.into_text().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        if let Some(t) = v.get("task_finished") {
            break t.clone();
        }
        types.push(v["event"]["type"].as_str().unwrap_or("").to_string());
    };
    assert_eq!(finished["state"], "completed", "{finished}");
    assert!(
        types.contains(&"approval_requested".to_string()),
        "{types:?}"
    );
    let decision: Vec<Value> = {
        let run_id = finished["run_id"].as_str().unwrap();
        let (_, run) = call(
            http()
                .get(format!("{}/v1/runs/{run_id}", s.base))
                .bearer_auth(&writer),
        )
        .await;
        run["payload"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "policy_decision")
            .cloned()
            .collect()
    };
    assert_eq!(
        decision[0]["approvers"],
        json!(["alice", "bob"]),
        "{decision:?}"
    );
    s.stop();
}
