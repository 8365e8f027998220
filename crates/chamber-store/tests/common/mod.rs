//! Helpers the queue tests share: a store on a temporary file and tasks
//! with sensible defaults.
#![allow(dead_code)] // each test binary uses some of these

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chamber_store::{Claim, NewTask, Store};

/// A lease long enough never to run out during a test.
pub const LONG: Duration = Duration::from_secs(60);

/// Opens (creating) the store at `dir/chamber.db`.
pub async fn open(dir: &Path) -> Store {
    Store::open(&dir.join("chamber.db")).await.unwrap()
}

/// A task on queue `default` with three attempts.
pub fn task(prompt: &str) -> NewTask {
    NewTask {
        prompt: prompt.into(),
        repo: "/repo".into(),
        base_branch: Some("main".into()),
        constraints: serde_json::json!({"dry_run": false}),
        priority: 0,
        queue: "default".into(),
        labels: vec![],
        idempotency_key: None,
        request_hash: None,
        unique_key: None,
        max_attempts: 3,
        origin: "test".into(),
    }
}

/// Submits `t` and returns the new task's id.
pub async fn submit(store: &Store, t: NewTask) -> String {
    let s = store.submit_task(&t, None).await.unwrap();
    assert!(s.created);
    s.task.id
}

/// Claims from any queue, with no limits.
pub async fn claim(store: &Store, worker: &str, lease: Duration) -> Option<Claim> {
    store
        .claim_task(worker, &[], lease, &HashMap::new())
        .await
        .unwrap()
}
