//! Setup errors are told apart from network errors (issue 15, defect 5): a
//! provider whose key is missing fails at once with exit 6 naming the
//! variable, before any request; an unknown provider name is
//! `unknown_provider`.

use std::time::{Duration, Instant};

use super::harness::{NO_MODEL, Project};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_api_key_fails_at_once_naming_the_variable() {
    let p = Project::git(NO_MODEL);
    let started = Instant::now();
    // The harness removes every ANTHROPIC_* variable, so the key is missing
    // and the base URL is the built-in one.
    let out = p
        .run(&["run", "--yes", "--json", "--provider", "anthropic", "do x"])
        .await;
    out.assert_code(6);
    assert!(started.elapsed() < Duration::from_secs(20));
    let env = out.envelope();
    assert_eq!(env["ok"], false);
    assert_eq!(env["error"]["code"], "provider_setup", "{env}");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains("ANTHROPIC_API_KEY"), "{message}");
    assert!(
        env["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("ANTHROPIC_API_KEY")),
        "{env}"
    );
    // No run was started: nothing was sent and nothing retried.
    assert!(
        out.events().is_empty(),
        "no events expected: {}",
        out.dump()
    );
    let human = p
        .run(&["run", "--yes", "--provider", "anthropic", "do x"])
        .await;
    human.assert_code(6);
    assert!(
        !human.stdout.contains("model error") && human.stderr.contains("ANTHROPIC_API_KEY"),
        "{}",
        human.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_provider_is_unknown_provider() {
    let p = Project::git(NO_MODEL);
    let out = p
        .run(&["run", "--yes", "--json", "--provider", "nosuch", "do x"])
        .await;
    out.assert_code(6);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "unknown_provider", "{env}");
    assert!(
        env["error"]["message"].as_str().unwrap().contains("nosuch"),
        "{env}"
    );
    assert!(env["error"]["hint"].as_str().is_some(), "{env}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_database_url_is_a_clear_error_with_the_password_hidden() {
    let p = Project::git(NO_MODEL);
    // Not a database Chamber speaks: a configuration error (exit 5).
    let out = p
        .run_env(
            &["--json", "task", "list"],
            &[("CHAMBER_DATABASE_URL", "mysql://u:hunter2@127.0.0.1/db")],
        )
        .await;
    out.assert_code(5);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "bad_database_url", "{env}");
    assert!(!env.to_string().contains("hunter2"), "{env}");
    // A PostgreSQL server that is not there: the store fails (exit 1),
    // naming the database without its password, and says what to check.
    let out = p
        .run(&[
            "--json",
            "worker",
            "--database-url",
            "postgres://chamber:hunter2@127.0.0.1:1/chamber",
        ])
        .await;
    out.assert_code(1);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "store_failed", "{env}");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains("chamber:***@127.0.0.1:1"), "{message}");
    assert!(!env.to_string().contains("hunter2"), "{env}");
    assert!(
        env["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("postgres://"))
    );
}
