//! The happy path of `chamber run --yes`: files, git, the wire requests, the event log.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{Project, first_of, hello_script, plan_turn, run_id, tool_text_with, types};

/// Plan → write hello.py → run it → commit on the run branch, with everything recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_creates_file_runs_it_and_commits_on_run_branch() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());

    let out = p
        .run(&["run", "--yes", "--json", "add a hello script"])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["ok"], true, "{env}");
    assert_eq!(env["cmd"], "run");
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    let id = run_id(&env);
    let branch = format!("chamber/{}", &id[..8]);
    assert_eq!(env["payload"]["branch"], branch.as_str());
    assert_eq!(server.remaining(), 0, "every scripted turn is used");

    // The file, the branch, the commit.
    assert_eq!(p.read("hello.py").as_deref(), Some("print('hello')\n"));
    assert!(
        p.branches().contains(&branch),
        "branches: {:?}",
        p.branches()
    );
    assert_eq!(p.git_ok(&["rev-parse", "--abbrev-ref", "HEAD"]), branch);
    let stat = p.git_ok(&["show", "--stat", "HEAD"]);
    assert!(stat.contains("hello.py"), "{stat}");
    assert!(
        !stat.contains("events.jsonl"),
        "run data must stay out of commits: {stat}"
    );
    assert_eq!(
        p.git_ok(&["log", "-1", "--format=%s"]),
        "Add a hello script"
    );
    let body = p.git_ok(&["log", "-1", "--format=%b"]);
    assert!(
        body.contains("Create hello.py") && body.contains("Run hello.py"),
        "{body}"
    );
    assert!(
        body.contains("Files changed:") && body.contains("- hello.py"),
        "{body}"
    );
    // Everything but Chamber's own directory is committed.
    assert_eq!(
        p.git_ok(&[
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            ".",
            ":!.chamber"
        ]),
        ""
    );

    // What went over the wire.
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for r in &requests {
        assert_eq!(r.authorization.as_deref(), Some("Bearer test-key"));
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.body["stream"], true, "{}", r.body);
    }
    assert_eq!(requests[0].body["response_format"]["type"], "json_schema");
    for r in &requests[1..] {
        let tools: Vec<&str> = r.body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        for name in ["read_file", "write_file", "edit_file", "shell"] {
            assert!(tools.contains(&name), "{name} missing from {tools:?}");
        }
    }
    let shell = tool_text_with(&requests, "exit_code: 0");
    assert!(shell.starts_with("status: ok"), "{shell}");
    assert!(shell.contains("hello"), "{shell}");

    // Streamed events on stdout, the events.jsonl file and the trace agree.
    let streamed = types(&out.events());
    assert_eq!(streamed.first().map(String::as_str), Some("run_started"));
    assert_eq!(streamed.last().map(String::as_str), Some("run_finished"));
    let logged = p.events_file(&id);
    assert_eq!(types(&logged), streamed);
    for (i, e) in logged.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["run_id"], id.as_str());
    }
    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(types(&events), streamed);
    let started = events
        .iter()
        .find(|e| e["type"] == "tool_started" && e["call"]["name"] == "shell")
        .expect("a shell tool_started");
    let args: serde_json::Value =
        serde_json::from_str(started["call"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["command"], "python3 hello.py");
    let finished = events
        .iter()
        .find(|e| e["type"] == "tool_finished" && e["call_id"] == started["call"]["id"])
        .expect("its tool_finished");
    assert_eq!(finished["result"]["status"], "ok");
    assert_eq!(finished["result"]["exit_code"], 0);
    assert!(finished["result"]["duration_ms"].is_u64(), "{finished}");
    let turn = first_of(&events, "model_turn");
    assert!(
        turn["usage"]["prompt_tokens"].as_u64().unwrap() > 0,
        "{turn}"
    );
    assert!(
        turn["usage"]["completion_tokens"].as_u64().unwrap() > 0,
        "{turn}"
    );
    assert!(turn["duration_ms"].is_u64());
    let committed = first_of(&events, "committed");
    assert_eq!(committed["branch"], branch.as_str());
    assert!(
        committed["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "hello.py"),
        "{committed}"
    );
}

/// A dirty tree is refused with a machine-readable error; `--allow-dirty` goes ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dirty_tree_is_refused_unless_allowed() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::call("write_file", json!({"path": "notes.txt", "content": "n\n"})),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write("README.md", "# demo\nlocal edit\n");

    let out = p.run(&["run", "--yes", "--json", "add notes"]).await;
    out.assert_code(7);
    let env = out.envelope();
    assert_eq!(env["ok"], false);
    assert_eq!(env["payload"], serde_json::Value::Null);
    assert_eq!(env["error"]["code"], "dirty_tree", "{env}");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("README.md"),
        "{env}"
    );
    assert!(
        env["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--allow-dirty"),
        "{env}"
    );
    assert!(
        server.requests().is_empty(),
        "nothing is asked of the model"
    );
    assert_eq!(p.branches(), vec!["main".to_string()]);

    let out = p
        .run(&["run", "--yes", "--allow-dirty", "--json", "add notes"])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("notes.txt").as_deref(), Some("n\n"));
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\nlocal edit\n"));
}

/// Outside git the run still works: files are written in place and no repository appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_outside_git_writes_files_without_a_repository() {
    let server = MockServer::start(vec![
        plan_turn("Add hello", &[("1", "Create hello.txt")]),
        Turn::call(
            "write_file",
            json!({"path": "hello.txt", "content": "hi\n"}),
        ),
        Turn::text("Created it."),
    ])
    .await
    .unwrap();
    let p = Project::plain(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "add hello"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "completed");
    assert_eq!(env["payload"]["branch"], serde_json::Value::Null);
    assert_eq!(p.read("hello.txt").as_deref(), Some("hi\n"));
    assert!(!p.path().join(".git").exists());
    assert!(!types(&out.events()).contains(&"committed".to_string()));
}

/// Built-in deny rules hold even with `--yes`: the model reads `status: denied`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builtin_policy_denies_destructive_command_even_with_yes() {
    let server = MockServer::start(vec![
        plan_turn("Clean up", &[("1", "Remove build output")]),
        Turn::call("shell", json!({"command": "rm -rf /"})),
        Turn::text("I will not do that."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["run", "--yes", "--json", "clean up"]).await;
    out.assert_code(0);
    let requests = server.requests();
    let denied = tool_text_with(&requests, "status: denied");
    assert!(denied.starts_with("status: denied"), "{denied}");
    assert!(denied.contains("not allowed"), "{denied}");

    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let decision = first_of(&events, "policy_decision");
    assert_eq!(decision["decision"], "deny", "{decision}");
    assert!(!decision["reason"].as_str().unwrap().is_empty());
    assert!(
        !events.iter().any(|e| e["type"] == "tool_started"),
        "a denied command never starts: {:?}",
        types(&events)
    );
    assert!(p.path().join("README.md").exists());
}
