//! Recovering from bad model answers, failing and hanging commands, failed steps and
//! provider errors.

use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, ScriptedCall, Turn};
use serde_json::json;

use super::harness::{Project, contents, first_of, plan_turn, run_id, tool_text_with, types};

/// Garbage plans, broken JSON arguments, unknown tools and missing fields each come back
/// to the model as a precise error, and the run still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_model_answers_are_fed_back_precisely() {
    // Two failing calls share a turn: three all-failing turns in a row would give the step up.
    let two_bad_calls = Turn {
        tool_calls: vec![
            ScriptedCall::new("delete_everything", "{}"),
            ScriptedCall::new("write_file", r#"{"path": "a.txt"}"#),
        ],
        ..Turn::default()
    };
    let server = MockServer::start(vec![
        Turn::text("Sure! First I will look around, then write the file."),
        plan_turn("Write a.txt", &[("1", "Create a.txt")]),
        Turn::raw_call("write_file", "{\"path\": \"a.txt\", "),
        two_bad_calls,
        Turn::call("write_file", json!({"path": "a.txt", "content": "ok\n"})),
        Turn::text("Created a.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "write a.txt"]).await;
    out.assert_code(0);
    assert_eq!(p.read("a.txt").as_deref(), Some("ok\n"));
    assert_eq!(server.remaining(), 0);

    let requests = server.requests();
    let retry = contents(&requests[1], "user");
    assert!(
        retry
            .iter()
            .any(|m| m.starts_with("That plan could not be used:") && m.contains("no JSON object")),
        "{retry:#?}"
    );
    let bad_json = tool_text_with(&requests, "not valid JSON");
    assert!(bad_json.starts_with("status: error"), "{bad_json}");
    assert!(bad_json.contains("arguments for write_file"), "{bad_json}");
    let unknown = tool_text_with(&requests, "unknown tool \"delete_everything\"");
    for tool in [
        "read_file",
        "list_files",
        "search",
        "write_file",
        "edit_file",
        "delete_file",
        "shell",
    ] {
        assert!(
            unknown.contains(tool),
            "available tools should be listed: {unknown}"
        );
    }
    let missing = tool_text_with(&requests, "missing field");
    assert!(missing.contains("content"), "{missing}");

    let (run, events) = p.show(&run_id(&out.envelope())).await;
    assert_eq!(run["status"], "completed");
    let kinds = types(&events);
    assert!(!kinds.contains(&"step_failed".to_string()), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "model_turn").count(), 6);
}

/// A command's non-zero exit and output reach the model, which carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_command_exit_code_and_output_are_fed_back() {
    let cmd = r#"python3 -c "import sys; print('boom'); sys.exit(3)""#;
    let server = MockServer::start(vec![
        plan_turn("Check the build", &[("1", "Run the check")]),
        Turn::call("shell", json!({"command": cmd})),
        Turn::text("The check fails with exit 3; reported."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "check the build"]).await;
    out.assert_code(0);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let result = contents(&requests[2], "tool");
    assert_eq!(result.len(), 1, "{result:#?}");
    assert!(
        result[0].starts_with("status: error\nexit_code: 3\n"),
        "{}",
        result[0]
    );
    assert!(result[0].contains("boom"), "{}", result[0]);
    assert_eq!(out.envelope()["payload"]["commands"], json!([[cmd, 3]]));
}

/// A command past its time limit is killed and reported as a timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_command_times_out() {
    let server = MockServer::start(vec![
        plan_turn("Wait", &[("1", "Wait for the service")]),
        Turn::call("shell", json!({"command": "sleep 30", "timeout_secs": 1})),
        Turn::text("It hangs; giving up on it."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let started = Instant::now();
    let out = p.run(&["run", "--yes", "--json", "wait"]).await;
    let took = started.elapsed();
    out.assert_code(0);
    // A correctness bound (the 30 s sleep must not run out), not a performance threshold.
    assert!(took < Duration::from_secs(25), "took {took:?}");
    let timeout = tool_text_with(&server.requests(), "status: timeout");
    assert!(timeout.starts_with("status: timeout"), "{timeout}");
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let finished = first_of(&events, "tool_finished");
    assert_eq!(finished["result"]["status"], "timeout");
}

/// Three all-failing turns give the step up; one re-plan takes another approach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_step_is_replanned_and_the_new_plan_completes() {
    let missing = |n: u32| Turn::call("read_file", json!({"path": format!("missing{n}.txt")}));
    let server = MockServer::start(vec![
        plan_turn("Fix config", &[("1", "Edit the config file")]),
        missing(1),
        missing(2),
        missing(3),
        plan_turn("Fix config differently", &[("1", "Create config.txt")]),
        Turn::call(
            "write_file",
            json!({"path": "config.txt", "content": "x=1\n"}),
        ),
        Turn::text("Created config.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "fix config"]).await;
    out.assert_code(0);
    assert_eq!(p.read("config.txt").as_deref(), Some("x=1\n"));
    let requests = server.requests();
    let replan = contents(&requests[4], "user").join("\n");
    assert!(replan.contains("# What failed"), "{replan}");
    assert!(
        replan.contains("missing3.txt"),
        "the last failure is named: {replan}"
    );
    assert!(requests[4].body.get("response_format").is_some());

    let (run, events) = p.show(&run_id(&out.envelope())).await;
    assert_eq!(run["status"], "completed");
    let kinds = types(&events);
    let failed = kinds
        .iter()
        .position(|k| k == "step_failed")
        .expect("step_failed");
    let replanned = kinds
        .iter()
        .position(|k| k == "replanned")
        .expect("replanned");
    assert!(failed < replanned, "{kinds:?}");
    assert_eq!(
        first_of(&events, "replanned")["plan"]["title"],
        "Fix config differently"
    );
    assert_eq!(
        p.git_ok(&["log", "-1", "--format=%s"]),
        "Fix config differently"
    );
}

/// When the re-planned work fails too, the run ends failed with a report pointing at resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_failing_again_after_replan_fails_the_run() {
    let missing = |n: u32| Turn::call("read_file", json!({"path": format!("missing{n}.txt")}));
    let server = MockServer::start(vec![
        plan_turn("Fix config", &[("1", "Edit the config file")]),
        missing(1),
        missing(2),
        missing(3),
        plan_turn("Fix config again", &[("1", "Edit it another way")]),
        missing(4),
        missing(5),
        missing(6),
        // For `chamber resume`, after the failure is reported.
        Turn::call(
            "write_file",
            json!({"path": "config.txt", "content": "x=1\n"}),
        ),
        Turn::text("Created config.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "fix config"]).await;
    out.assert_code(4);
    let env = out.envelope();
    // A failed run is an error envelope that keeps the outcome.
    assert_eq!(env["ok"], false, "{env}");
    assert_eq!(env["error"]["code"], "run_failed", "{env}");
    assert_eq!(env["payload"]["status"], "failed");
    let summary = env["payload"]["summary"].as_str().unwrap();
    assert!(summary.contains("chamber resume"), "{summary}");
    assert!(summary.contains("missing6.txt"), "{summary}");
    assert_eq!(server.remaining(), 2, "no third plan is asked for");

    let (run, events) = p.show(&run_id(&env)).await;
    assert_eq!(run["status"], "failed");
    let kinds = types(&events);
    assert_eq!(
        kinds.iter().filter(|k| *k == "step_failed").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "replanned").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(first_of(&events, "run_finished")["status"], "failed");

    // As the report says, `chamber resume` gives the failed step a fresh attempt.
    let before = server.requests().len();
    let out = p.run(&["resume", &run_id(&env), "--yes", "--json"]).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["status"], "completed");
    assert_eq!(p.read("config.txt").as_deref(), Some("x=1\n"));
    let fresh = &server.requests()[before];
    assert!(
        contents(fresh, "tool").is_empty(),
        "the failed attempt is not replayed"
    );
    assert!(
        contents(fresh, "user")
            .concat()
            .contains("CURRENT STEP: Edit it another way")
    );
    let (run, events) = p.show(&run_id(&env)).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(first_of(&events, "run_resumed")["from_step"], "1");
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Fix config again");
}

/// A transient server error is retried and recorded; the run completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_model_error_is_retried() {
    let server = MockServer::start(vec![
        Turn::http_error(500),
        plan_turn("Add file", &[("1", "Create f.txt")]),
        Turn::call("write_file", json!({"path": "f.txt", "content": "f\n"})),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "add file"]).await;
    out.assert_code(0);
    assert_eq!(p.read("f.txt").as_deref(), Some("f\n"));
    assert_eq!(server.requests().len(), 4);
    let (run, events) = p.show(&run_id(&out.envelope())).await;
    assert_eq!(run["status"], "completed");
    let error = first_of(&events, "model_error");
    assert_eq!(error["retrying"], true, "{error}");
    assert_eq!(error["attempt"], 1);
}

/// A rejected API key is not retried; the run fails with the key hint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_model_fails_the_run_with_api_key_hint() {
    let server = MockServer::start(vec![Turn::http_error(401), Turn::http_error(401)])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "add file"]).await;
    out.assert_code(4);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "failed", "{env}");
    let summary = env["payload"]["summary"].as_str().unwrap();
    assert!(summary.contains("OPENAI_API_KEY"), "{summary}");
    assert_eq!(server.requests().len(), 1, "auth errors are not retried");
    let (run, events) = p.show(&run_id(&env)).await;
    assert_eq!(run["status"], "failed");
    let error = first_of(&events, "model_error");
    assert_eq!(error["retrying"], false, "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("API key"),
        "{error}"
    );

    let human = p.run(&["run", "--yes", "add file"]).await;
    human.assert_code(4);
    assert!(human.stdout.contains("OPENAI_API_KEY"), "{}", human.dump());
}
