//! A run whose fence refuses must not commit: the side-effect check a
//! queue worker relies on after its lease was taken over. Driven through
//! `chamber_runtime::execute` against the mock model server, in a real git
//! repository.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;

use chamber_agent::{AgentError, Observer, SideEffectFence};
use chamber_config::{Config, Dirs, LoadedConfig};
use chamber_mock_llm::{MockServer, Turn};
use chamber_runtime::{Act, RunSettings, RuntimeError, Setup};
use serde_json::json;

#[derive(Debug)]
struct Fence(bool);

#[async_trait::async_trait]
impl SideEffectFence for Fence {
    async fn check(&self) -> Result<(), String> {
        if self.0 {
            Ok(())
        } else {
            Err("task t1 is no longer held by fencing token 1 (current token 2)".into())
        }
    }
}

struct Quiet;
impl Observer for Quiet {
    fn event(&self, _: &chamber_protocol::Event) {}
}

struct NoApprover;
#[async_trait::async_trait]
impl chamber_agent::Approver for NoApprover {
    fn interactive(&self) -> bool {
        false
    }
    fn name(&self) -> String {
        "test".into()
    }
    async fn review_plan(&self, _: &chamber_protocol::Plan) -> chamber_agent::PlanDecision {
        chamber_agent::PlanDecision::Reject("not asked".into())
    }
    async fn approve_action(
        &self,
        _: &chamber_agent::ActionQuestion,
    ) -> chamber_agent::ActionAnswer {
        chamber_agent::ActionAnswer::declined()
    }
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn run_with_fence(
    allow: bool,
) -> (
    tempfile::TempDir,
    Result<chamber_agent::RunOutcome, RuntimeError>,
) {
    let script = vec![
        Turn::text(
            json!({"title": "Add hello", "steps": [{"id": "1", "title": "Create hello.py", "detail": "write it", "kind": "edit", "depends_on": []}]})
                .to_string(),
        ),
        Turn::call("write_file", json!({"path": "hello.py", "content": "print('hello')\n"})),
        Turn::text("Created hello.py."),
    ];
    let mock = MockServer::start(script).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join("repo")).unwrap();
    let root = repo.path().join("repo").canonicalize().unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["config", "user.name", "Test"]);
    git(&root, &["config", "user.email", "t@example.com"]);
    std::fs::write(root.join("README.md"), "# demo\n").unwrap();
    git(&root, &["add", "."]);
    git(&root, &["commit", "-qm", "initial"]);
    let mut config = Config::default();
    config.provider.base_url = mock.base_url();
    let data = repo.path().join("data-outside");
    let setup = Setup {
        root: root.clone(),
        dirs: Dirs {
            data: data.clone(),
            user_config: data.join("config.toml"),
        },
        loaded: LoadedConfig {
            config,
            layers: Vec::new(),
            origins: Default::default(),
            merged: Default::default(),
        },
        database_url: None,
        project_trusted: true,
    };
    let notice = |_: &str| {};
    let mut engine = setup.engine(&notice).await.unwrap();
    let settings = RunSettings {
        yes: true,
        mode: Some("full-auto".into()),
        fence: Some(Arc::new(Fence(allow))),
        ..RunSettings::default()
    };
    let act = Act::New {
        prompt: "add a hello script".into(),
        plan_only: false,
        dry_run: false,
    };
    let result =
        chamber_runtime::execute(&mut engine, act, &settings, &NoApprover, Arc::new(Quiet)).await;
    drop(mock);
    (repo, result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_fence_stops_the_commit() {
    let (repo, result) = run_with_fence(false).await;
    let root = repo.path().join("repo").canonicalize().unwrap();
    match result {
        Err(RuntimeError::Agent(AgentError::Fenced(why))) => {
            assert!(why.contains("fencing token"), "{why}")
        }
        other => panic!("expected a fenced run, got {other:?}"),
    }
    let branches = git(
        &root,
        &["branch", "--list", "chamber/*", "--format=%(refname:short)"],
    );
    for b in branches.lines() {
        assert_eq!(
            git(&root, &["rev-list", "--count", &format!("main..{b}")]),
            "0",
            "a fenced run committed on {b}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passing_fence_lets_the_commit_through() {
    let (repo, result) = run_with_fence(true).await;
    let root = repo.path().join("repo").canonicalize().unwrap();
    let outcome = result.unwrap();
    let branch = outcome.branch.expect("a branch");
    assert!(git(&root, &["show", "--name-only", "--format=", &branch]).contains("hello.py"));
}
