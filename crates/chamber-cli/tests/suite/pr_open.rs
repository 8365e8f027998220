//! `chamber pr open`: the run branch goes to a real bare remote on disk and
//! the pull request to a local server speaking GitHub's REST endpoint.

use chamber_mock_llm::MockServer;

use super::fake_github;
use super::harness::{Project, hello_script, run_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pr_open_pushes_the_branch_and_posts_the_pull_request() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let remote = tempfile::tempdir().unwrap();
    let bare = remote.path().join("widget.git");
    p.git_ok(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    p.git_ok(&["remote", "add", "origin", bare.to_str().unwrap()]);

    let out = p
        .run(&["run", "--yes", "--json", "add a hello script"])
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let branch = format!("chamber/{}", &id[..8]);

    let hub = fake_github::start().await;
    let env = [
        ("GITHUB_API_URL", hub.url.as_str()),
        ("GITHUB_TOKEN", "gh-test-token"),
        ("GITHUB_REPOSITORY", "acme/widget"),
    ];
    let out = p.run_env(&["pr", "open", "--draft", "--json"], &env).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["number"], 42, "{payload}");
    assert_eq!(
        payload["html_url"],
        "https://github.example/acme/widget/pull/42"
    );

    // The branch arrived in the bare remote, at the run's commit.
    let pushed = p.git_ok(&[
        "--git-dir",
        bare.to_str().unwrap(),
        "rev-parse",
        &format!("refs/heads/{branch}"),
    ]);
    assert_eq!(pushed, p.git_ok(&["rev-parse", &branch]));

    let seen = hub.seen();
    assert_eq!(seen.len(), 1);
    let (path, headers, body) = &seen[0];
    assert_eq!(path, "POST /repos/acme/widget/pulls");
    assert_eq!(headers["authorization"], "Bearer gh-test-token");
    assert_eq!(headers["accept"], "application/vnd.github+json");
    assert_eq!(headers["x-github-api-version"], "2022-11-28");
    assert_eq!(body["title"], "Add a hello script");
    assert_eq!(body["head"], branch.as_str());
    assert_eq!(body["base"], "main");
    assert_eq!(body["draft"], true);
    let text = body["body"].as_str().unwrap();
    for needle in [
        "## Plan",
        "1. Create hello.py",
        "2. Run hello.py",
        "## Summary",
        "`python3 hello.py` (exit 0)",
        "- `hello.py`",
        "## Cost",
        id.as_str(),
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pr_open_without_a_token_says_so() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    p.run(&["run", "--yes", "--json", "add a hello script"])
        .await
        .assert_code(0);
    let out = p.run(&["pr", "open", "--json"]).await;
    out.assert_code(5);
    assert!(out.stdout.contains("GITHUB_TOKEN"), "{}", out.dump());
}
