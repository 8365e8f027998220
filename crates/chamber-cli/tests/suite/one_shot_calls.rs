//! `chamber commit`, `review` and `explain` ask the model once, outside any
//! run, through the same model-call path as a run's turns: a failing first
//! attempt is retried, a dead provider falls back along the route, a secret
//! is redacted, and every attempt is recorded where `chamber stats` counts
//! it under the command's phase.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::Project;

const FAST_RETRY: [(&str, &str); 1] = [("CHAMBER_PROVIDER__RETRY_BASE_MS", "10")];

/// `chamber stats --json`'s group for `phase`.
async fn phase_stats(p: &Project, phase: &str) -> Value {
    let out = p.run(&["stats", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    env["payload"]["stats"]["by_phase"][phase].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_message_is_retried_and_recorded() {
    let draft = json!({"subject": "Add the greeting", "body": "Says hello."});
    let server = MockServer::start(vec![
        Turn::http_error(503),
        Turn::text(draft.to_string()).with_usage(120, 15),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write("greet.py", "def hello():\n    return 'hello'\n");
    p.git_ok(&["add", "greet.py"]);
    let out = p.run_env(&["commit", "--json"], &FAST_RETRY).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["message_source"], "model");
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Add the greeting");
    assert_eq!(server.requests().len(), 2, "the 503 was retried");
    let commit = phase_stats(&p, "commit").await;
    assert_eq!(commit["calls"], 2, "{commit:#}");
    assert_eq!(commit["errors"], 1, "{commit:#}");
    assert_eq!(commit["prompt_tokens"], 120, "{commit:#}");
    assert_eq!(commit["completion_tokens"], 15, "{commit:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_falls_back_along_the_route_and_redacts() {
    // The main provider is down for good; the route's fallback answers.
    let dead = MockServer::start(vec![Turn::http_error(500); 8])
        .await
        .unwrap();
    let backup = MockServer::start(vec![Turn::text(r#"{"comments": []}"#)])
        .await
        .unwrap();
    let p = Project::git(&dead.base_url());
    p.write(
        ".chamber/config.toml",
        &format!(
            "[providers.backup]\nwire = \"openai-chat\"\nbase_url = \"{}\"\n\n\
             [fallback]\nchain = [\"backup:backup-model\"]\n",
            backup.base_url()
        ),
    );
    p.write("src/lib.rs", "pub fn f() -> u32 {\n    1\n}\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "lib"]);
    p.write(
        "src/lib.rs",
        "pub fn f() -> u32 {\n    let token = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\";\n    2\n}\n",
    );
    let out = p
        .run_env(
            &["review", "--json"],
            &[
                ("CHAMBER_PROVIDER__RETRY_BASE_MS", "10"),
                ("CHAMBER_PROVIDER__MAX_RETRIES", "1"),
            ],
        )
        .await;
    let env = out.envelope();
    let model = &env["payload"]["model"];
    assert_eq!(model["ran"], true, "{}", out.dump());
    assert_eq!(model["model"], "backup-model", "{model:#}");
    assert_eq!(backup.requests().len(), 1);
    let sent = backup.requests()[0].body.to_string();
    assert!(
        sent.contains("let token") && !sent.contains("ghp_abcdefghijklmnopqrstuvwxyz"),
        "the secret reached the model: {sent}"
    );
    let review = phase_stats(&p, "review").await;
    // Two failed attempts at the main provider, one answer from the backup.
    assert_eq!(review["calls"], 3, "{review:#}");
    assert_eq!(review["errors"], 2, "{review:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_is_recorded_and_a_dead_model_is_a_clear_error() {
    let server = MockServer::start(vec![Turn::text("It adds one.").with_usage(80, 4)])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("calc.py", "def inc(x):\n    return x + 1\n");
    let out = p.run(&["explain", "calc.py:1", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["content"], "It adds one.", "{env:#}");
    let explain = phase_stats(&p, "explain").await;
    assert_eq!(explain["calls"], 1, "{explain:#}");
    assert_eq!(explain["prompt_tokens"], 80, "{explain:#}");

    // The script is spent: the mock answers 500s; after the retries the
    // command fails with the model's error and the provider's hint.
    let out = p
        .run_env(
            &["explain", "calc.py:1", "--json"],
            &[
                ("CHAMBER_PROVIDER__RETRY_BASE_MS", "10"),
                ("CHAMBER_PROVIDER__MAX_RETRIES", "1"),
            ],
        )
        .await;
    assert_ne!(out.code, 0, "{}", out.dump());
    assert!(out.stdout.contains("model_failed"), "{}", out.dump());
    let explain = phase_stats(&p, "explain").await;
    assert_eq!(explain["calls"], 3, "{explain:#}");
    assert_eq!(explain["errors"], 2, "{explain:#}");
}
