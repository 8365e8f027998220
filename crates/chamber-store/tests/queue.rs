//! The task queue through the public `Store` API on real SQLite files:
//! submitting (idempotency, unique keys, cap), claim order and limits,
//! exactly-once claims under concurrency, listing and statistics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use std::collections::{HashMap, HashSet};

use chamber_store::{Store, StoreError, TaskFilter, TaskState};
use common::{LONG, claim, open, submit, task};

#[tokio::test]
async fn a_submitted_task_reads_back_and_is_found_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut t = task("fix the bug");
    t.labels = vec!["ci".into(), "urgent".into(), "ci".into()];
    t.priority = 7;
    t.max_attempts = 0;
    let s = store.submit_task(&t, None).await.unwrap();
    assert!(s.created);
    let got = store.get_task(&s.task.id[..8]).await.unwrap();
    assert_eq!(got, s.task);
    assert_eq!(got.state, TaskState::Queued);
    assert_eq!(got.labels, ["ci", "urgent"], "labels are deduplicated");
    assert_eq!(got.constraints, serde_json::json!({"dry_run": false}));
    assert_eq!((got.priority, got.attempts, got.fencing_token), (7, 0, 0));
    assert_eq!(got.max_attempts, 1, "at least one attempt");
    assert_eq!(got.base_branch.as_deref(), Some("main"));
    assert!(got.lease_owner.is_none() && got.finished_at.is_none());
    assert!(matches!(
        store.get_task("nope").await,
        Err(StoreError::NotFound { what: "task", .. })
    ));
    assert!(matches!(
        store.get_task("").await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_task_or_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut t = task("a");
    t.idempotency_key = Some("k1".into());
    t.request_hash = Some("h1".into());
    let first = store.submit_task(&t, None).await.unwrap();
    let again = store.submit_task(&t, Some(1)).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(
        again.task.id, first.task.id,
        "replay returns the task, even at the cap"
    );

    t.request_hash = Some("h2".into());
    match store.submit_task(&t, None).await {
        Err(StoreError::IdempotencyConflict { key, task_id }) => {
            assert_eq!((key.as_str(), task_id), ("k1", first.task.id.clone()));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    t.request_hash = None;
    assert!(matches!(
        store.submit_task(&t, None).await,
        Err(StoreError::IdempotencyConflict { .. })
    ));
    let all = store.list_tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submits_with_one_key_make_one_task() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(open(dir.path()).await);
    }
    let mut handles = Vec::new();
    for i in 0..16 {
        let store = stores[i % 4].clone();
        handles.push(tokio::spawn(async move {
            let mut t = task("same request");
            t.idempotency_key = Some("once".into());
            t.request_hash = Some("h".into());
            store.submit_task(&t, None).await.unwrap()
        }));
    }
    let mut ids = HashSet::new();
    let mut created = 0;
    for h in handles {
        let s = h.await.unwrap();
        ids.insert(s.task.id);
        created += usize::from(s.created);
    }
    assert_eq!((ids.len(), created), (1, 1));
    let all = stores[0].list_tasks(&TaskFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn a_unique_key_returns_the_live_task_until_it_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut t = task("nightly");
    t.unique_key = Some("nightly:repo".into());
    let first = store.submit_task(&t, None).await.unwrap();
    let dup = store.submit_task(&t, None).await.unwrap();
    assert!(!dup.created);
    assert_eq!(dup.task.id, first.task.id);

    // Still live while running.
    let c = claim(&store, "w", LONG).await.unwrap();
    assert!(!store.submit_task(&t, None).await.unwrap().created);
    store
        .fail_task(
            &c.task.id,
            c.fencing_token,
            chamber_store::ErrorClass::Permanent,
            "boom",
            &Default::default(),
        )
        .await
        .unwrap();

    let second = store.submit_task(&t, None).await.unwrap();
    assert!(second.created, "a finished task frees the key");
    assert_ne!(second.task.id, first.task.id);
    match store.retry_task(&first.task.id).await {
        Err(StoreError::UniqueKeyTaken { key, task_id }) => {
            assert_eq!((key.as_str(), task_id), ("nightly:repo", second.task.id));
        }
        other => panic!("expected UniqueKeyTaken, got {other:?}"),
    }
}

#[tokio::test]
async fn the_cap_counts_unfinished_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a = store.submit_task(&task("a"), Some(2)).await.unwrap();
    store.submit_task(&task("b"), Some(2)).await.unwrap();
    match store.submit_task(&task("c"), Some(2)).await {
        Err(StoreError::QueueFull { depth, cap }) => assert_eq!((depth, cap), (2, 2)),
        other => panic!("expected QueueFull, got {other:?}"),
    }
    // Running tasks still count; finished ones do not.
    let c = claim(&store, "w", LONG).await.unwrap();
    assert_eq!(c.task.id, a.task.id);
    assert!(store.submit_task(&task("c"), Some(2)).await.is_err());
    store
        .complete_task(&c.task.id, c.fencing_token, serde_json::json!({}))
        .await
        .unwrap();
    assert!(
        store
            .submit_task(&task("c"), Some(2))
            .await
            .unwrap()
            .created
    );
    assert!(store.submit_task(&task("d"), None).await.unwrap().created);
}

#[tokio::test]
async fn claims_go_by_priority_then_age_and_honour_queues_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut ids = HashMap::new();
    for (name, queue, priority) in [
        ("a1", "a", 0),
        ("a2", "a", 5),
        ("a3", "a", 5),
        ("b1", "b", 0),
        ("b2", "b", 0),
    ] {
        let mut t = task(name);
        t.queue = queue.into();
        t.priority = priority;
        ids.insert(submit(&store, t).await, name);
    }
    let only_b = ["b".to_string()];
    let c = store
        .claim_task("w", &only_b, LONG, &HashMap::new())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids[&c.task.id], "b1");
    assert_eq!((c.fencing_token, c.task.attempts), (1, 1));
    assert_eq!(c.task.state, TaskState::Running);
    assert_eq!(c.task.lease_owner.as_deref(), Some("w"));
    assert!(!c.rescued);

    // Queue b is at its limit of one: the next claim with limits takes
    // from a, highest priority first, then the older.
    let limits = HashMap::from([("b".to_string(), 1), ("a".to_string(), 2)]);
    let mut order = Vec::new();
    while let Some(c) = store.claim_task("w", &[], LONG, &limits).await.unwrap() {
        order.push(ids[&c.task.id]);
    }
    assert_eq!(
        order,
        ["a2", "a3"],
        "a reached its limit of two, b its limit of one"
    );
    let paused = HashMap::from([("a".to_string(), 0), ("b".to_string(), 0)]);
    assert!(
        store
            .claim_task("w", &[], LONG, &paused)
            .await
            .unwrap()
            .is_none()
    );
    let mut left = Vec::new();
    while let Some(c) = claim(&store, "w", LONG).await {
        left.push(ids[&c.task.id]);
    }
    assert_eq!(left, ["a1", "b2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_claimers_in_four_handles_claim_each_of_200_tasks_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(open(dir.path()).await);
    }
    let mut submitted = HashSet::new();
    for i in 0..200 {
        let mut t = task(&format!("t{i}"));
        t.priority = i % 3;
        submitted.insert(submit(&stores[0], t).await);
    }
    let mut workers = Vec::new();
    for w in 0..8 {
        let store = stores[w % 4].clone();
        workers.push(tokio::spawn(async move {
            let name = format!("worker-{w}");
            let mut mine = Vec::new();
            while let Some(c) = claim(&store, &name, LONG).await {
                assert!(!c.rescued);
                assert_eq!(c.fencing_token, 1);
                store
                    .complete_task(&c.task.id, c.fencing_token, serde_json::json!({"by": name}))
                    .await
                    .unwrap();
                mine.push(c.task.id);
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    let mut busy_workers = 0;
    for w in workers {
        let mine = w.await.unwrap();
        busy_workers += usize::from(!mine.is_empty());
        claimed.extend(mine);
    }
    assert_eq!(claimed.len(), 200, "no task claimed twice");
    let unique: HashSet<_> = claimed.into_iter().collect();
    assert_eq!(unique, submitted);
    assert!(busy_workers > 1, "the claimers really competed");
    let stats = stores[3].queue_stats().await.unwrap();
    assert_eq!(stats.count(TaskState::Completed), 200);
    assert_eq!((stats.claims, stats.rescues), (200, 0));
}

#[tokio::test]
async fn listing_pages_newest_first_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    for i in 0..25 {
        let mut t = task(&format!("t{i}"));
        t.queue = if i % 2 == 0 { "even" } else { "odd" }.into();
        if i % 5 == 0 {
            t.labels = vec!["fives".into(), "x".into()];
        }
        submit(&store, t).await;
    }
    let mut seen = Vec::new();
    let mut filter = TaskFilter {
        limit: Some(10),
        ..Default::default()
    };
    loop {
        let page = store.list_tasks(&filter).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        filter.before_seq = page.last().map(|t| t.seq);
        seen.extend(page.into_iter().map(|t| (t.seq, t.prompt)));
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0].0 > w[1].0), "newest first");
    assert_eq!(seen[0].1, "t24");
    assert_eq!(seen[24].1, "t0");

    let fives = store
        .list_tasks(&TaskFilter {
            label: Some("fives".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<_> = fives.iter().map(|t| t.prompt.as_str()).collect();
    assert_eq!(names, ["t20", "t15", "t10", "t5", "t0"]);
    let odd_fives = store
        .list_tasks(&TaskFilter {
            label: Some("fives".into()),
            queue: Some("odd".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(odd_fives.len(), 2);

    let c = claim(&store, "w", LONG).await.unwrap();
    let running = store
        .list_tasks(&TaskFilter {
            state: Some(TaskState::Running),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, c.task.id);
    assert_eq!(running[0].prompt, "t0", "oldest first among equal priority");
}

#[tokio::test]
async fn stats_count_states_depths_and_age_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let empty = store.queue_stats().await.unwrap();
    assert_eq!(empty.oldest_queued_age_secs, None);
    assert!(empty.by_state.values().all(|n| *n == 0));
    assert_eq!(empty.by_state.len(), TaskState::ALL.len());

    for (i, queue) in ["a", "a", "b", "c"].iter().enumerate() {
        let mut t = task(&format!("t{i}"));
        t.queue = (*queue).into();
        submit(&store, t).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let c = claim(&store, "w", LONG).await.unwrap();
    assert_eq!(c.task.queue, "a");
    let stats = store.queue_stats().await.unwrap();
    assert_eq!(stats.count(TaskState::Queued), 3);
    assert_eq!(stats.count(TaskState::Running), 1);
    assert_eq!(
        stats.depth,
        [("a".to_string(), 1), ("b".into(), 1), ("c".into(), 1)].into()
    );
    let age = stats.oldest_queued_age_secs.unwrap();
    assert!((0.3..60.0).contains(&age), "age {age}");
    assert_eq!((stats.claims, stats.rescues), (1, 0));
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["by_state"]["queued"], 3);

    drop(store);
    let again: Store = open(dir.path()).await;
    let stats = again.queue_stats().await.unwrap();
    assert_eq!(stats.claims, 1, "counters are stored");
    assert_eq!(stats.count(TaskState::Running), 1);
}

#[tokio::test]
async fn a_postgres_listener_hears_new_work_and_sqlite_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(dir.path()).await;
    let Some(mut listener) = store.task_listener().await.unwrap() else {
        assert!(!store.is_postgres(), "PostgreSQL must give a listener");
        return;
    };
    common::submit(&store, common::task("wake up")).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), listener.recv())
        .await
        .expect("the submit is announced")
        .unwrap();
}
