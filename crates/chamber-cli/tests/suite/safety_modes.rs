//! Approval modes, session grants, protected and two-person paths, lanes,
//! `.env` reads and guarded runs, driven through the CLI with a scripted
//! model and answers typed on stdin (`--prompt`).

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, plan_turn, run_id, tool_text_with};

/// Commits a project config, so runs see a clean tree.
fn configure(p: &Project, toml: &str) {
    p.write(".chamber/config.toml", toml);
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "config"]);
}

fn decisions(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["type"] == "policy_decision")
        .collect()
}

/// A one-step run that writes `a.txt` and runs a command making `made.txt`.
fn write_and_exec() -> Vec<Turn> {
    vec![
        plan_turn("Do both", &[("1", "write and run")]),
        Turn::calls(vec![
            ("write_file", json!({"path": "a.txt", "content": "a\n"})),
            ("shell", json!({"command": "touch made.txt"})),
        ]),
        Turn::text("Done."),
    ]
}

/// read-only denies writes and commands; nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_denies_writes_and_commands() {
    let server = MockServer::start(write_and_exec()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--mode", "read-only", "--json", "do both"])
        .await;
    out.assert_code(0);
    assert!(p.read("a.txt").is_none());
    assert!(!p.path().join("made.txt").exists());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d.len(), 2, "{d:?}");
    for e in d {
        assert_eq!(e["decision"], "deny");
        assert_eq!(e["mode"], "read-only");
        assert!(e["reason"].as_str().unwrap().contains("read-only"), "{e}");
    }
}

/// auto-edit writes without asking but asks for the command (declined here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_edit_writes_freely_and_asks_for_commands() {
    let server = MockServer::start(write_and_exec()).await.unwrap();
    let p = Project::git(&server.base_url());
    // Answers: approve the plan, decline the command.
    let out = p
        .run_input(
            &[
                "run",
                "--prompt",
                "--mode",
                "auto-edit",
                "--json",
                "do both",
            ],
            "y\nn\n",
        )
        .await;
    out.assert_code(0);
    assert_eq!(p.read("a.txt").as_deref(), Some("a\n"));
    assert!(!p.path().join("made.txt").exists());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d[0]["decision"], "allow");
    assert_eq!(d[0]["tier"], "medium");
    assert_eq!(d[0]["by"], "policy");
    assert_eq!(d[1]["decision"], "deny");
    assert_eq!(d[1]["by"], "user");
    assert_eq!(d[1]["tier"], "high");
    assert!(
        d[1]["reason"].as_str().unwrap().contains("declined"),
        "{}",
        d[1]
    );
}

/// ask mode asks for both; yes to each runs them, recorded with the approver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_mode_asks_for_writes_and_commands() {
    let server = MockServer::start(write_and_exec()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_input(
            &["run", "--prompt", "--mode", "ask", "--json", "do both"],
            "y\ny\ny\n",
        )
        .await;
    out.assert_code(0);
    assert_eq!(p.read("a.txt").as_deref(), Some("a\n"));
    assert!(p.path().join("made.txt").exists());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    for e in decisions(&events) {
        assert_eq!(e["decision"], "allow", "{e}");
        assert_eq!(e["by"], "user");
        assert_eq!(e["scope"], "once");
        assert_eq!(e["approvers"].as_array().unwrap().len(), 1);
        assert!(!e["what"].as_str().unwrap().is_empty());
    }
}

/// full-auto asks nothing (the plan neither) and runs what the policy allows;
/// built-in denials still hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_auto_runs_allowed_actions_without_asking() {
    let server = MockServer::start(vec![
        plan_turn("Do all", &[("1", "write, run, and try a bad one")]),
        Turn::calls(vec![
            ("write_file", json!({"path": "a.txt", "content": "a\n"})),
            ("shell", json!({"command": "touch made.txt"})),
            ("shell", json!({"command": "git push --force origin main"})),
        ]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--mode", "full-auto", "--json", "do all"])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("a.txt").as_deref(), Some("a\n"));
    assert!(p.path().join("made.txt").exists());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(
        d.iter()
            .map(|e| e["decision"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["allow", "allow", "deny"]
    );
    assert!(
        d[2]["reason"].as_str().unwrap().contains("force"),
        "{}",
        d[2]
    );
}

/// Protected paths need a person even in full-auto with --yes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_paths_need_explicit_approval_even_in_full_auto() {
    let server = MockServer::start(vec![
        plan_turn("CI", &[("1", "edit ci")]),
        Turn::call(
            "write_file",
            json!({"path": ".github/workflows/ci.yml", "content": "on: push\n"}),
        ),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--mode", "full-auto", "--json", "edit ci"])
        .await;
    out.assert_code(0);
    assert!(p.read(".github/workflows/ci.yml").is_none());
    let denied = tool_text_with(&server.requests(), "status: denied");
    assert!(denied.contains("protected"), "{denied}");
    assert!(denied.contains("--yes does not cover it"), "{denied}");
}

/// "a" remembers the exact command and "p" a prefix for the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_grants_remember_exact_commands_and_prefixes() {
    let server = MockServer::start(vec![
        plan_turn("Dirs", &[("1", "make dirs")]),
        Turn::calls(vec![
            ("shell", json!({"command": "touch one.txt"})),
            ("shell", json!({"command": "touch one.txt"})),
            ("shell", json!({"command": "mkdir -p d1"})),
            ("shell", json!({"command": "mkdir -p d2"})),
            ("shell", json!({"command": "touch two.txt"})),
        ]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    // plan: y; first touch: always; mkdir: prefix; touch two.txt: no.
    let out = p
        .run_input(&["run", "--prompt", "--json", "dirs"], "y\na\np\nn\n")
        .await;
    out.assert_code(0);
    assert!(p.path().join("one.txt").exists());
    assert!(p.path().join("d1").is_dir() && p.path().join("d2").is_dir());
    assert!(!p.path().join("two.txt").exists());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    let summary: Vec<(String, String)> = d
        .iter()
        .map(|e| {
            (
                e["decision"].as_str().unwrap().to_string(),
                e["scope"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("allow".into(), "session_exact".into()),
            ("allow".into(), String::new()),
            ("allow".into(), "session_prefix".into()),
            ("allow".into(), String::new()),
            ("deny".into(), String::new()),
        ]
    );
    assert!(
        d[1]["reason"]
            .as_str()
            .unwrap()
            .contains("earlier this session")
    );
}

/// Two-person paths: the same person twice is refused; two people pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_rule_needs_two_different_approvers() {
    let server = MockServer::start(vec![
        plan_turn("Deploy", &[("1", "edit deploy config")]),
        Turn::call(
            "write_file",
            json!({"path": "deploy/prod.yaml", "content": "x: 1\n"}),
        ),
        Turn::call(
            "write_file",
            json!({"path": "deploy/prod.yaml", "content": "x: 2\n"}),
        ),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[paths]\ntwo_person = [\"deploy/**\"]\n");
    let out = p
        .run_input(
            &["run", "--prompt", "--json", "deploy"],
            "y\nalice\ny\nalice\nalice\ny\nbob\ny\n",
        )
        .await;
    out.assert_code(0);
    assert_eq!(p.read("deploy/prod.yaml").as_deref(), Some("x: 2\n"));
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d[0]["decision"], "deny", "{}", d[0]);
    assert_eq!(d[1]["decision"], "allow", "{}", d[1]);
    assert_eq!(d[1]["approvers"], json!(["alice", "bob"]));
    assert!(d[1]["reason"].as_str().unwrap().contains("two-person"));
}

/// A lane confines writes to its globs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_confine_writes_to_their_globs() {
    let server = MockServer::start(vec![
        plan_turn("Docs", &[("1", "write docs")]),
        Turn::calls(vec![
            ("write_file", json!({"path": "docs/a.md", "content": "a\n"})),
            (
                "write_file",
                json!({"path": "src/a.rs", "content": "fn a() {}\n"}),
            ),
        ]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[paths.lanes]\ndocs = [\"docs/**\", \"*.md\"]\n");
    let out = p
        .run(&["run", "--yes", "--lane", "docs", "--json", "docs"])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("docs/a.md").as_deref(), Some("a\n"));
    assert!(p.read("src/a.rs").is_none());
    let denied = tool_text_with(&server.requests(), "status: denied");
    assert!(denied.contains("write lane"), "{denied}");
    let bad = p.run(&["run", "--yes", "--lane", "nope", "x"]).await;
    assert_eq!(bad.code, 5, "{}", bad.dump());
    assert!(bad.stderr.contains("no such lane"), "{}", bad.dump());
}

/// `.env` files cannot be read by tools or commands; the secret never
/// reaches the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_files_are_never_read() {
    let server = MockServer::start(vec![
        plan_turn("Look", &[("1", "read config")]),
        Turn::calls(vec![
            ("read_file", json!({"path": ".env"})),
            ("shell", json!({"command": "cat .env"})),
            ("search", json!({"pattern": "HUNTER"})),
        ]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(".env", "DB_PASSWORD=HUNTER2-very-secret\n");
    let out = p
        .run(&[
            "run",
            "--yes",
            "--mode",
            "full-auto",
            "--allow-dirty",
            "--json",
            "look",
        ])
        .await;
    out.assert_code(0);
    let bodies: String = server
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(!bodies.contains("HUNTER2"), "the secret reached the model");
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.iter().all(|e| e["decision"] == "deny"));
    assert!(
        d.iter()
            .all(|e| e["reason"].as_str().unwrap().contains("paths.read_deny"))
    );
}

/// Guarded: the run stages, the tree stays untouched; apply-guarded applies
/// and commits; reject discards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_runs_stage_then_apply_or_reject() {
    let server = MockServer::start(vec![
        plan_turn("Add a", &[("1", "write a")]),
        Turn::call("write_file", json!({"path": "a.txt", "content": "a\n"})),
        Turn::text("Done."),
        plan_turn("Add b", &[("1", "write b")]),
        Turn::call("write_file", json!({"path": "b.txt", "content": "b\n"})),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let head = p.git_ok(&["rev-parse", "HEAD"]);
    let out = p
        .run(&["run", "--guarded", "--yes", "--json", "add a"])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    let id = run_id(&env);
    assert!(p.read("a.txt").is_none(), "a guarded run touches nothing");
    assert_eq!(p.git_ok(&["rev-parse", "HEAD"]), head);
    let summary = env["payload"]["summary"].as_str().unwrap();
    assert!(summary.contains("chamber apply-guarded"), "{summary}");
    assert!(
        p.path()
            .join(format!(".chamber/guarded/{id}.json"))
            .is_file()
    );

    let applied = p.run(&["apply-guarded", &id[..8], "--yes", "--json"]).await;
    applied.assert_code(0);
    let env = applied.envelope();
    assert_eq!(p.read("a.txt").as_deref(), Some("a\n"));
    let branch = env["payload"]["branch"].as_str().unwrap();
    assert_eq!(p.git_ok(&["rev-parse", "--abbrev-ref", "HEAD"]), branch);
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Add a");
    // The approval and the commit join the run's log like its own events:
    // numbered on, and copied to its events.jsonl (in the data dir, since
    // the run worked in a copy).
    let (_, events) = p.show(&id).await;
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let tail: Vec<&str> = events[events.len() - 2..]
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(tail, ["policy_decision", "committed"], "{events:?}");
    let log =
        std::fs::read_to_string(p.data_dir().join("runs").join(&id).join("events.jsonl")).unwrap();
    assert_eq!(log.lines().count(), events.len(), "{log}");
    assert!(
        log.lines().last().unwrap().contains("\"committed\""),
        "{log}"
    );
    assert!(
        !p.path()
            .join(format!(".chamber/guarded/{id}.json"))
            .exists()
    );
    let again = p.run(&["apply-guarded", &id[..8], "--yes"]).await;
    assert_eq!(again.code, 8, "{}", again.dump());

    let out = p
        .run(&["run", "--guarded", "--yes", "--json", "add b"])
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let rejected = p
        .run(&["reject", &id, "--reason", "not now", "--json"])
        .await;
    rejected.assert_code(0);
    assert!(p.read("b.txt").is_none());
    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "rejected", "{run}");
    assert!(events.iter().any(|e| e["type"] == "plan_rejected"));
}

/// Staged changes to two-person paths need two approvers at apply time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_a_staged_two_person_change_needs_two_people() {
    let server = MockServer::start(vec![
        plan_turn("Deploy", &[("1", "edit")]),
        Turn::call(
            "write_file",
            json!({"path": "deploy/a.yaml", "content": "a\n"}),
        ),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[paths]\ntwo_person = [\"deploy/**\"]\n");
    // Inside the guarded copy writes touch nothing: the approval that
    // counts comes when the change is applied.
    let out = p
        .run_input(&["run", "--guarded", "--prompt", "--json", "deploy"], "y\n")
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let yes = p.run(&["apply-guarded", &id, "--yes"]).await;
    assert_eq!(yes.code, 3, "{}", yes.dump());
    assert!(yes.stderr.contains("two-person"), "{}", yes.dump());
    assert!(p.read("deploy/a.yaml").is_none());
    let ok = p
        .run_input(
            &["apply-guarded", &id, "--prompt", "--json"],
            "carol\ny\ndave\ny\n",
        )
        .await;
    ok.assert_code(0);
    assert_eq!(
        ok.envelope()["payload"]["approvers"],
        json!(["carol", "dave"])
    );
    assert_eq!(p.read("deploy/a.yaml").as_deref(), Some("a\n"));
}

/// A required sandbox that cannot be set up, with `on_unavailable = "ask"`:
/// every command is put to a person, even one a rule allows; a yes runs it
/// unconfined, a no refuses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_required_sandbox_asks_when_configured_to() {
    let server = MockServer::start(vec![
        plan_turn("Run", &[("1", "run two")]),
        Turn::calls(vec![
            ("shell", json!({"command": "touch yes.txt"})),
            ("shell", json!({"command": "ls"})),
        ]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[sandbox]\nmode = \"on\"\non_unavailable = \"ask\"\n");
    let out = p
        .run_input_env(
            &["run", "--prompt", "--mode", "full-auto", "--json", "run"],
            "y\nn\n",
            &[("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1")],
        )
        .await;
    out.assert_code(0);
    assert!(
        p.path().join("yes.txt").exists(),
        "approved: ran unconfined"
    );
    let envelope = out.envelope();
    let (_, events) = p.show(&run_id(&envelope)).await;
    let d = decisions(&events);
    assert_eq!(d[0]["decision"], "allow");
    assert_eq!(d[0]["by"], "user");
    assert_eq!(d[1]["decision"], "deny", "even `ls` was asked: {}", d[1]);
    assert!(
        d[0]["reason"].as_str().unwrap().contains("sandbox"),
        "{}",
        d[0]
    );
}

/// A guarded project refuses what cannot stage its changes: applying a
/// saved plan would write to the project itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_projects_refuse_runs_that_cannot_stage() {
    let server = MockServer::start(vec![plan_turn("Add a", &[("1", "write a")])])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[approval]\nguarded = true\n");
    let out = p.run(&["plan", "--json", "add a"]).await;
    out.assert_code(0);
    let plan_id = out.envelope()["payload"]["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let apply = p.run(&["apply", &plan_id, "--yes"]).await;
    assert_eq!(apply.code, 9, "{}", apply.dump());
    assert!(apply.stderr.contains("run --guarded"), "{}", apply.dump());
    assert!(p.read("a.txt").is_none());
}
