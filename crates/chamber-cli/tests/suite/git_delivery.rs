//! Git delivery: per-step commits, `--signoff`, and `chamber commit` with a
//! given, a model-written and a fallback message.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{NO_MODEL, Project, plan_turn, run_id};

/// A run of two steps that each write a file.
fn two_file_script() -> Vec<Turn> {
    vec![
        plan_turn(
            "Add two files",
            &[("1", "Create a.txt"), ("2", "Create b.txt")],
        ),
        Turn::call("write_file", json!({"path": "a.txt", "content": "a\n"})),
        Turn::text("Created a.txt with one line."),
        Turn::call("write_file", json!({"path": "b.txt", "content": "b\n"})),
        Turn::text("Created b.txt with one line."),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_step_mode_commits_each_step_with_signoff() {
    let server = MockServer::start(two_file_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &["run", "--yes", "--signoff", "--json", "add two files"],
            &[("CHAMBER_GIT__COMMIT_MODE", "per_step")],
        )
        .await;
    out.assert_code(0);
    let env = out.envelope();
    let id = run_id(&env);
    assert_eq!(p.git_ok(&["rev-list", "--count", "main..HEAD"]), "2");
    assert_eq!(
        p.git_ok(&["log", "--format=%s", "main..HEAD"]),
        "Create b.txt\nCreate a.txt"
    );
    assert_eq!(
        p.git_ok(&["show", "--format=", "--name-only", "HEAD~1"]),
        "a.txt"
    );
    let body = p.git_ok(&["log", "-1", "--format=%b", "HEAD~1"]);
    assert!(body.contains("Created a.txt with one line."), "{body}");
    assert!(body.contains("- a.txt"), "{body}");
    assert!(body.contains(&format!("Chamber-Run: {id}")), "{body}");
    for rev in ["HEAD", "HEAD~1"] {
        let trailers = p.git_ok(&["log", "-1", "--format=%(trailers)", rev]);
        assert!(
            trailers.contains("Signed-off-by: Test User <test@example.com>"),
            "{rev}: {trailers}"
        );
    }
    assert_eq!(
        env["payload"]["commit"].as_str(),
        Some(p.git_ok(&["rev-parse", "HEAD"]).as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn squash_mode_stays_one_commit_and_bad_modes_are_refused() {
    let server = MockServer::start(two_file_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    p.run(&["run", "--yes", "--json", "add two files"])
        .await
        .assert_code(0);
    assert_eq!(p.git_ok(&["rev-list", "--count", "main..HEAD"]), "1");
    let trailers = p.git_ok(&["log", "-1", "--format=%(trailers)"]);
    assert!(!trailers.contains("Signed-off-by"), "{trailers}");

    let bad = p
        .run_env(
            &["run", "--yes", "--json", "x"],
            &[("CHAMBER_GIT__COMMIT_MODE", "sometimes")],
        )
        .await;
    assert_ne!(bad.code, 0);
    assert!(bad.stdout.contains("git.commit_mode"), "{}", bad.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_uses_the_models_message_shaped_to_git_conventions() {
    let subject =
        "Add the greeting module so that every command can say hello politely to its users";
    let answer = json!({
        "subject": subject,
        "body": "Commands had no shared way to greet users, so each one printed its own text. This adds one module that all of them can call, which keeps the wording the same everywhere."
    });
    let server = MockServer::start(vec![Turn::text(answer.to_string())])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("greet.py", "def hello():\n    return 'hello'\n");
    p.git_ok(&["add", "greet.py"]);
    let out = p.run(&["commit", "--signoff", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["message_source"], "model", "{env}");
    assert_eq!(
        env["payload"]["commit"].as_str(),
        Some(p.git_ok(&["rev-parse", "HEAD"]).as_str())
    );
    let got = p.git_ok(&["log", "-1", "--format=%s"]);
    assert!(got.chars().count() <= 72, "{got}");
    assert!(
        subject.starts_with(&got) && subject[got.len()..].starts_with(' '),
        "{got}"
    );
    let message = p.git_ok(&["log", "-1", "--format=%B"]);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[1], "", "{message}");
    assert!(lines.iter().all(|l| l.chars().count() <= 72), "{message}");
    assert!(message.contains("Commands had no shared way"), "{message}");
    assert!(message.contains("Signed-off-by: Test User <test@example.com>"));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["response_format"]["type"], "json_schema");
    assert!(requests[0].body.to_string().contains("greet.py"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_falls_back_when_the_model_answers_garbage() {
    let server = MockServer::start(vec![Turn::text("Sure! Here is a great message.")])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("src/one.py", "x = 1\n");
    p.write("two.py", "y = 2\n");
    p.git_ok(&["add", "."]);
    let out = p.run(&["commit"]).await;
    out.assert_code(0);
    assert!(
        out.stdout.contains("note: the model did not write"),
        "{}",
        out.dump()
    );
    assert!(out.stdout.contains("committed "), "{}", out.dump());
    assert_eq!(
        p.git_ok(&["log", "-1", "--format=%s"]),
        "Update one.py and two.py"
    );
    let body = p.git_ok(&["log", "-1", "--format=%b"]);
    assert!(body.contains("2 files changed"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_with_a_message_needs_staged_changes() {
    let p = Project::git(NO_MODEL);
    let out = p.run(&["commit", "-m", "Nothing here", "--json"]).await;
    out.assert_code(9);
    p.write("a.txt", "a\n");
    p.git_ok(&["add", "a.txt"]);
    p.run(&["commit", "-m", "Add a.txt"]).await.assert_code(0);
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Add a.txt");
}
