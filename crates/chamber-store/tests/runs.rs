//! Runs, events, plans and model calls through the public `Store` API, on
//! a SQLite file or (with `CHAMBER_TEST_STORE=postgres`) PostgreSQL: the
//! dialect-specific statements (JSON access, event ordering) included.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_protocol::{
    Event, EventKind, Origin, RunStatus, Task, TaskConstraints, ToolCall, ToolResult, ToolStatus,
    Usage,
};
use chamber_store::{CallFilter, CallRecord, NewRun, StoreError};
use chrono::Utc;
use common::open;

fn new_run(id: &str) -> NewRun {
    NewRun {
        task: Task {
            id: id.into(),
            prompt: "p".into(),
            workdir: "/w".into(),
            origin: Origin::Cli,
            constraints: TaskConstraints {
                dry_run: true,
                ..Default::default()
            },
            created_at: Utc::now(),
        },
        provider: "openai".into(),
        model: "m".into(),
        branch: Some("chamber/x".into()),
        base_branch: None,
        pid: 7,
    }
}

fn event(run: &str, seq: u64, kind: EventKind) -> Event {
    Event {
        run_id: run.into(),
        seq,
        ts: Utc::now(),
        kind,
    }
}

fn shell(run: &str, seq: u64, id: &str, command: &str) -> Event {
    event(
        run,
        seq,
        EventKind::ToolStarted {
            step_id: "1".into(),
            call: ToolCall {
                id: id.into(),
                name: "shell".into(),
                arguments: serde_json::json!({ "command": command }).to_string(),
            },
        },
    )
}

fn finished(run: &str, seq: u64, id: &str, status: ToolStatus, code: Option<i32>) -> Event {
    event(
        run,
        seq,
        EventKind::ToolFinished {
            step_id: "1".into(),
            call_id: id.into(),
            name: "shell".into(),
            result: ToolResult {
                status,
                exit_code: code,
                ..Default::default()
            },
        },
    )
}

#[tokio::test]
async fn runs_events_and_commands_read_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.create_run(&new_run("run-aaa1")).await.unwrap();
    store.create_run(&new_run("run-aaa2")).await.unwrap();
    assert!(matches!(
        store.get_run("run-aaa").await,
        Err(StoreError::Ambiguous { .. })
    ));

    let events = vec![
        shell("run-aaa1", 1, "c1", "pytest -q"),
        finished("run-aaa1", 2, "c1", ToolStatus::Error, Some(1)),
        shell("run-aaa1", 3, "c2", "sleep 100"),
        finished("run-aaa1", 4, "c2", ToolStatus::Timeout, None),
        event(
            "run-aaa1",
            5,
            EventKind::StepCompleted {
                step_id: "1".into(),
                summary: "done".into(),
            },
        ),
    ];
    for e in &events {
        store.append_event(e).await.unwrap();
    }
    assert!(store.append_event(&events[0]).await.is_err(), "seq 1 twice");
    assert_eq!(store.events("run-aaa1").await.unwrap(), events);

    let commands = store.shell_commands("run-aaa1").await.unwrap();
    assert_eq!(commands.len(), 2);
    assert_eq!(
        (commands[0].command.as_str(), commands[0].exit_code),
        ("pytest -q", Some(1))
    );
    assert_eq!(
        (commands[1].command.as_str(), commands[1].exit_code),
        ("sleep 100", None)
    );
    assert_eq!(store.completed_steps("run-aaa1").await.unwrap(), vec!["1"]);
    // Picked by type, in order, nothing else loaded.
    let picked = store
        .events_of("run-aaa1", &["step_completed", "tool_started"])
        .await
        .unwrap();
    assert_eq!(
        picked,
        vec![events[0].clone(), events[2].clone(), events[4].clone()]
    );
    assert!(store.events_of("run-aaa1", &[]).await.unwrap().is_empty());
    assert!(
        store
            .events_of("run-aaa2", &["tool_started"])
            .await
            .unwrap()
            .is_empty()
    );

    // The global cursor tails in order, filtered by run or not.
    let tail = store.events_after(0, None, 100).await.unwrap();
    assert_eq!(tail.len(), 5);
    assert!(tail.windows(2).all(|w| w[0].0 < w[1].0));
    let after_two = store
        .events_after(tail[1].0, Some("run-aaa1"), 2)
        .await
        .unwrap();
    assert_eq!(
        after_two.iter().map(|(_, e)| e.seq).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert_eq!(store.last_event_cursor().await.unwrap(), tail[4].0);
    let recent = store.recent_events(2, Some("run-aaa1")).await.unwrap();
    assert_eq!(
        recent.iter().map(|(_, e)| e.seq).collect::<Vec<_>>(),
        vec![4, 5]
    );

    store
        .add_usage(
            "run-aaa1",
            Usage {
                prompt_tokens: 10,
                completion_tokens: 5,
                ..Default::default()
            },
            0.25,
        )
        .await
        .unwrap();
    store
        .set_status("run-aaa1", RunStatus::Completed, Some("ok"))
        .await
        .unwrap();
    let run = store.get_run("run-aaa1").await.unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert!(run.dry_run);
    assert_eq!(run.pid, Some(7));
    assert_eq!((run.prompt_tokens, run.completion_tokens), (10, 5));
    assert!((run.cost_usd - 0.25).abs() < 1e-9);
    assert_eq!(store.list_runs(10).await.unwrap().len(), 2);
    assert_eq!(store.list_project_runs("/w", 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_appends_tail_without_gaps() {
    // Eight runs append at once; a reader that tails by cursor while they
    // write must see every event exactly once.
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let run = format!("run-{w}");
            store.create_run(&new_run(&run)).await.unwrap();
            for seq in 1..=25 {
                store
                    .append_event(&event(
                        &run,
                        seq,
                        EventKind::StepCompleted {
                            step_id: seq.to_string(),
                            summary: String::new(),
                        },
                    ))
                    .await
                    .unwrap();
            }
        }));
    }
    let mut cursor = 0;
    let mut seen = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen < 200 && std::time::Instant::now() < deadline {
        let batch = store.events_after(cursor, None, 7).await.unwrap();
        for (c, _) in &batch {
            assert!(*c > cursor);
            cursor = *c;
            seen += 1;
        }
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.unwrap();
    }
    let rest = store.events_after(cursor, None, 1000).await.unwrap();
    assert_eq!(seen + rest.len(), 200, "every event seen exactly once");
}

#[tokio::test]
async fn model_calls_record_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    for (run, ok, cost) in [
        ("r1", true, Some(0.5)),
        ("r1", false, None),
        ("r2", true, None),
    ] {
        store
            .record_call(&CallRecord {
                run_id: run.into(),
                step_id: None,
                phase: "step".into(),
                role: "tactical".into(),
                provider: "local".into(),
                model: "m".into(),
                attempt: 1,
                ok,
                error_class: (!ok).then(|| "timeout".into()),
                usage: Usage {
                    prompt_tokens: 100,
                    completion_tokens: 20,
                    ..Default::default()
                },
                prompt_eval_tokens: ok.then_some(60),
                prompt_cached_tokens: None,
                cost_usd: cost,
                latency_ms: 12,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
    }
    let r1 = store
        .calls(&CallFilter {
            run_id: Some("r1".into()),
            since: None,
        })
        .await
        .unwrap();
    assert_eq!(r1.len(), 2);
    assert!(r1[0].ok && !r1[1].ok);
    assert_eq!(r1[0].cost_usd, Some(0.5));
    assert_eq!(r1[0].prompt_eval_tokens, Some(60));
    assert_eq!(store.calls(&CallFilter::default()).await.unwrap().len(), 3);
}
