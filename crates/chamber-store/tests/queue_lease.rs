//! What happens to claimed tasks, through the public `Store` API on real
//! SQLite files: lease expiry and rescue with fencing, heartbeats,
//! retries with backoff and dead-lettering, cancellation and manual retry.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use std::time::Duration;

use chamber_store::{ErrorClass, Heartbeat, RetryPolicy, StoreError, TaskState};
use common::{LONG, claim, open, submit, task};

const SHORT: Duration = Duration::from_millis(200);

fn fenced(r: Result<impl std::fmt::Debug, StoreError>, want_current: i64) {
    match r {
        Err(StoreError::Fenced { current, .. }) => assert_eq!(current, want_current),
        other => panic!("expected Fenced, got {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_lease_is_rescued_and_the_old_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let other = open(dir.path()).await;
    let id = submit(&store, task("slow")).await;
    let a = claim(&store, "worker-a", SHORT).await.unwrap();
    assert_eq!(a.fencing_token, 1);
    assert!(
        claim(&other, "worker-b", SHORT).await.is_none(),
        "a live lease is not rescued"
    );
    store.check_fence(&id, a.fencing_token).await.unwrap();

    tokio::time::sleep(Duration::from_millis(350)).await;
    let b = claim(&other, "worker-b", LONG).await.unwrap();
    assert!(b.rescued);
    assert_eq!(b.task.id, id);
    assert_eq!((b.fencing_token, b.task.attempts), (2, 2));
    assert_eq!(b.task.lease_owner.as_deref(), Some("worker-b"));

    // The first worker wakes up: every fenced write is refused.
    fenced(store.check_fence(&id, a.fencing_token).await, 2);
    fenced(
        store
            .complete_task(&id, a.fencing_token, serde_json::json!("stale"))
            .await,
        2,
    );
    fenced(store.set_task_run(&id, a.fencing_token, "run-a").await, 2);
    fenced(store.set_task_waiting(&id, a.fencing_token, true).await, 2);
    fenced(
        store
            .fail_task(
                &id,
                a.fencing_token,
                ErrorClass::Transient,
                "x",
                &RetryPolicy::default(),
            )
            .await,
        2,
    );
    fenced(store.finish_cancelled(&id, a.fencing_token).await, 2);
    assert_eq!(
        store.heartbeat(&id, a.fencing_token, LONG).await.unwrap(),
        Heartbeat::Lost
    );

    let run = other
        .set_task_run(&id, b.fencing_token, "run-b")
        .await
        .unwrap();
    assert_eq!(run.run_id.as_deref(), Some("run-b"));
    assert_eq!(other.task_by_run("run-b").await.unwrap().unwrap().id, id);
    assert!(other.task_by_run("run-a").await.unwrap().is_none());
    let done = other
        .complete_task(&id, b.fencing_token, serde_json::json!({"ok": true}))
        .await
        .unwrap();
    assert_eq!(done.state, TaskState::Completed);
    assert_eq!(done.result, Some(serde_json::json!({"ok": true})));
    assert!(done.finished_at.is_some() && done.lease_owner.is_none() && done.lease_until.is_none());
    // A finished task fences even its last holder.
    fenced(store.check_fence(&id, b.fencing_token).await, 2);
    let stats = store.queue_stats().await.unwrap();
    assert_eq!((stats.claims, stats.rescues), (2, 1));
}

#[tokio::test]
async fn heartbeats_keep_a_lease_and_report_cancellation() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = submit(&store, task("long")).await;
    let c = claim(&store, "w", SHORT).await.unwrap();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            store.heartbeat(&id, c.fencing_token, SHORT).await.unwrap(),
            Heartbeat::Held
        );
    }
    assert!(
        claim(&store, "thief", LONG).await.is_none(),
        "renewed for 500 ms on a 200 ms lease, never rescued"
    );
    let before = store.get_task(&id).await.unwrap().lease_until.unwrap();
    store.heartbeat(&id, c.fencing_token, LONG).await.unwrap();
    let after = store.get_task(&id).await.unwrap().lease_until.unwrap();
    assert!(after - before > chrono::Duration::seconds(50));

    let asked = store.cancel_task(&id, "not needed").await.unwrap();
    assert_eq!(
        asked.state,
        TaskState::Running,
        "a held task only gets a request"
    );
    assert!(asked.cancel_requested);
    assert_eq!(asked.cancel_reason.as_deref(), Some("not needed"));
    store.cancel_task(&id, "second reason").await.unwrap();
    assert_eq!(
        store.heartbeat(&id, c.fencing_token, SHORT).await.unwrap(),
        Heartbeat::CancelRequested
    );
    let done = store.finish_cancelled(&id, c.fencing_token).await.unwrap();
    assert_eq!(done.state, TaskState::Cancelled);
    assert_eq!(done.cancel_reason.as_deref(), Some("not needed"));
    assert!(done.finished_at.is_some());
    assert_eq!(
        store.heartbeat(&id, c.fencing_token, SHORT).await.unwrap(),
        Heartbeat::Lost
    );
    assert_eq!(
        store.heartbeat("no-such-task", 1, SHORT).await.unwrap(),
        Heartbeat::Lost
    );
}

#[tokio::test]
async fn awaiting_approval_is_held_and_not_rescued() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = submit(&store, task("needs a human")).await;
    let c = claim(&store, "w", SHORT).await.unwrap();
    let waiting = store
        .set_task_waiting(&id, c.fencing_token, true)
        .await
        .unwrap();
    assert_eq!(waiting.state, TaskState::AwaitingApproval);
    let again = store
        .set_task_waiting(&id, c.fencing_token, true)
        .await
        .unwrap();
    assert_eq!(again.state, TaskState::AwaitingApproval);
    assert_eq!(
        store.heartbeat(&id, c.fencing_token, SHORT).await.unwrap(),
        Heartbeat::Held
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(claim(&store, "other", LONG).await.is_none());
    store.check_fence(&id, c.fencing_token).await.unwrap();
    let back = store
        .set_task_waiting(&id, c.fencing_token, false)
        .await
        .unwrap();
    assert_eq!(back.state, TaskState::Running);
}

#[tokio::test]
async fn transient_failures_back_off_then_dead_letter_and_retry_task_revives() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let policy = RetryPolicy {
        base: Duration::from_millis(200),
        cap: Duration::from_secs(10),
    };
    let id = submit(&store, task("flaky")).await;
    for (attempt, nominal_ms) in [(1u32, 200.0), (2, 400.0)] {
        let c = claim(&store, "w", LONG).await.unwrap();
        assert_eq!(c.task.attempts, attempt);
        let t = store
            .fail_task(
                &id,
                c.fencing_token,
                ErrorClass::Transient,
                "timeout",
                &policy,
            )
            .await
            .unwrap();
        assert_eq!(t.state, TaskState::Queued);
        assert_eq!(t.last_error.as_deref(), Some("timeout"));
        assert_eq!(t.error_class, Some(ErrorClass::Transient));
        assert!(t.lease_owner.is_none() && t.finished_at.is_none());
        let delay = (t.run_after - t.updated_at).num_milliseconds() as f64;
        assert!(
            (nominal_ms * 0.8 - 1.0..=nominal_ms * 1.2 + 1.0).contains(&delay),
            "attempt {attempt}: delay {delay} ms"
        );
        assert!(
            claim(&store, "w", LONG).await.is_none(),
            "not claimable during the backoff"
        );
        let wait = (t.run_after - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        tokio::time::sleep(wait + Duration::from_millis(30)).await;
    }
    let c = claim(&store, "w", LONG).await.unwrap();
    assert_eq!(c.task.attempts, 3);
    let dead = store
        .fail_task(
            &id,
            c.fencing_token,
            ErrorClass::Model,
            "garbage output",
            &policy,
        )
        .await
        .unwrap();
    assert_eq!(dead.state, TaskState::DeadLettered);
    assert_eq!(dead.error_class, Some(ErrorClass::Model));
    assert!(dead.finished_at.is_some());
    assert!(claim(&store, "w", LONG).await.is_none());

    let revived = store.retry_task(&id[..6]).await.unwrap();
    assert_eq!(revived.state, TaskState::Queued);
    assert_eq!(revived.attempts, 0);
    assert_eq!(
        revived.last_error.as_deref(),
        Some("garbage output"),
        "kept"
    );
    assert!(revived.finished_at.is_none());
    let c = claim(&store, "w", LONG).await.unwrap();
    assert_eq!((c.task.attempts, c.fencing_token), (1, 4));
    // Every claim counted once, the three before the retry included.
    assert_eq!(store.queue_stats().await.unwrap().claims, 4);
}

#[tokio::test]
async fn non_retryable_failures_fail_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    for class in [
        ErrorClass::Budget,
        ErrorClass::Policy,
        ErrorClass::Permanent,
    ] {
        let id = submit(&store, task(class.as_str())).await;
        let c = claim(&store, "w", LONG).await.unwrap();
        let t = store
            .fail_task(&id, c.fencing_token, class, "no", &RetryPolicy::default())
            .await
            .unwrap();
        assert_eq!(t.state, TaskState::Failed, "{class}");
        assert_eq!(t.error_class, Some(class));
        assert_eq!(t.attempts, 1);
        assert!(t.finished_at.is_some());
    }
    assert!(claim(&store, "w", LONG).await.is_none());
}

#[tokio::test]
async fn cancelling_a_queued_task_is_immediate_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = submit(&store, task("never mind")).await;
    let t = store.cancel_task(&id, "changed my mind").await.unwrap();
    assert_eq!(t.state, TaskState::Cancelled);
    assert!(!t.cancel_requested);
    assert_eq!(t.cancel_reason.as_deref(), Some("changed my mind"));
    assert!(t.finished_at.is_some());
    let again = store.cancel_task(&id, "again").await.unwrap();
    assert_eq!(again, t, "a finished task is returned unchanged");
    assert!(claim(&store, "w", LONG).await.is_none());

    let retried = store.retry_task(&id).await.unwrap();
    assert_eq!(retried.state, TaskState::Queued);
    assert!(retried.cancel_reason.is_none() && !retried.cancel_requested);
    assert!(claim(&store, "w", LONG).await.is_some());
}

#[tokio::test]
async fn a_retryable_failure_after_a_cancel_request_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = submit(&store, task("t")).await;
    let c = claim(&store, "w", LONG).await.unwrap();
    store.cancel_task(&id, "stop").await.unwrap();
    let t = store
        .fail_task(
            &id,
            c.fencing_token,
            ErrorClass::Transient,
            "interrupted",
            &RetryPolicy::default(),
        )
        .await
        .unwrap();
    assert_eq!(t.state, TaskState::Cancelled);
    assert_eq!(t.last_error.as_deref(), Some("interrupted"));
}

#[tokio::test]
async fn rescues_cancel_or_dead_letter_instead_of_rerunning() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let asked = submit(&store, task("cancelled while its worker died")).await;
    let mut once = task("last attempt");
    once.max_attempts = 1;
    let last = submit(&store, once).await;
    claim(&store, "w", SHORT).await.unwrap();
    claim(&store, "w", SHORT).await.unwrap();
    store.cancel_task(&asked, "stop").await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(claim(&store, "rescuer", LONG).await.is_none());
    assert_eq!(
        store.get_task(&asked).await.unwrap().state,
        TaskState::Cancelled
    );
    let dead = store.get_task(&last).await.unwrap();
    assert_eq!(dead.state, TaskState::DeadLettered);
    assert_eq!(dead.error_class, Some(ErrorClass::Transient));
    assert!(dead.last_error.unwrap().contains("lease expired"));
    let stats = store.queue_stats().await.unwrap();
    assert_eq!((stats.claims, stats.rescues), (2, 0));
}

#[tokio::test]
async fn retry_task_refuses_unfinished_and_completed_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let id = submit(&store, task("t")).await;
    let refused = |r: Result<chamber_store::TaskRecord, StoreError>, want: &str| match r {
        Err(StoreError::InvalidState {
            state,
            action: "retry",
            ..
        }) => assert_eq!(state, want),
        other => panic!("expected InvalidState, got {other:?}"),
    };
    refused(store.retry_task(&id).await, "queued");
    let c = claim(&store, "w", LONG).await.unwrap();
    refused(store.retry_task(&id).await, "running");
    store
        .complete_task(&id, c.fencing_token, serde_json::Value::Null)
        .await
        .unwrap();
    refused(store.retry_task(&id).await, "completed");
    let err = store.retry_task(&id).await.unwrap_err().to_string();
    assert!(err.contains("cannot retry"), "{err}");
}

/// A worker with free slots claims several tasks in one go: best first,
/// each once, each with its own lease and token; expired leases among them
/// count as rescues; asking for more than there are returns what there is.
#[tokio::test]
async fn several_tasks_are_claimed_at_once_best_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let other = open(dir.path()).await;
    let mut ids = Vec::new();
    for (i, priority) in [0, 10, 0, 5, 0].into_iter().enumerate() {
        let mut t = task(&format!("t{i}"));
        t.priority = priority;
        ids.push(submit(&store, t).await);
    }
    let no_limits = std::collections::HashMap::new();
    let first = store
        .claim_tasks("worker-a", &[], SHORT, &no_limits, 3)
        .await
        .unwrap();
    let got: Vec<&str> = first.iter().map(|c| c.task.id.as_str()).collect();
    assert_eq!(got, [&ids[1], &ids[3], &ids[0]], "priority, then age");
    assert!(first.iter().all(|c| c.fencing_token == 1 && !c.rescued));
    assert!(first.iter().all(|c| c.task.state == TaskState::Running));
    // Another process gets the rest, never the same rows.
    let second = other
        .claim_tasks("worker-b", &[], LONG, &no_limits, 10)
        .await
        .unwrap();
    let got: Vec<&str> = second.iter().map(|c| c.task.id.as_str()).collect();
    assert_eq!(got, [&ids[2], &ids[4]]);
    // worker-a's leases lapse: all three are rescued in one claim.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let rescued = other
        .claim_tasks("worker-b", &[], LONG, &no_limits, 10)
        .await
        .unwrap();
    assert_eq!(rescued.len(), 3);
    assert!(rescued.iter().all(|c| c.rescued && c.fencing_token == 2));
    fenced(store.check_fence(&ids[1], 1).await, 2);
    assert!(
        other
            .claim_tasks("worker-b", &[], LONG, &no_limits, 4)
            .await
            .unwrap()
            .is_empty()
    );
    let stats = store.queue_stats().await.unwrap();
    assert_eq!((stats.claims, stats.rescues), (8, 3));
}
