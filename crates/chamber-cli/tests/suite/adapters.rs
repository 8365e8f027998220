//! The adapters through real runs: git_commit and git_revert on a real
//! repository; package_add with npm and with pip in a venv, each undone by
//! `chamber undo`; no container tools where no engine answers.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, plan_turn, run_id, tool_text_with};

fn finished<'a>(events: &'a [Value], tool: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["type"] == "tool_finished" && e["name"] == tool)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_commit_and_revert_work_only_on_the_runs_own_commits() {
    let server = MockServer::start(vec![
        plan_turn("Add and take back", &[("1", "Add a.txt, commit, revert")]),
        Turn::call("write_file", json!({"path": "a.txt", "content": "one\n"})),
        Turn::call("git_commit", json!({"message": "Add a.txt"})),
        Turn::call("git_revert", json!({"commit": "HEAD"})),
        // The initial commit predates the run: not the run's to revert.
        Turn::call("git_revert", json!({"commit": "main"})),
        Turn::call("git_log", json!({"max_count": 5})),
        Turn::text("Added, committed and reverted a.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--json", "add a.txt then revert it"])
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let events = p.events_file(&id);

    let commit = finished(&events, "git_commit");
    assert_eq!(commit[0]["result"]["status"], "ok", "{}", commit[0]);
    assert_eq!(commit[0]["result"]["artifacts"], json!(["a.txt"]));
    let reverts = finished(&events, "git_revert");
    assert_eq!(reverts[0]["result"]["status"], "ok", "{}", reverts[0]);
    assert_eq!(reverts[1]["result"]["status"], "error", "{}", reverts[1]);
    assert!(
        reverts[1]["result"]["error"]
            .as_str()
            .unwrap()
            .contains("not made by this run"),
        "{}",
        reverts[1]
    );
    let log = tool_text_with(&server.requests(), "Revert \"Add a.txt\"");
    assert!(log.contains("Add a.txt"), "{log}");

    let branch = format!("chamber/{}", &id[..8]);
    let subjects = p.git_ok(&["log", "--format=%s", &format!("main..{branch}")]);
    assert!(
        subjects.contains("Revert \"Add a.txt\"") && subjects.contains("Add a.txt"),
        "{subjects}"
    );
    assert!(p.read("a.txt").is_none(), "the revert took a.txt back");
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s", "main"]), "initial");
}

/// A run whose model adds `name` (at `version`) with package_add.
fn add_script(name: &str, version: &str) -> Vec<Turn> {
    vec![
        plan_turn("Add a dependency", &[("1", "Add the package")]),
        Turn::call("package_add", json!({"name": name, "version": version})),
        Turn::text("Added it."),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_package_add_edits_manifest_and_lock_and_undo_restores_them() {
    let server = MockServer::start(add_script("is-number", "7.0.0"))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    let manifest = "{\n  \"name\": \"demo\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n";
    p.write("package.json", manifest);
    p.write(".gitignore", "node_modules/\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "npm project"]);
    p.write(".chamber/config.toml", "[sandbox]\nnetwork = true\n");

    let out = p.run(&["run", "--yes", "--json", "add is-number"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let events = p.events_file(&id);
    let added = finished(&events, "package_add");
    assert_eq!(added[0]["result"]["status"], "ok", "{}", added[0]);
    let decision = events
        .iter()
        .find(|e| e["type"] == "policy_decision" && e["tool"] == "package_add")
        .unwrap();
    assert_eq!(decision["tier"], "high", "{decision}");
    let now = p.read("package.json").unwrap();
    assert!(now.contains("\"is-number\""), "{now}");
    assert!(p.read("package-lock.json").is_some());

    let undone = p.run(&["undo", "--yes", "--json"]).await;
    undone.assert_code(0);
    assert_eq!(p.read("package.json").as_deref(), Some(manifest));
    assert!(p.read("package-lock.json").is_none(), "{}", undone.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_package_add_pins_requirements_in_the_venv_and_undo_restores_them() {
    let server = MockServer::start(add_script("six", "1.16.0"))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("requirements.txt", "# runtime deps\n");
    p.write(".gitignore", ".venv/\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "python project"]);
    let venv = std::process::Command::new("python3")
        .args(["-m", "venv", ".venv"])
        .current_dir(p.path())
        .status()
        .unwrap();
    assert!(venv.success());
    p.write(".chamber/config.toml", "[sandbox]\nnetwork = true\n");

    let out = p.run(&["run", "--yes", "--json", "add six"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let added = p.events_file(&id);
    let added = finished(&added, "package_add");
    assert_eq!(added[0]["result"]["status"], "ok", "{}", added[0]);
    assert_eq!(
        p.read("requirements.txt").as_deref(),
        Some("# runtime deps\nsix==1.16.0\n")
    );
    let installed = std::process::Command::new(p.path().join(".venv/bin/python"))
        .args(["-c", "import six; print(six.__version__)"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&installed.stdout).trim(), "1.16.0");

    let undone = p.run(&["undo", "--yes", "--json"]).await;
    undone.assert_code(0);
    assert_eq!(
        p.read("requirements.txt").as_deref(),
        Some("# runtime deps\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn package_tools_refuse_without_the_network_grant() {
    let server = MockServer::start(add_script("is-number", "7.0.0"))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("package.json", "{\"name\": \"demo\", \"private\": true}\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "npm project"]);
    let out = p.run(&["run", "--yes", "--json", "add is-number"]).await;
    let refusal = tool_text_with(&server.requests(), "network");
    assert!(refusal.contains("[sandbox] network = true"), "{refusal}");
    assert!(
        !p.read("package.json").unwrap().contains("is-number"),
        "{}",
        out.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_tools_are_offered_only_where_an_engine_answers() {
    let engine = std::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    let p = Project::git(NO_MODEL);
    let doctor = p.run(&["doctor", "--json"]).await;
    let checks = doctor.envelope()["payload"]["checks"].clone();
    let containers = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "containers")
        .cloned()
        .unwrap_or_else(|| panic!("{checks}"));
    if engine {
        assert_eq!(containers["state"], "ok", "{containers}");
    } else {
        eprintln!("no container engine here: checking that the tools are not offered, and why");
        assert_eq!(containers["state"], "skip", "{containers}");
        assert!(
            containers["detail"]
                .as_str()
                .unwrap()
                .contains("not offered"),
            "{containers}"
        );
        let server = MockServer::start(vec![
            plan_turn("Look", &[("1", "Look")]),
            Turn::text("Nothing to do."),
        ])
        .await
        .unwrap();
        let p = Project::git(&server.base_url());
        p.run(&["run", "--yes", "--json", "look"])
            .await
            .assert_code(0);
        let tools = server.requests()[1].body["tools"].to_string();
        assert!(!tools.contains("docker_run"), "{tools}");
        assert!(tools.contains("git_status"), "{tools}");
    }
}
