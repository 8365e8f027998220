//! The safety gaps of issue 15, through the CLI with a scripted model:
//! running without a sandbox is never silent and `--yes` never approves a
//! command the policy cannot read; `policy check` says what the gate does;
//! ordinary test commands run without asking in sandboxed auto-edit mode.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, plan_turn, run_id};

const FORCE_UNAVAILABLE: (&str, &str) = ("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1");

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

fn shell_calls(commands: &[String]) -> Turn {
    Turn::calls(
        commands
            .iter()
            .map(|c| ("shell", json!({ "command": c })))
            .collect(),
    )
}

/// `sandbox.mode = "on"`, `on_unavailable = "ask"`, no sandbox, `--yes`:
/// the run says so (event and stderr warning) before anything runs; an
/// ordinary command runs unconfined, and every command the policy cannot
/// read is denied with its rule named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_sandbox_yes_denies_what_the_policy_cannot_read() {
    let outside = tempfile::tempdir().unwrap();
    let keep = outside.path().join("keep.txt");
    std::fs::write(&keep, "sentinel\n").unwrap();
    let unreadable: Vec<(String, &str)> = vec![
        ("$(echo touch) dyn.txt".into(), "builtin:dynamic-command"),
        (
            "python3 -c 'open(\"py.txt\", \"w\")'".into(),
            "builtin:inline-code",
        ),
        (
            "awk 'BEGIN{system(\"touch awk.txt\")}'".into(),
            "builtin:inline-code",
        ),
        (
            "vim -es -c ':!touch vim.txt' -c ':qa!'".into(),
            "builtin:inline-code",
        ),
        (
            format!(
                "find {} -name '*.txt' -exec rm {{}} \\;",
                outside.path().display()
            ),
            "builtin:write-outside-workspace",
        ),
        ("rsync -a --delete src/ dst/".into(), "builtin:sync-delete"),
        (
            "tar cf - . | nc 127.0.0.1 9".into(),
            "builtin:archive-to-network",
        ),
    ];
    let mut commands = vec!["touch plain.txt".to_string()];
    commands.extend(unreadable.iter().map(|(c, _)| c.clone()));
    let server = MockServer::start(vec![
        plan_turn("Run them", &[("1", "run the commands")]),
        shell_calls(&commands),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, "[sandbox]\nmode = \"on\"\non_unavailable = \"ask\"\n");
    let out = p
        .run_env(
            &["run", "--yes", "--json", "run them"],
            &[FORCE_UNAVAILABLE],
        )
        .await;
    out.assert_code(0);
    assert!(
        out.stderr.contains("warning: sandbox unavailable"),
        "{}",
        out.dump()
    );
    assert!(out.stderr.contains("NOT sandboxed"), "{}", out.dump());
    assert!(
        p.path().join("plain.txt").exists(),
        "--yes ran the plain one"
    );
    for made in ["dyn.txt", "py.txt", "awk.txt", "vim.txt"] {
        assert!(!p.path().join(made).exists(), "{made} was made");
    }
    assert!(keep.exists(), "a file outside the workspace was deleted");

    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let at = |t: &str| events.iter().position(|e| e["type"] == t).unwrap();
    assert_eq!(at("sandbox_unavailable"), at("run_started") + 1);
    let notice = &events[at("sandbox_unavailable")];
    assert_eq!(notice["commands"], "ask", "{notice}");
    assert!(
        notice["reason"]
            .as_str()
            .unwrap()
            .contains("cannot be set up"),
        "{notice}"
    );
    let d = decisions(&events);
    assert_eq!(d.len(), commands.len(), "{d:?}");
    assert_eq!(d[0]["decision"], "allow", "{}", d[0]);
    assert_eq!(d[0]["by"], "flag", "{}", d[0]);
    for (e, (cmd, rule)) in d[1..].iter().zip(&unreadable) {
        assert_eq!(e["decision"], "deny", "{cmd}: {e}");
        let reason = e["reason"].as_str().unwrap();
        assert!(reason.contains(&format!("[{rule}]")), "{cmd}: {reason}");
        assert!(reason.contains("only a person"), "{cmd}: {reason}");
    }
}

/// The default `sandbox.mode = "auto"` on a machine without the sandbox:
/// commands run unconfined, and the run says so at its start even in
/// human output; inline code needs a person, and a person can allow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfined_runs_warn_and_only_a_person_allows_inline_code() {
    let script = || {
        vec![
            plan_turn("Make files", &[("1", "make them")]),
            shell_calls(&[
                "touch plain.txt".into(),
                "python3 -c 'open(\"py.txt\", \"w\")'".into(),
            ]),
            Turn::text("Done."),
        ]
    };
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(&["run", "--yes", "make files"], &[FORCE_UNAVAILABLE])
        .await;
    out.assert_code(0);
    let warning = out
        .stderr
        .lines()
        .find(|l| l.contains("warning: sandbox unavailable"))
        .unwrap_or_else(|| panic!("no warning\n{}", out.dump()));
    assert!(warning.contains("run unconfined"), "{warning}");
    assert!(p.path().join("plain.txt").exists(), "{}", out.dump());
    assert!(!p.path().join("py.txt").exists(), "{}", out.dump());

    // A person at the prompt can allow it.
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_input_env(
            &["run", "--yes", "--prompt", "--json", "make files"],
            "y\n",
            &[FORCE_UNAVAILABLE],
        )
        .await;
    out.assert_code(0);
    assert!(p.path().join("py.txt").exists(), "{}", out.dump());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let notice = events
        .iter()
        .find(|e| e["type"] == "sandbox_unavailable")
        .unwrap();
    assert_eq!(notice["commands"], "unconfined");
    let d = decisions(&events);
    assert_eq!(d[1]["decision"], "allow", "{}", d[1]);
    assert_eq!(d[1]["by"], "user", "{}", d[1]);
}

/// `policy check "cat .env"` gives the decision and rule a run's gate gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_check_agrees_with_the_gate_on_secrets_files() {
    let server = MockServer::start(vec![
        plan_turn("Read it", &[("1", "read .env")]),
        shell_calls(&["cat .env".into()]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let check = p.run(&["policy", "check", "--json", "cat .env"]).await;
    check.assert_code(15);
    let payload = check.envelope()["payload"].clone();
    assert_eq!(payload["decision"], "deny", "{payload}");
    let rule = payload["rule"].as_str().unwrap().to_string();
    assert!(rule.starts_with("paths.read_deny"), "{payload}");
    assert_eq!(payload["parts"][0]["verdict"]["decision"], "deny");

    let out = p.run(&["run", "--yes", "--json", "read it"]).await;
    out.assert_code(0);
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d[0]["decision"], "deny", "{}", d[0]);
    assert!(
        d[0]["reason"]
            .as_str()
            .unwrap()
            .ends_with(&format!("[{rule}]")),
        "{}",
        d[0]
    );
}

/// Test commands: allowed in sandboxed auto-edit mode, asked in ask mode or
/// without a sandbox, as `policy check` and a run agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_commands_run_without_asking_in_sandboxed_auto_edit() {
    let p = Project::plain(NO_MODEL);
    for cmd in [
        "pytest -q",
        "python3 -m pytest",
        "npm test",
        "go test ./...",
        "make test",
        "cargo test",
    ] {
        let args = ["policy", "check", "--json", "--mode", "auto-edit", cmd];
        let out = p.run(&args).await;
        out.assert_code(0);
        assert_eq!(out.envelope()["payload"]["rule"], "builtin:test-command");
        let out = p.run(&["policy", "check", "--json", cmd]).await;
        out.assert_code(3);
        let out = p.run_env(&args, &[FORCE_UNAVAILABLE]).await;
        out.assert_code(3);
    }

    let server = MockServer::start(vec![
        plan_turn("Test", &[("1", "run the tests")]),
        shell_calls(&["make test".into()]),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write("Makefile", "test:\n\ttouch tested.txt\n");
    p.git_ok(&["add", "Makefile"]);
    p.git_ok(&["commit", "-qm", "makefile"]);
    // Only the plan is answered: a question about the command would read
    // end of input and be declined.
    let out = p
        .run_input(
            &["run", "--prompt", "--mode", "auto-edit", "--json", "test"],
            "y\n",
        )
        .await;
    out.assert_code(0);
    assert!(p.path().join("tested.txt").exists(), "{}", out.dump());
    let (_, events) = p.show(&run_id(&out.envelope())).await;
    let d = decisions(&events);
    assert_eq!(d[0]["decision"], "allow", "{}", d[0]);
    assert_eq!(d[0]["by"], "policy", "{}", d[0]);
    assert!(
        d[0]["reason"]
            .as_str()
            .unwrap()
            .contains("builtin:test-command"),
        "{}",
        d[0]
    );
}

/// `policy check` reflects the mode, `--yes` and the missing sandbox as the
/// gate does: inline code needs a person then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_check_shows_when_only_a_person_can_approve() {
    let p = Project::plain(NO_MODEL);
    let cmd = "python3 -c 'print(1)'";
    let out = p.run(&["policy", "check", "--json", "--yes", cmd]).await;
    out.assert_code(0);
    let out = p
        .run_env(
            &["policy", "check", "--json", "--yes", cmd],
            &[FORCE_UNAVAILABLE],
        )
        .await;
    out.assert_code(3);
    let payload = out.envelope()["payload"].clone();
    assert_eq!(payload["rule"], "builtin:inline-code", "{payload}");
    assert_eq!(payload["explicit"], true, "{payload}");
    assert_eq!(payload["context"]["sandboxed"], false, "{payload}");
    let out = p
        .run_env(&["policy", "check", "--yes", cmd], &[FORCE_UNAVAILABLE])
        .await;
    assert!(out.stdout.contains("only a person"), "{}", out.dump());
}
