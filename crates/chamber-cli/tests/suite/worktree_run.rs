//! `chamber run --worktree`: runs work in linked worktrees under the data
//! dir, on their own branches, and leave the user's checkout alone.

use std::path::PathBuf;

use chamber_mock_llm::MockServer;
use serde_json::Value;

use super::harness::{Project, hello_script, plan_turn, run_id};

/// Where a run's worktree lives.
fn worktree_of(p: &Project, id: &str) -> PathBuf {
    p.data_dir().join("worktrees").join(id)
}

/// The files a commit changed.
fn files_in(p: &Project, rev: &str) -> String {
    p.git_ok(&["show", "--name-only", "--format=", rev])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worktree_run_commits_on_its_branch_and_leaves_the_checkout_alone() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    // A dirty checkout is fine: the worktree starts from HEAD.
    p.write("README.md", "# demo, edited by the user\n");
    p.write("notes.txt", "mine\n");
    let before = p.git_ok(&["status", "--porcelain"]);
    let head = p.git_ok(&["rev-parse", "HEAD"]);

    let out = p
        .run(&["run", "--yes", "--worktree", "--json", "add a hello script"])
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let branch = format!("chamber/{}", &id[..8]);

    assert_eq!(p.git_ok(&["branch", "--show-current"]), "main");
    assert_eq!(p.git_ok(&["rev-parse", "HEAD"]), head);
    assert_eq!(p.git_ok(&["status", "--porcelain"]), before);
    assert_eq!(p.read("README.md").unwrap(), "# demo, edited by the user\n");
    assert!(
        p.read("hello.py").is_none(),
        "hello.py leaked into the checkout"
    );
    assert!(
        !p.path().join(".chamber").exists(),
        "the checkout got .chamber/"
    );

    // The branch has the run's commit on top of HEAD; the worktree is gone.
    assert_eq!(p.git_ok(&["rev-parse", &format!("{branch}~1")]), head);
    assert!(files_in(&p, &branch).contains("hello.py"));
    assert!(!worktree_of(&p, &id).exists());
    assert!(!p.git_ok(&["worktree", "list"]).contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worktree_runs_in_parallel_commit_on_their_own_branches() {
    let first = MockServer::start(hello_script()).await.unwrap();
    let second = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&first.base_url());
    let second_url = second.base_url();
    let args = ["run", "--yes", "--worktree", "--json", "add a hello script"];
    let mut other = vec!["--base-url", second_url.as_str()];
    other.extend(args);
    let (a, b) = tokio::join!(p.run(&args), p.run(&other));
    a.assert_code(0);
    b.assert_code(0);
    let ids = [run_id(&a.envelope()), run_id(&b.envelope())];
    assert_ne!(ids[0], ids[1]);
    assert!(!first.requests().is_empty() && !second.requests().is_empty());
    for id in &ids {
        let branch = format!("chamber/{}", &id[..8]);
        assert!(files_in(&p, &branch).contains("hello.py"), "{branch}");
    }
    assert_eq!(p.git_ok(&["branch", "--show-current"]), "main");
    assert_eq!(p.git_ok(&["status", "--porcelain"]), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_worktree_keeps_it_on_the_run_branch() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&[
            "run",
            "--yes",
            "--keep-worktree",
            "--json",
            "add a hello script",
        ])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    let id = run_id(&env);
    let dir = worktree_of(&p, &id);
    assert!(dir.join("hello.py").is_file());
    assert_eq!(
        env["payload"]["worktree"],
        Value::String(dir.display().to_string())
    );
    assert!(p.git_ok(&["worktree", "list"]).contains(&id));
    assert_eq!(p.git_ok(&["branch", "--show-current"]), "main");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worktree_run_resumes_in_its_worktree() {
    // The budget stops the run after its plan answer; the resumed run plans again.
    let mut script = hello_script();
    script.insert(
        0,
        plan_turn(
            "Add a hello script",
            &[("1", "Create hello.py"), ("2", "Run hello.py")],
        ),
    );
    let server = MockServer::start(script).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&[
            "run",
            "--yes",
            "--worktree",
            "--budget-tokens",
            "1",
            "--json",
            "add a hello script",
        ])
        .await;
    assert_ne!(out.code, 0, "{}", out.dump());
    let id = run_id(&out.envelope());
    let dir = worktree_of(&p, &id);
    assert!(
        dir.is_dir(),
        "a stopped run keeps its worktree\n{}",
        out.dump()
    );

    // The run keeps its 1-token budget on resume; a larger one lets it finish.
    let out = p
        .run(&[
            "resume",
            &id,
            "--yes",
            "--json",
            "--budget-tokens",
            "1000000",
        ])
        .await;
    out.assert_code(0);
    let branch = format!("chamber/{}", &id[..8]);
    assert!(files_in(&p, &branch).contains("hello.py"));
    assert!(!dir.exists(), "the completed run's worktree is removed");
    assert_eq!(p.git_ok(&["branch", "--show-current"]), "main");
    assert!(p.read("hello.py").is_none());
}
