//! The service's log through the public `Store` API, on a SQLite file or
//! (with `CHAMBER_TEST_STORE=postgres`) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use chamber_store::ServiceEventKind;
use common::open;

#[tokio::test]
async fn entries_come_back_in_order_after_a_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    for n in 1..=3 {
        store
            .record_service_event(&ServiceEventKind::Backpressure {
                reason: "queue_full".into(),
                token: format!("t{n}"),
                detail: "the queue holds 2 tasks, its cap".into(),
                retry_after_secs: 5,
                refused: n,
            })
            .await
            .unwrap();
    }
    let all = store.service_events(None, 10).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    let rest = store.service_events(Some(all[0].id), 1).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id, all[1].id);
    let ServiceEventKind::Backpressure { token, refused, .. } = &rest[0].kind else {
        panic!("not a backpressure event: {:?}", rest[0].kind);
    };
    assert_eq!((token.as_str(), *refused), ("t2", 2));
    let json = serde_json::to_value(&rest[0]).unwrap();
    assert_eq!(json["type"], "backpressure");
    assert_eq!(json["reason"], "queue_full");
}
