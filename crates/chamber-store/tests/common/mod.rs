//! Helpers the queue tests share: a store on a temporary file and tasks
//! with sensible defaults.
#![allow(dead_code)] // each test binary uses some of these

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chamber_store::{Claim, NewTask, Store};

/// A lease long enough never to run out during a test.
pub const LONG: Duration = Duration::from_secs(60);

/// Opens (creating) the store at `dir/chamber.db`, or, with
/// `CHAMBER_TEST_STORE=postgres`, a fresh database on the PostgreSQL server
/// `CHAMBER_TEST_POSTGRES_URL` names: the same tests run on both. Opening
/// the same `dir` again reopens the same database (its URL is kept there).
pub async fn open(dir: &Path) -> Store {
    if std::env::var("CHAMBER_TEST_STORE").as_deref() == Ok("postgres") {
        let admin = std::env::var("CHAMBER_TEST_POSTGRES_URL")
            .expect("CHAMBER_TEST_STORE=postgres needs CHAMBER_TEST_POSTGRES_URL");
        let kept = dir.join("postgres-url");
        let url = match std::fs::read_to_string(&kept) {
            Ok(url) => url,
            Err(_) => {
                let url = chamber_store::create_scratch_database(&admin, "chamber_test")
                    .await
                    .unwrap();
                std::fs::write(&kept, &url).unwrap();
                url
            }
        };
        let store = Store::connect(&url).await.unwrap();
        assert!(store.is_postgres());
        return store;
    }
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
