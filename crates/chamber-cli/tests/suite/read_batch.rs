//! Read-only calls the model issues in one turn run at the same time; the
//! model still gets their results in call order.
//!
//! The proof needs no timing: the first two calls read named pipes, which
//! block until someone writes them. The test writes the *second* pipe only,
//! and waits for the second call to finish while the first one is still
//! blocked — which cannot happen when the calls run one after another.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, Run, messages, plan_turn, types};

/// The single run's `events.jsonl` as far as it is written (empty before).
fn live_events(root: &Path) -> Vec<Value> {
    let Ok(runs) = std::fs::read_dir(root.join(".chamber/runs")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for run in runs.flatten() {
        let text = std::fs::read_to_string(run.path().join("events.jsonl")).unwrap_or_default();
        // The last line may be half written.
        out.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok()),
        );
    }
    out
}

/// The call ids of the recorded model turn that carries three calls.
fn three_calls(events: &[Value]) -> Option<Vec<String>> {
    let turn = events.iter().find(|e| {
        e["type"] == "model_turn" && e["tool_calls"].as_array().is_some_and(|c| c.len() == 3)
    })?;
    turn["tool_calls"]
        .as_array()?
        .iter()
        .map(|c| c["id"].as_str().map(String::from))
        .collect()
}

/// Whether an event of `kind` for the call with id `call_id` is in `events`.
fn has(events: &[Value], kind: &str, call_id: &str) -> bool {
    events
        .iter()
        .any(|e| e["type"] == kind && (e["call_id"] == call_id || e["call"]["id"] == call_id))
}

/// Waits up to 30 s for `done` to hold on the live events.
async fn wait_for(root: &Path, done: impl Fn(&[Value]) -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if done(&live_events(root)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Writes `text` into the named pipe at `path` on its own thread (opening a
/// pipe for writing blocks until a reader opens it).
fn feed(path: PathBuf, text: &'static str) {
    std::thread::spawn(move || {
        if let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(path) {
            let _ = pipe.write_all(text.as_bytes());
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_issued_together_run_concurrently_and_answer_in_order() {
    let server = MockServer::start(vec![
        plan_turn("Read the inputs", &[("1", "Read the inputs")]),
        Turn::calls(vec![
            ("read_file", json!({"path": "pipes/a"})),
            ("read_file", json!({"path": "pipes/b"})),
            ("read_file", json!({"path": "c.txt"})),
        ]),
        Turn::text("Read all three."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(".gitignore", "pipes/\n");
    p.write("c.txt", "from c\n");
    p.git_ok(&["add", ".gitignore", "c.txt"]);
    p.git_ok(&["commit", "-q", "-m", "inputs"]);
    std::fs::create_dir(p.path().join("pipes")).unwrap();
    for name in ["a", "b"] {
        let made = Command::new("mkfifo")
            .arg(p.path().join("pipes").join(name))
            .status()
            .unwrap();
        assert!(made.success());
    }

    let running = tokio::spawn(Run::from_command(p.cmd(&[
        "run",
        "--yes",
        "--json",
        "read the inputs",
    ])));
    let root = p.path().to_path_buf();
    // The three calls' ids, once the model turn is recorded.
    let turn_seen = wait_for(&root, |ev| three_calls(ev).is_some()).await;
    let ids = three_calls(&live_events(&root)).unwrap_or_default();
    let both_started = turn_seen
        && wait_for(&root, |ev| {
            has(ev, "tool_started", &ids[0]) && has(ev, "tool_started", &ids[1])
        })
        .await;
    feed(root.join("pipes/b"), "from b\n");
    let b_first = both_started && wait_for(&root, |ev| has(ev, "tool_finished", &ids[1])).await;
    let a_done_early = both_started && has(&live_events(&root), "tool_finished", &ids[0]);
    // Whatever happened, the run gets both pipes and ends.
    feed(root.join("pipes/a"), "from a\n");
    let out = running.await.unwrap();
    assert!(
        both_started,
        "both pipe reads start before either ends: {:?}\n{}",
        types(&live_events(&root)),
        out.dump()
    );
    assert!(
        b_first && !a_done_early,
        "the second read finished while the first was blocked\n{}",
        out.dump()
    );
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    out.assert_code(0);

    // Every call has its start and end, the starts first.
    let events = live_events(&root);
    for id in [&a, &b, &c] {
        assert!(
            has(&events, "tool_started", id) && has(&events, "tool_finished", id),
            "{id}"
        );
    }
    let last_start = events
        .iter()
        .rposition(|e| e["type"] == "tool_started")
        .unwrap();
    let first_end = events
        .iter()
        .position(|e| e["type"] == "tool_finished")
        .unwrap();
    assert!(last_start < first_end, "{:?}", types(&events));

    // The model reads the results in call order.
    let requests = server.requests();
    let tool_messages: Vec<(String, String)> = messages(&requests[2])
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().unwrap_or_default().to_string(),
                m["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tool_messages
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        [a.as_str(), b.as_str(), c.as_str()]
    );
    for ((_, text), want) in tool_messages.iter().zip(["from a", "from b", "from c"]) {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
}
