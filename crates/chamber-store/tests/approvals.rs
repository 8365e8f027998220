//! Durable approvals through the public `Store` API on real SQLite files:
//! two-person approval, rejection, idempotent answers and expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use chamber_store::{ApprovalRecord, ApprovalState, Decision, NewApproval, StoreError};
use chrono::{Duration, Utc};

mod common;
use common::open;

fn request(run: &str, needed: u8, expires_in: Duration) -> NewApproval {
    NewApproval {
        task_id: Some("task-1".into()),
        run_id: run.into(),
        kind: "action".into(),
        what: "git push origin main".into(),
        why: "ship the fix".into(),
        tier: "dangerous".into(),
        detail: "git push origin main".into(),
        approvers_needed: needed,
        expires_at: Utc::now() + expires_in,
    }
}

fn invalid(r: Result<ApprovalRecord, StoreError>, want_state: &str) {
    match r {
        Err(StoreError::InvalidState {
            what: "approval",
            state,
            action: "answer",
            ..
        }) => assert_eq!(state, want_state),
        other => panic!("expected InvalidState({want_state}), got {other:?}"),
    }
}

#[tokio::test]
async fn two_person_approval_needs_two_different_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a = store
        .request_approval(&request("run-1", 2, Duration::hours(1)))
        .await
        .unwrap();
    assert_eq!(a.state, ApprovalState::Pending);
    assert_eq!((a.approvers_needed, a.answers.len()), (2, 0));
    assert_eq!(a.task_id.as_deref(), Some("task-1"));

    let one = store
        .answer_approval(&a.id, Decision::Approve, "alice")
        .await
        .unwrap();
    assert_eq!(one.state, ApprovalState::Pending);
    let same = store
        .answer_approval(&a.id, Decision::Approve, "alice")
        .await
        .unwrap();
    assert_eq!(same, one, "the same answer again changes nothing");
    let session = store
        .answer_approval(&a.id, Decision::ApproveForSession, "alice")
        .await
        .unwrap();
    assert_eq!(
        session.state,
        ApprovalState::Pending,
        "alice twice is still one person"
    );
    assert_eq!(session.answers.len(), 1);

    let two = store
        .answer_approval(&a.id[..8], Decision::Approve, "bob")
        .await
        .unwrap();
    assert_eq!(two.state, ApprovalState::Approved);
    assert_eq!(
        two.decision,
        Some(Decision::Approve),
        "not everyone approved for the session"
    );
    assert!(two.decided_at.is_some());
    let names: Vec<_> = two.answers.iter().map(|x| x.approver.as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);

    // Late answers: the same way changes nothing, the other way is refused.
    let late = store
        .answer_approval(&a.id, Decision::Approve, "carol")
        .await
        .unwrap();
    assert_eq!(late, two);
    invalid(
        store
            .answer_approval(&a.id, Decision::Reject, "carol")
            .await,
        "approved",
    );
    invalid(
        store.answer_approval(&a.id, Decision::Reject, "bob").await,
        "approved",
    );
    assert_eq!(store.get_approval(&a.id).await.unwrap(), two);
}

#[tokio::test]
async fn one_rejection_rejects_and_for_session_needs_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a = store
        .request_approval(&request("run-1", 3, Duration::hours(1)))
        .await
        .unwrap();
    store
        .answer_approval(&a.id, Decision::Approve, "alice")
        .await
        .unwrap();
    let r = store
        .answer_approval(&a.id, Decision::Reject, "mallory")
        .await
        .unwrap();
    assert_eq!(r.state, ApprovalState::Rejected);
    assert_eq!(r.decision, Some(Decision::Reject));
    assert_eq!(
        store
            .answer_approval(&a.id, Decision::Reject, "mallory")
            .await
            .unwrap(),
        r
    );
    invalid(
        store.answer_approval(&a.id, Decision::Approve, "bob").await,
        "rejected",
    );

    let b = store
        .request_approval(&request("run-2", 1, Duration::hours(1)))
        .await
        .unwrap();
    let ok = store
        .answer_approval(&b.id, Decision::ApproveForSession, "alice")
        .await
        .unwrap();
    assert_eq!(
        (ok.state, ok.decision),
        (ApprovalState::Approved, Some(Decision::ApproveForSession))
    );
    assert_eq!(ok.approvers_needed, 1);
}

#[tokio::test]
async fn expired_requests_refuse_answers_and_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let old = store
        .request_approval(&request("run-1", 2, Duration::milliseconds(-1)))
        .await
        .unwrap();
    let fresh = store
        .request_approval(&request("run-2", 1, Duration::hours(1)))
        .await
        .unwrap();
    // Past its expiry but not yet swept.
    let r = store
        .answer_approval(&old.id, Decision::Approve, "alice")
        .await;
    let message = r
        .as_ref()
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert!(message.contains("expired"), "{message}");
    invalid(r, "expired");
    assert_eq!(
        store.get_approval(&old.id).await.unwrap().state,
        ApprovalState::Pending
    );

    let swept = store.expire_approvals().await.unwrap();
    assert_eq!(swept.len(), 1);
    assert_eq!(swept[0].id, old.id);
    assert_eq!(swept[0].state, ApprovalState::Expired);
    assert!(swept[0].decided_at.is_some() && swept[0].decision.is_none());
    assert!(store.expire_approvals().await.unwrap().is_empty());
    invalid(
        store
            .answer_approval(&old.id, Decision::Reject, "bob")
            .await,
        "expired",
    );
    assert_eq!(
        store.get_approval(&fresh.id).await.unwrap().state,
        ApprovalState::Pending
    );
}

#[tokio::test]
async fn approvals_list_by_state_and_run_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let a = store
        .request_approval(&request("run-1", 1, Duration::hours(1)))
        .await
        .unwrap();
    let b = store
        .request_approval(&request("run-1", 1, Duration::hours(1)))
        .await
        .unwrap();
    let c = store
        .request_approval(&request("run-2", 1, Duration::hours(1)))
        .await
        .unwrap();
    store
        .answer_approval(&b.id, Decision::Approve, "alice")
        .await
        .unwrap();
    drop(store);
    let store = open(dir.path()).await;

    let ids = |v: Vec<ApprovalRecord>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let mut all = ids(store.list_approvals(None, None).await.unwrap());
    all.sort();
    let mut want = vec![a.id.clone(), b.id.clone(), c.id.clone()];
    want.sort();
    assert_eq!(all, want);
    let pending_run1 = store
        .list_approvals(Some(ApprovalState::Pending), Some("run-1"))
        .await
        .unwrap();
    assert_eq!(ids(pending_run1), std::slice::from_ref(&a.id));
    let approved = store
        .list_approvals(Some(ApprovalState::Approved), None)
        .await
        .unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].answers.len(), 1, "answers come with the list");
    assert_eq!(approved[0].answers[0].approver, "alice");
    assert!(matches!(
        store.get_approval("zzz").await,
        Err(StoreError::NotFound {
            what: "approval",
            ..
        })
    ));
    let json = serde_json::to_value(&approved[0]).unwrap();
    assert_eq!(json["state"], "approved");
    assert_eq!(json["answers"][0]["decision"], "approve");
}
