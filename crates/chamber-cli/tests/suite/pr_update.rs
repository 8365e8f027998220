//! `chamber pr update`: after `pr open`, a review comment on the fake GitHub
//! makes Chamber run again on the same branch, push the fix to a real bare
//! remote and post a marked summary comment; with no new comments it does
//! nothing.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::fake_github;
use super::harness::{Project, plan_turn, run_id};

/// The first run writes a buggy `calc.py`; the second fixes it.
fn script() -> Vec<Turn> {
    vec![
        plan_turn("Add a calculator", &[("1", "Create calc.py")]),
        Turn::call(
            "write_file",
            json!({"path": "calc.py", "content": "def add(a, b):\n    return a - b\n"}),
        ),
        Turn::text("Created calc.py."),
        plan_turn("Address the review", &[("1", "Use a + b in calc.py")]),
        Turn::call(
            "write_file",
            json!({"path": "calc.py", "content": "def add(a, b):\n    return a + b\n"}),
        ),
        Turn::text("add now returns a + b."),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pr_update_addresses_review_comments_on_the_same_branch() {
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let remote = tempfile::tempdir().unwrap();
    let bare = remote.path().join("widget.git");
    let bare = bare.to_str().unwrap();
    p.git_ok(&["init", "-q", "--bare", bare]);
    p.git_ok(&["remote", "add", "origin", bare]);

    let out = p.run(&["run", "--yes", "--json", "add a calculator"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let branch = format!("chamber/{}", &id[..8]);

    let hub = fake_github::start().await;
    let env = [
        ("GITHUB_API_URL", hub.url.as_str()),
        ("GITHUB_TOKEN", "gh-test-token"),
        ("GITHUB_REPOSITORY", "acme/widget"),
    ];
    p.run_env(&["pr", "open", "--json"], &env)
        .await
        .assert_code(0);
    let opened = p.git_ok(&["--git-dir", bare, "rev-parse", &branch]);

    hub.add_review_comment("calc.py", 2, "use a + b", "alice");
    let out = p.run_env(&["pr", "update", "--yes", "--json"], &env).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["pr"]["number"], 42, "{payload}");
    assert_eq!(payload["run"]["status"], "completed", "{payload}");
    assert_eq!(payload["run"]["branch"], branch.as_str(), "{payload}");
    let commit = payload["run"]["commit"].as_str().unwrap().to_string();

    // The run saw the comment in its task, and committed on the PR branch.
    let asked = server.requests().iter().any(|r| {
        r.body
            .to_string()
            .contains("calc.py:2: use a + b (by alice)")
    });
    assert!(asked, "the comment is in the run's task");
    assert_eq!(p.git_ok(&["rev-parse", &branch]), commit);
    assert_eq!(
        p.git_ok(&["rev-parse", &format!("{commit}~1")]),
        opened,
        "the fix sits on top of the opened branch"
    );
    assert_eq!(p.branches().len(), 2, "no new branch: {:?}", p.branches());
    // The bare remote has it.
    assert_eq!(p.git_ok(&["--git-dir", bare, "rev-parse", &branch]), commit);
    let fixed = p.git_ok(&["--git-dir", bare, "show", &format!("{branch}:calc.py")]);
    assert!(fixed.contains("return a + b"), "{fixed}");

    // The summary comment, with the marker.
    let posts = hub.posts();
    let (path, headers, body) = posts.last().unwrap();
    assert_eq!(path, "POST /repos/acme/widget/issues/42/comments");
    assert_eq!(headers["authorization"], "Bearer gh-test-token");
    let text = body["body"].as_str().unwrap();
    for needle in [
        "<!-- chamber -->",
        "calc.py:2: use a + b (by alice)",
        commit.as_str(),
        "Cost",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    let gets: Vec<String> = hub.seen().into_iter().map(|(p, _, _)| p).collect();
    let find = format!("GET /repos/acme/widget/pulls?head=acme:{branch}&state=open");
    assert!(gets.contains(&find), "{gets:?}");

    // No new comments: nothing to do, no run, no comment.
    let before = hub.seen().len();
    let out = p.run_env(&["pr", "update", "--yes", "--json"], &env).await;
    out.assert_code(0);
    assert!(out.envelope()["payload"]["run"].is_null(), "{}", out.dump());
    assert_eq!(hub.posts().len(), 2, "pr open and one summary comment");
    assert_eq!(hub.seen().len(), before + 3, "only the three GETs");
    assert_eq!(p.git_ok(&["rev-parse", &branch]), commit);
    assert_eq!(server.remaining(), 0);
}
