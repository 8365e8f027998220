//! The approval gate without a terminal: plans are saved, `apply` runs them once.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{Project, plan_turn, types};

/// Non-interactive `run` without `--yes` saves the plan (exit 3); `apply --yes` runs it;
/// applying it twice is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_without_yes_saves_plan_and_apply_executes_it_once() {
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
    let head = p.git_ok(&["rev-parse", "HEAD"]);

    let out = p.run(&["run", "--json", "add hello"]).await;
    out.assert_code(3);
    let env = out.envelope();
    // Not done yet: an error envelope (needs_approval) that keeps the plan.
    assert_eq!(env["ok"], false, "{env}");
    assert_eq!(env["error"]["code"], "needs_approval", "{env}");
    assert_eq!(env["payload"]["status"], "awaiting_approval");
    let plan_id = env["payload"]["plan_id"]
        .as_str()
        .expect("payload.plan_id")
        .to_string();
    assert_eq!(env["payload"]["plan"]["title"], "Add hello");
    assert_eq!(server.requests().len(), 1, "only the plan was asked for");
    assert!(p.read("hello.txt").is_none());
    assert_eq!(p.branches(), vec!["main".to_string()]);
    assert_eq!(p.git_ok(&["rev-parse", "HEAD"]), head);
    assert_eq!(
        p.git_ok(&["status", "--porcelain", "--", ".", ":!.chamber"]),
        ""
    );
    assert!(types(&out.events()).contains(&"plan_saved".to_string()));

    let out = p.run(&["apply", &plan_id, "--yes", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["cmd"], "apply");
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(p.read("hello.txt").as_deref(), Some("hi\n"));
    let branch = env["payload"]["branch"].as_str().unwrap().to_string();
    assert_eq!(p.git_ok(&["rev-parse", "--abbrev-ref", "HEAD"]), branch);
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Add hello");

    let again = p.run(&["apply", &plan_id, "--yes", "--json"]).await;
    again.assert_code(9);
    let env = again.envelope();
    assert_eq!(env["ok"], false);
    assert_eq!(env["error"]["code"], "invalid_state");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already applied"),
        "{env}"
    );
}

/// `chamber plan` saves the plan, prints its id, and the run lists as awaiting approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_prints_id_and_run_awaits_approval() {
    let server = MockServer::start(vec![plan_turn("Add docs", &[("1", "Write docs/guide.md")])])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());

    let out = p.run(&["plan", "add", "a", "guide"]).await;
    out.assert_code(0);
    assert!(out.stdout.contains("Plan: Add docs"), "{}", out.dump());
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("plan id: "))
        .unwrap_or_else(|| panic!("no plan id printed\n{}", out.dump()));
    let plan_id = line.trim().to_string();
    assert!(!plan_id.is_empty());
    assert!(
        out.stdout.contains(&format!("chamber apply {plan_id}")),
        "{}",
        out.stdout
    );

    let list = p.run(&["runs", "list", "--json"]).await;
    list.assert_code(0);
    let runs = list.envelope()["payload"]["runs"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "awaiting_approval");
    assert_eq!(runs[0]["prompt"], "add a guide");
    assert!(p.read("docs/guide.md").is_none());
}
