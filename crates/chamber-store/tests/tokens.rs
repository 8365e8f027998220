//! API tokens through the public `Store` API on real SQLite files:
//! creation, verification, wrong and revoked secrets, names and scopes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use chamber_store::{StoreError, TokenScope};

mod common;
use common::open;

#[tokio::test]
async fn a_created_token_verifies_and_records_its_use() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (record, secret) = store.create_token("ci", TokenScope::Write).await.unwrap();
    let random = secret
        .strip_prefix(&format!("chm_{}_", record.id))
        .expect("secret names its token");
    assert_eq!(random.len(), 43);
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(record.last_used_at, None);

    let found = store.verify_token(&secret).await.unwrap().unwrap();
    assert_eq!(
        (found.id.as_str(), found.name.as_str()),
        (record.id.as_str(), "ci")
    );
    assert_eq!(found.scope, TokenScope::Write);
    assert!(found.last_used_at.is_some());
    let listed = store.list_tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, found.last_used_at);

    let json = serde_json::to_string(&listed[0]).unwrap();
    assert!(!json.contains("hash") && !json.contains(random), "{json}");

    // Reopening keeps it; the secret is not stored in the clear.
    drop(store);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !raw.windows(random.len()).any(|w| w == random.as_bytes()),
            "the secret must not be stored"
        );
    }
    let store = open(dir.path()).await;
    assert!(store.verify_token(&secret).await.unwrap().is_some());
}

#[tokio::test]
async fn wrong_malformed_and_revoked_secrets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (a, secret_a) = store.create_token("a", TokenScope::Admin).await.unwrap();
    let (_, secret_b) = store.create_token("b", TokenScope::Read).await.unwrap();
    assert_ne!(secret_a, secret_b);

    // Right id, wrong random part (same length).
    let mut forged = secret_a.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert!(store.verify_token(&forged).await.unwrap().is_none());
    // Another token's random part under this token's id.
    let swapped = format!("chm_{}_{}", a.id, &secret_b[secret_b.len() - 43..]);
    assert!(store.verify_token(&swapped).await.unwrap().is_none());
    for junk in ["", "chm_", "Bearer x", &secret_a[..secret_a.len() - 1]] {
        assert!(store.verify_token(junk).await.unwrap().is_none(), "{junk}");
    }
    let unknown = format!("chm_0123456789abcdef_{}", &secret_a[secret_a.len() - 43..]);
    assert!(store.verify_token(&unknown).await.unwrap().is_none());

    let revoked = store.revoke_token("a").await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.verify_token(&secret_a).await.unwrap().is_none());
    assert!(store.verify_token(&secret_b).await.unwrap().is_some());
    let again = store.revoke_token(&a.id).await.unwrap();
    assert_eq!(
        again.revoked_at, revoked.revoked_at,
        "revoking twice changes nothing"
    );
    assert!(matches!(
        store.revoke_token("a").await,
        Err(StoreError::NotFound { what: "token", .. })
    ));
}

#[tokio::test]
async fn names_are_unique_among_live_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (first, _) = store
        .create_token("deploy", TokenScope::Write)
        .await
        .unwrap();
    match store.create_token("deploy", TokenScope::Read).await {
        Err(StoreError::DuplicateName { what, name }) => {
            assert_eq!((what, name.as_str()), ("token", "deploy"));
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    store.revoke_token(&first.id).await.unwrap();
    let (second, secret) = store
        .create_token("deploy", TokenScope::Read)
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(store.list_tokens().await.unwrap().len(), 2);
    // By name, revoke finds the live one.
    let revoked = store.revoke_token("deploy").await.unwrap();
    assert_eq!(revoked.id, second.id);
    assert!(store.verify_token(&secret).await.unwrap().is_none());
}

#[test]
fn scopes_are_ordered() {
    use TokenScope::*;
    let all = [Read, Write, Approve, Admin];
    for (i, have) in all.iter().enumerate() {
        for (j, need) in all.iter().enumerate() {
            assert_eq!(have.allows(*need), i >= j, "{have} allows {need}?");
        }
    }
    assert_eq!("approve".parse::<TokenScope>().unwrap(), Approve);
    assert_eq!(serde_json::to_value(Admin).unwrap(), "admin");
    assert!("root".parse::<TokenScope>().is_err());
}
