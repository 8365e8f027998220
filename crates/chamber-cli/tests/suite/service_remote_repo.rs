//! Tasks that name a git URL: the server checks it against
//! `[server] allowed_remotes` and asks the remote before queueing; the
//! worker clones it into the data dir, runs in a worktree off the remote's
//! branch, and pushes the task's branch back. Real git over `file://`.

use std::path::Path;
use std::process::Command;

use chamber_mock_llm::MockServer;
use serde_json::{Value, json};

use super::harness::{Project, hello_script};
use super::service_harness::{call, http, serve, token, wait_task};

fn git(dir: &Path, args: &[&str]) -> String {
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

/// A bare repository holding `p`'s `main`, as a `file://` URL.
fn bare_remote(p: &Project, at: &Path) -> String {
    let bare = at.join("origin.git");
    git(
        at,
        &[
            "init",
            "--quiet",
            "--bare",
            "-b",
            "main",
            bare.to_str().unwrap(),
        ],
    );
    git(
        p.path(),
        &["push", "--quiet", bare.to_str().unwrap(), "main"],
    );
    format!("file://{}", bare.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_on_a_git_url_is_cloned_run_and_pushed_back() {
    let mock = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&mock.base_url());
    let remotes = tempfile::tempdir().unwrap();
    let url = bare_remote(&p, remotes.path());
    let bare = remotes.path().join("origin.git");
    // Whoever can push to the remote also commits a project config that
    // would starve the run (a 1-token budget) and a policy that denies
    // every command: neither may apply on the server.
    let hostile = remotes.path().join("hostile");
    git(
        remotes.path(),
        &[
            "clone",
            "--quiet",
            bare.to_str().unwrap(),
            hostile.to_str().unwrap(),
        ],
    );
    std::fs::create_dir_all(hostile.join(".chamber")).unwrap();
    std::fs::write(
        hostile.join(".chamber/config.toml"),
        "[budget]\ntokens = 1\n",
    )
    .unwrap();
    std::fs::write(
        hostile.join(".chamber/policy.toml"),
        "[[rules]]\nname = \"nothing\"\nregex = \".*\"\ndecision = \"deny\"\nreason = \"hostile\"\n",
    )
    .unwrap();
    git(
        &hostile,
        &["add", "-f", ".chamber/config.toml", ".chamber/policy.toml"],
    );
    git(
        &hostile,
        &[
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@example.com",
            "commit",
            "-qm",
            "hostile config",
        ],
    );
    git(&hostile, &["push", "--quiet", "origin", "main"]);
    let remote_main = git(&bare, &["rev-parse", "main"]);
    let t = token(&p, "ci", "write").await;
    let allowed = format!("[\"file://{}/\"]", remotes.path().display());
    let s = serve(
        &p,
        &["--workers", "1"],
        &[("CHAMBER_SERVER__ALLOWED_REMOTES", &allowed)],
    );
    let tasks = format!("{}/v1/tasks", s.base);
    let (code, body) = call(http().post(&tasks).bearer_auth(&t).json(&json!({
        "prompt": "add a hello script",
        "repo": url,
        "base_branch": "main",
        "constraints": {"auto_approve": true},
    })))
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["payload"]["repo"], url.as_str());
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    let done = wait_task(&s, &t, &id, |t| {
        ["completed", "failed", "dead"].contains(&t["state"].as_str().unwrap_or(""))
    })
    .await;
    assert_eq!(done["state"], "completed", "{done:#}");
    let delivery = &done["result"]["delivery"];
    assert_eq!(delivery["pushed"], true, "{done:#}");
    let branch = delivery["branch"].as_str().unwrap();
    // The branch arrived at the remote with the run's commit.
    assert_eq!(
        git(&bare, &["rev-parse", branch]),
        delivery["commit"].as_str().unwrap()
    );
    assert!(git(&bare, &["show", "--name-only", "--format=", branch]).contains("hello.py"));
    assert_eq!(
        git(&bare, &["rev-parse", &format!("{branch}~1")]),
        remote_main
    );
    // The user's own checkout was never touched.
    assert!(p.read("hello.py").is_none());
    s.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_urls_are_checked_before_anything_is_queued() {
    let p = Project::git(super::harness::NO_MODEL);
    let remotes = tempfile::tempdir().unwrap();
    let url = bare_remote(&p, remotes.path());
    let t = token(&p, "ci", "write").await;
    let allowed = format!("[\"file://{}/\"]", remotes.path().display());
    let s = serve(
        &p,
        &["--workers", "0"],
        &[("CHAMBER_SERVER__ALLOWED_REMOTES", &allowed)],
    );
    let tasks = format!("{}/v1/tasks", s.base);
    let send = |body: Value| http().post(&tasks).bearer_auth(&t).json(&body);
    let cases = [
        (
            json!({"prompt": "x", "repo": "https://example.invalid/org/repo.git"}),
            403,
            "repo_not_allowed",
        ),
        (
            json!({"prompt": "x", "repo": format!("file://{}/missing.git", remotes.path().display())}),
            422,
            "repo_unreachable",
        ),
        (
            json!({"prompt": "x", "repo": url, "base_branch": "no-such-branch"}),
            422,
            "unknown_base_branch",
        ),
        (
            json!({"prompt": "x", "repo": url, "constraints": {"guarded": true}}),
            422,
            "unsupported",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = call(send(body.clone())).await;
        assert_eq!(got, status, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let (_, not_allowed) = call(send(
        json!({"prompt": "x", "repo": "git@example.invalid:org/repo.git"}),
    ))
    .await;
    assert!(
        not_allowed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("[server] allowed_remotes"),
        "{not_allowed}"
    );
    let (_, list) = call(http().get(&tasks).bearer_auth(&t)).await;
    assert_eq!(
        list["payload"]["tasks"].as_array().unwrap().len(),
        0,
        "{list}"
    );
    // An allowed, readable URL is queued as it is.
    let (code, body) = call(send(json!({"prompt": "x", "repo": url}))).await;
    assert_eq!(code, 201, "{body}");
    s.stop();
}
