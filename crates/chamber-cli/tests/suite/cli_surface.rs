//! The command surface: version, envelopes, config layers and errors, ids, init,
//! tail-events and `-C`.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, Run, json_out, plan_turn, run_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_flag_prints_the_version() {
    let p = Project::plain(NO_MODEL);
    let out = p.run(&["--version"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout.trim(),
        format!("chamber {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_envelope_reports_the_provider() {
    let server = MockServer::start(Vec::new()).await.unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["status", "--json"]).await;
    out.assert_code(0);
    let lines = json_out(&out);
    assert_eq!(lines.len(), 1, "one envelope, nothing else: {}", out.stdout);
    let env = &lines[0];
    let mut keys: Vec<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["cmd", "duration_ms", "meta", "ok", "payload", "version"]
    );
    assert_eq!(env["ok"], true);
    assert_eq!(env["cmd"], "status");
    assert_eq!(env["version"], env!("CARGO_PKG_VERSION"));
    assert!(env["duration_ms"].is_u64());
    assert_eq!(env["meta"]["exit_code"], 0);
    let provider = &env["payload"]["provider"];
    assert_eq!(provider["base_url"], server.base_url().as_str(), "{env}");
    assert_eq!(provider["base_url_source"], "OPENAI_BASE_URL");
    assert_eq!(provider["api_key_present"], true);
    assert!(
        !env.to_string().contains("test-key"),
        "the key itself is never printed"
    );
    assert_eq!(env["payload"]["project"], p.path().display().to_string());
    assert!(
        server.requests().is_empty(),
        "status asks the model nothing"
    );
}

fn value<'a>(out: &'a Value, key: &str) -> &'a Value {
    &out["payload"]["values"][key]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_show_names_the_layer_of_each_value() {
    let p = Project::git(NO_MODEL);

    let out = p.run(&["config", "show", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(value(&env, "provider.model")["layer"], "default", "{env}");
    assert_eq!(
        value(&env, "provider.retry_base_ms"),
        &json!({"value": 1, "layer": "env", "file": null})
    );

    let out = p.run(&["config", "show", "--json", "--model", "x"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(value(&env, "provider.model")["value"], "x");
    assert_eq!(value(&env, "provider.model")["layer"], "flags");

    let mut cmd = p.cmd(&["config", "show", "--json"]);
    cmd.env("CHAMBER_MODEL", "env-model");
    let out = Run::from_command(cmd).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(value(&env, "provider.model")["value"], "env-model");
    assert_eq!(value(&env, "provider.model")["layer"], "env");

    p.write(".chamber/config.toml", "[agent]\nmax_turns_per_step = 5\n");
    let out = p.run(&["config", "show", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    let file = p.path().join(".chamber/config.toml").display().to_string();
    assert_eq!(
        value(&env, "agent.max_turns_per_step"),
        &json!({"value": 5, "layer": "project", "file": file})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_config_key_is_rejected_naming_file_and_key() {
    let p = Project::git(NO_MODEL);
    p.write(".chamber/config.toml", "[agent]\nmax_turns_per_stepp = 5\n");

    let out = p.run(&["status", "--json"]).await;
    out.assert_code(5);
    let env = out.envelope();
    assert_eq!(env["ok"], false);
    assert_eq!(env["error"]["code"], "config_invalid");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains(".chamber/config.toml"), "{message}");
    assert!(message.contains("max_turns_per_stepp"), "{message}");

    let human = p.run(&["run", "--yes", "anything"]).await;
    human.assert_code(5);
    assert!(
        human.stderr.contains("max_turns_per_stepp"),
        "{}",
        human.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_exit_8() {
    let p = Project::git(NO_MODEL);
    for args in [
        &["runs", "show", "nope", "--json"][..],
        &["resume", "nope", "--yes", "--json"],
        &["apply", "nope", "--yes", "--json"],
    ] {
        let out = p.run(args).await;
        out.assert_code(8);
        let env = out.envelope();
        assert_eq!(env["ok"], false, "{args:?}: {env}");
        assert_eq!(env["payload"], Value::Null);
        assert_eq!(env["error"]["code"], "not_found", "{args:?}: {env}");
        assert!(
            env["error"]["message"].as_str().unwrap().contains("nope"),
            "{env}"
        );
        assert_eq!(env["meta"]["exit_code"], 8);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_creates_config_policy_and_gitignore_idempotently() {
    let p = Project::git(NO_MODEL);

    let out = p.run(&["init", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(
        env["payload"]["created"].as_array().unwrap().len(),
        3,
        "{env}"
    );
    for name in ["config.toml", "policy.toml", ".gitignore"] {
        assert!(
            p.path().join(".chamber").join(name).is_file(),
            "{name} missing"
        );
    }
    let ignore = p.read(".chamber/.gitignore").unwrap();
    assert!(ignore.lines().any(|l| l == "runs/"), "{ignore}");
    let config = p.read(".chamber/config.toml").unwrap();
    p.write(".chamber/policy.toml", "# my own rules\n");

    let out = p.run(&["init", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["created"], json!([]), "{env}");
    assert_eq!(env["payload"]["kept"].as_array().unwrap().len(), 3);
    assert_eq!(p.read(".chamber/config.toml").unwrap(), config);
    assert_eq!(p.read(".chamber/policy.toml").unwrap(), "# my own rules\n");

    // The generated config is valid as written.
    p.run(&["config", "show", "--json"]).await.assert_code(0);
    let human = p.run(&["init"]).await;
    human.assert_code(0);
    assert!(human.stdout.contains("kept"), "{}", human.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_events_prints_recent_events_as_jsonl() {
    let server = MockServer::start(vec![
        plan_turn("Add file", &[("1", "Create f.txt")]),
        Turn::call("write_file", json!({"path": "f.txt", "content": "f\n"})),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["run", "--yes", "--json", "add file"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let total = out.events().len() as u64;

    let tail = p.run(&["tail-events", "--json", "-n", "5"]).await;
    tail.assert_code(0);
    let events = json_out(&tail);
    assert_eq!(events.len(), 5, "{}", tail.stdout);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["run_id"], id.as_str(), "{e}");
        assert_eq!(e["seq"], total - 4 + i as u64, "{e}");
        assert!(e["ts"].is_string() && e["type"].is_string(), "{e}");
    }
    assert_eq!(events[4]["type"], "run_finished");

    let filtered = p
        .run(&["tail-events", "--json", "--run", &id[..8], "-n", "1"])
        .await;
    filtered.assert_code(0);
    assert_eq!(json_out(&filtered).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_c_and_subdirectories_find_the_project() {
    let p = Project::git(NO_MODEL);
    let elsewhere = tempfile::tempdir().unwrap();
    let root = p.path().display().to_string();

    let dir = p.path().to_str().unwrap();
    let out = Run::from_command(p.cmd_in(elsewhere.path(), &["-C", dir, "status", "--json"])).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["project"], root.as_str());
    assert_eq!(env["meta"]["project"], root.as_str());

    let out = Run::from_command(p.cmd_in(elsewhere.path(), &["init", "-C", dir, "--json"])).await;
    out.assert_code(0);
    assert!(p.path().join(".chamber/config.toml").is_file());
    assert!(!elsewhere.path().join(".chamber").exists());

    p.write("src/deep/x.txt", "x\n");
    let out = Run::from_command(p.cmd_in(&p.path().join("src/deep"), &["status", "--json"])).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["project"], root.as_str());

    let missing = p.path().join("no-such-dir");
    let out = p
        .run(&["-C", missing.to_str().unwrap(), "status", "--json"])
        .await;
    assert_ne!(out.code, 0);
    assert_eq!(out.envelope()["error"]["code"], "bad_directory");
}
