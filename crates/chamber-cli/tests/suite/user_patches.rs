//! `chamber patch create | apply | rollback` on real git repositories:
//! all-or-nothing application, clean rollbacks, 3-way merged rollbacks and
//! refused ones.

use serde_json::Value;

use super::harness::{NO_MODEL, Project, Run};

#[track_caller]
fn payload(out: &Run) -> Value {
    out.assert_code(0);
    out.envelope()["payload"].clone()
}

fn ten_lines() -> String {
    (1..=10).map(|n| format!("line {n}\n")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_patch_applies_to_a_fresh_copy_and_rolls_back() {
    let p = Project::git(NO_MODEL);
    p.write("README.md", "# demo\nmore\n");
    p.write("dir/new.txt", "new\n");
    let created = payload(&p.run(&["patch", "create", "--json"]).await);
    let path = created["path"].as_str().unwrap().to_string();
    assert!(path.ends_with(".diff"), "{created}");
    assert_eq!(created["patch"]["tool"], "patch create");
    let diff = std::fs::read_to_string(&path).unwrap();
    assert!(
        diff.contains("+more\n") && diff.contains("+++ b/dir/new.txt"),
        "{diff}"
    );

    let q = Project::git(NO_MODEL);
    // A patch that does not fit changes nothing.
    q.write("dir/new.txt", "already here\n");
    let refused = q.run(&["patch", "apply", &path, "--json"]).await;
    refused.assert_code(9);
    assert_eq!(refused.envelope()["error"]["code"], "patch_does_not_apply");
    assert_eq!(q.read("README.md").as_deref(), Some("# demo\n"));
    std::fs::remove_file(q.path().join("dir/new.txt")).unwrap();

    let applied = payload(&q.run(&["patch", "apply", &path, "--json"]).await);
    assert_eq!(q.read("README.md").as_deref(), Some("# demo\nmore\n"));
    assert_eq!(q.read("dir/new.txt").as_deref(), Some("new\n"));
    let id = applied["patch"]["id"].as_str().unwrap().to_string();
    assert_eq!(applied["patch"]["tool"], "patch apply");

    let rolled = payload(&q.run(&["patch", "rollback", &id, "--json"]).await);
    assert_eq!(rolled["rolled_back"], id.as_str());
    assert_eq!(q.read("README.md").as_deref(), Some("# demo\n"));
    assert!(!q.path().join("dir").exists());
    assert_eq!(
        q.git_ok(&["status", "--porcelain", "--", ".", ":!.chamber"]),
        ""
    );

    let missing = q.run(&["patch", "show", "ffffffffffff", "--json"]).await;
    missing.assert_code(8);
    assert_eq!(missing.envelope()["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_merges_unrelated_edits_and_refuses_conflicts() {
    let p = Project::git(NO_MODEL);
    p.write("f.txt", &ten_lines());
    p.write("g.txt", &ten_lines());
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "files"]);
    let create = |file: &'static str| {
        let p = &p;
        async move {
            p.write(file, &ten_lines().replace("line 2\n", "LINE TWO\n"));
            let out = payload(&p.run(&["patch", "create", "--json"]).await);
            p.git_ok(&["commit", "-q", "-am", file]);
            out["patch"]["id"].as_str().unwrap().to_string()
        }
    };
    let f_patch = create("f.txt").await;
    let g_patch = create("g.txt").await;

    // An edit elsewhere in the file is kept; the patch's change is undone.
    p.write(
        "f.txt",
        &ten_lines()
            .replace("line 2\n", "LINE TWO\n")
            .replace("line 9\n", "nine\n"),
    );
    payload(&p.run(&["patch", "rollback", &f_patch, "--json"]).await);
    assert_eq!(
        p.read("f.txt").unwrap(),
        ten_lines().replace("line 9\n", "nine\n")
    );

    // An edit of the same line conflicts: refused, listed, nothing written.
    let edited = ten_lines().replace("line 2\n", "deux\n");
    p.write("g.txt", &edited);
    let out = p.run(&["patch", "rollback", &g_patch, "--json"]).await;
    out.assert_code(9);
    let err = &out.envelope()["error"];
    assert_eq!(err["code"], "conflict", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("g.txt") && message.contains("<<<<<<<"),
        "{message}"
    );
    assert!(
        message.contains("deux") && message.contains("line 2"),
        "{message}"
    );
    assert_eq!(p.read("g.txt").unwrap(), edited);
    let human = p.run(&["patch", "rollback", &g_patch]).await;
    human.assert_code(9);
    assert!(
        human.stderr.contains("conflicts in g.txt"),
        "{}",
        human.dump()
    );

    // A file the patch produced is gone: refused clearly.
    std::fs::remove_file(p.path().join("g.txt")).unwrap();
    let out = p.run(&["patch", "rollback", &g_patch, "--json"]).await;
    out.assert_code(9);
    assert_eq!(out.envelope()["error"]["code"], "file_missing");
    assert!(
        out.envelope()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("g.txt")
    );
}
