//! `--json` is uniform (issue 15, defect 6): every failure, usage errors and
//! failed runs, tests and reviews included, is an envelope with `ok: false`
//! and an `error` with code, message and hint; `apply` that needs approval
//! exits 3 with a hint, like `run`.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, Run, plan_turn};

/// The envelope is a failure with a code, a message and a hint.
#[track_caller]
fn assert_error_envelope(out: &Run, code: &str) -> Value {
    let env = out.envelope();
    assert_eq!(env["ok"], false, "{env}");
    assert_eq!(env["error"]["code"], code, "{env}");
    assert!(
        env["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{env}"
    );
    assert!(
        env["error"]["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "{env}"
    );
    assert_eq!(env["meta"]["exit_code"], out.code, "{env}");
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_are_envelopes() {
    let p = Project::git(NO_MODEL);
    for args in [
        &["--json", "run", "--bogus", "x"][..],
        &["run", "--json", "--bogus", "x"],
        &["runs", "--json"],
        &["--json", "nosuchcommand"],
    ] {
        let out = p.run(args).await;
        out.assert_code(2);
        let env = assert_error_envelope(&out, "usage");
        assert_eq!(out.stdout.lines().count(), 1, "{args:?}\n{}", out.dump());
        assert_eq!(env["payload"], Value::Null);
    }
    // Without --json, clap's own text; --help is no error.
    let out = p.run(&["run", "--bogus", "x"]).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--bogus"), "{}", out.dump());
    let out = p.run(&["--json", "run", "--help"]).await;
    out.assert_code(0);
    assert!(out.stdout.contains("Usage"), "{}", out.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_is_an_error_envelope_with_its_payload() {
    // The plan, then nothing: the step's model request fails.
    let server = MockServer::start(vec![plan_turn("Add notes", &[("1", "Create notes")])])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &["run", "--yes", "--json", "add notes"],
            &[("CHAMBER_PROVIDER__MAX_RETRIES", "0")],
        )
        .await;
    out.assert_code(4);
    let env = assert_error_envelope(&out, "run_failed");
    assert_eq!(env["payload"]["status"], "failed", "{env}");
    let id = env["payload"]["run_id"].as_str().unwrap();
    assert!(
        env["error"]["hint"].as_str().unwrap().contains(id),
        "the hint names the run: {env}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_tests_and_review_findings_are_error_envelopes() {
    let p = Project::plain(NO_MODEL);
    p.write(".chamber/config.toml", "[test]\ncommand = \"exit 1\"\n");
    let out = p.run(&["test", "--json"]).await;
    out.assert_code(13);
    let env = assert_error_envelope(&out, "tests_failed");
    assert_eq!(env["payload"]["passed"], false, "{env}");

    let p = Project::git(NO_MODEL);
    p.write("lib.py", "AWS = \"AKIAZ4XQ7LMN2PRT5VWA\"\n");
    let out = p.run(&["review", "--no-model", "--json"]).await;
    out.assert_code(14);
    let env = assert_error_envelope(&out, "review_findings");
    assert_eq!(env["payload"]["counts"]["error"], 1, "{env}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_without_approval_exits_3_with_a_hint() {
    let server = MockServer::start(vec![
        plan_turn("Add hello", &[("1", "Create hello.txt")]),
        Turn::call(
            "write_file",
            json!({"path": "hello.txt", "content": "hi\n"}),
        ),
        Turn::text("Created hello.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["plan", "--json", "add hello"]).await;
    out.assert_code(0);
    let plan_id = out.envelope()["payload"]["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = p.run(&["apply", &plan_id, "--json"]).await;
    out.assert_code(3);
    let env = assert_error_envelope(&out, "needs_approval");
    assert!(
        env["error"]["hint"].as_str().unwrap().contains("--yes"),
        "{env}"
    );
    // The same as `run` without a terminal.
    let server = MockServer::start(vec![plan_turn("Add hello", &[("1", "Create hello.txt")])])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["run", "--json", "add hello"]).await;
    out.assert_code(3);
    assert_error_envelope(&out, "needs_approval");
}
