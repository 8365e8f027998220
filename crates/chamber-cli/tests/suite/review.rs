//! `chamber review` on a real git repository: secrets, debug leftovers and
//! TODOs found by the static checks, the scripted model's line comment
//! merged in (and one outside the diff dropped), `--no-model` making no
//! request, a clean change passing, and a diff file as input.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, contents};

const KEY: &str = "AKIAZ4XQ7LMN2PRT5VWA";

/// A repository whose working tree adds a fake AWS key, a `dbg!` and a TODO
/// to src/lib.rs.
fn risky_change(base_url: &str) -> Project {
    let p = Project::git(base_url);
    p.write("src/lib.rs", "pub fn f() -> u32 {\n    1\n}\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "lib"]);
    p.write(
        "src/lib.rs",
        &format!(
            "pub const AWS_KEY: &str = \"{KEY}\";\npub fn f() -> u32 {{\n    // TODO: the real value\n    dbg!(1)\n}}\n"
        ),
    );
    p
}

/// `(check, file, line)` of each finding.
fn found(payload: &Value) -> Vec<(String, String, Option<u64>)> {
    payload["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["check"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

fn has(payload: &Value, check: &str, line: Option<u64>) -> bool {
    found(payload)
        .iter()
        .any(|(c, f, l)| c == check && f == "src/lib.rs" && *l == line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_and_model_comments_give_exit_14() {
    let answer = json!({"comments": [
        {"file": "src/lib.rs", "line": 4, "severity": "warning", "comment": "f returns the value of a dbg! call"},
        {"file": "src/other.rs", "line": 1, "severity": "error", "comment": "not in the diff"}
    ]});
    let server = MockServer::start(vec![Turn::text(answer.to_string())])
        .await
        .unwrap();
    let p = risky_change(&server.base_url());
    let out = p.run(&["review", "--json"]).await;
    out.assert_code(14);
    assert!(
        !out.stdout.contains(&KEY[4..]),
        "secret leaked\n{}",
        out.dump()
    );
    let env = out.envelope();
    let payload = &env["payload"];
    assert!(has(payload, "secrets", Some(1)), "{payload:#}");
    assert!(has(payload, "todo", Some(3)), "{payload:#}");
    assert!(has(payload, "debug", Some(4)), "{payload:#}");
    assert!(has(payload, "model", Some(4)), "{payload:#}");
    assert!(has(payload, "tests", None), "{payload:#}");
    let secret = &payload["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "secrets")
        .unwrap()["message"];
    assert!(
        secret
            .as_str()
            .unwrap()
            .contains("AWS access key id (AKIA…(20 chars))"),
        "{secret}"
    );
    assert_eq!(payload["counts"]["error"], 1, "{payload:#}");
    assert_eq!(payload["model"]["ran"], true);
    assert_eq!(payload["model"]["dropped"], 1);

    // One request, constrained to the comments schema, the key redacted.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0].body;
    assert_eq!(
        body["response_format"]["json_schema"]["name"], "review_comments",
        "{body:#}"
    );
    let user = contents(&requests[0], "user").join("\n");
    assert!(
        user.contains("dbg!(1)") && !user.contains(&KEY[4..]),
        "{user}"
    );

    // Text output groups by file with file:line [severity] check: message.
    let server2 = MockServer::start(vec![Turn::text(r#"{"comments": []}"#)])
        .await
        .unwrap();
    let p2 = risky_change(&server2.base_url());
    let out = p2.run(&["review"]).await;
    out.assert_code(14);
    assert!(
        out.stdout
            .contains("src/lib.rs:1 [error] secrets: possible AWS access key id"),
        "{}",
        out.dump()
    );
    assert!(
        out.stdout.contains("src/lib.rs:4 [warning] debug:"),
        "{}",
        out.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_model_makes_no_request() {
    let server = MockServer::start(Vec::new()).await.unwrap();
    let p = risky_change(&server.base_url());
    let out = p.run(&["review", "--no-model", "--json"]).await;
    out.assert_code(14);
    let payload = &out.envelope()["payload"];
    assert!(has(payload, "secrets", Some(1)), "{payload:#}");
    assert_eq!(payload["model"]["ran"], false);
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_change_passes_and_unreachable_model_is_a_note() {
    let server = MockServer::start(vec![Turn::text(r#"{"comments": []}"#)])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("README.md", "# demo\n\nMore words.\n");
    let out = p.run(&["review", "--json"]).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["findings"], json!([]), "{payload:#}");
    assert_eq!(payload["model"]["ran"], true);

    // Staged changes, with a model that cannot be reached: static checks
    // still run, with a note.
    let p = Project::git(super::harness::NO_MODEL);
    p.write("notes.txt", "hello\n");
    p.git_ok(&["add", "notes.txt"]);
    let out = p
        .run_env(
            &["review", "--staged", "--json"],
            &[("CHAMBER_PROVIDER__MAX_RETRIES", "0")],
        )
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["files"], 1, "{payload:#}");
    assert_eq!(payload["model"]["ran"], false, "{payload:#}");
    assert!(
        payload["model"]["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("model review failed")),
        "{payload:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_a_diff_file() {
    let p = Project::plain(super::harness::NO_MODEL);
    p.write(
        "change.diff",
        "--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: push\n+on: [push, pull_request]\n",
    );
    let out = p
        .run(&["review", "change.diff", "--no-model", "--json"])
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    let f = &payload["findings"][0];
    assert_eq!(f["check"], "protected-path", "{payload:#}");
    assert_eq!(f["file"], ".github/workflows/ci.yml");
    assert_eq!(f["severity"], "warning");
}

/// Issue 15, defect 2: an untracked file used to make `git diff --no-index`
/// fail (`--no-ext-diff` came after the paths), so the review printed git's
/// usage text. Now the new file is reviewed like any change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untracked_files_are_reviewed() {
    let p = Project::git(super::harness::NO_MODEL);
    p.write("src/new.rs", "pub fn g() {\n    dbg!(2);\n}\n");
    let out = p.run(&["review", "--no-model", "--json"]).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["files"], 1, "{payload:#}");
    assert_eq!(payload["added"], 3, "{payload:#}");
    assert!(
        found(payload)
            .iter()
            .any(|(c, f, l)| c == "debug" && f == "src/new.rs" && *l == Some(2)),
        "{payload:#}"
    );
    let human = p.run(&["review", "--no-model"]).await;
    human.assert_code(0);
    assert!(
        !human.stderr.contains("usage:") && human.stdout.contains("src/new.rs"),
        "{}",
        human.dump()
    );
}
