//! Checkpoints, per-call patches and `chamber undo`, in a git repository
//! (whole-tree checkpoints, shell changes included) and in a plain directory
//! (pre-images of tool writes).

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::harness::{Project, plan_turn, run_id, types};

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `payload` of a successful `--json` command.
#[track_caller]
fn payload(out: &super::harness::Run) -> Value {
    out.assert_code(0);
    out.envelope()["payload"].clone()
}

/// Step 1 writes a.txt; step 2 writes b.txt and runs a shell command that
/// changes a tracked file and creates an untracked one.
fn two_step_script() -> Vec<Turn> {
    vec![
        plan_turn(
            "Two files",
            &[("1", "Write a.txt"), ("2", "Write b.txt and touch things")],
        ),
        Turn::call("write_file", json!({"path": "a.txt", "content": "one\n"})),
        Turn::text("Wrote a.txt."),
        Turn::calls(vec![
            ("write_file", json!({"path": "b.txt", "content": "two\n"})),
            (
                "shell",
                json!({"command": "echo extra >> README.md && echo made > c.txt"}),
            ),
        ]),
        Turn::text("Wrote b.txt and ran the command."),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_run_records_patches_and_undo_restores_each_step() {
    let server = MockServer::start(two_step_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["run", "--yes", "--json", "two files"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\nextra\n"));

    // Events: a checkpoint per step, a patch per file-changing call.
    let kinds = types(&p.events_file(&id));
    assert_eq!(
        kinds.iter().filter(|k| *k == "checkpoint_created").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "patch_recorded").count(),
        2,
        "{kinds:?}"
    );

    // Two patches, newest first; each reverses cleanly on the final tree.
    let list = payload(&p.run(&["patch", "list", "--json"]).await);
    let patches = list["patches"].as_array().unwrap().clone();
    assert_eq!(patches.len(), 2, "{list}");
    assert_eq!(patches[0]["files"][0]["path"], "b.txt");
    assert_eq!(patches[1]["files"][0]["path"], "a.txt");
    for patch in &patches {
        assert_eq!(patch["run_id"], id.as_str());
        assert_eq!(patch["tool"], "write_file");
        let diff = format!(".chamber/patches/{}.diff", patch["id"].as_str().unwrap());
        p.git_ok(&["apply", "--check", "-R", &diff]);
    }
    let a = &patches[1];
    assert_eq!(a["step_id"], "1");
    assert!(a["call_id"].is_string(), "{a}");
    assert_eq!(a["files"][0]["before_sha256"], Value::Null);
    assert_eq!(a["files"][0]["after_sha256"], sha256("one\n").as_str());
    let meta: Value = serde_json::from_str(
        &p.read(&format!(
            ".chamber/patches/{}.json",
            a["id"].as_str().unwrap()
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(&meta, a);

    let shown = payload(
        &p.run(&["patch", "show", &a["id"].as_str().unwrap()[..6], "--json"])
            .await,
    );
    assert!(
        shown["diff"]
            .as_str()
            .unwrap()
            .contains("--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+one\n"),
        "{shown}"
    );
    let human = p.run(&["patch", "show", a["id"].as_str().unwrap()]).await;
    human.assert_code(0);
    assert!(human.stdout.contains("+one"), "{}", human.dump());

    // The run's patches combined into one, also reversible on the final tree.
    let created = payload(
        &p.run(&["patch", "create", "--from-run", &id[..8], "--json"])
            .await,
    );
    let path = created["path"].as_str().unwrap();
    p.git_ok(&["apply", "--check", "-R", path]);
    let combined = std::fs::read_to_string(path).unwrap();
    assert!(
        combined.contains("b/a.txt") && combined.contains("b/b.txt"),
        "{combined}"
    );

    // Undo needs confirmation without a terminal.
    let refused = p.run(&["undo", "--json"]).await;
    refused.assert_code(9);
    assert_eq!(refused.envelope()["error"]["code"], "needs_confirmation");
    assert!(p.path().join("b.txt").exists());

    // Back to before step 2: the shell's changes go too.
    let undone = payload(&p.run(&["undo", "--yes", "--json"]).await);
    assert_eq!(undone["undo"]["steps"], 1);
    assert_eq!(undone["undo"]["step_ids"], json!(["2"]));
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\n"));
    assert_eq!(p.read("a.txt").as_deref(), Some("one\n"));
    assert!(!p.path().join("b.txt").exists());
    assert!(!p.path().join("c.txt").exists());
    let files: Vec<&str> = undone["undo"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["README.md", "b.txt", "c.txt"]);
    assert!(
        undone["undo"]["commit"].is_string(),
        "the run committed: {undone}"
    );
    assert!(p.events_file(&id).iter().any(|e| e["type"] == "undone"));

    // Back to the start of the run.
    let human = p.run(&["undo", "--steps", "2", "--yes"]).await;
    human.assert_code(0);
    assert!(human.stdout.contains("removed  a.txt"), "{}", human.dump());
    assert!(
        human.stdout.contains("stays in history"),
        "{}",
        human.dump()
    );
    assert!(!p.path().join("a.txt").exists());
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\n"));
    // History is untouched: the run's commit still has the files.
    assert!(p.git_ok(&["show", "--stat", "HEAD"]).contains("a.txt"));

    // The undo was itself recorded as a patch; rolling it back redoes it.
    let last = payload(&p.run(&["patch", "list", "--json"]).await)["patches"][0].clone();
    assert_eq!(last["tool"], "undo");
    payload(
        &p.run(&["patch", "rollback", last["id"].as_str().unwrap(), "--json"])
            .await,
    );
    assert_eq!(p.read("a.txt").as_deref(), Some("one\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_directory_undo_restores_tool_written_files() {
    let server = MockServer::start(vec![
        plan_turn("Edit", &[("1", "Write a.txt"), ("2", "Change things")]),
        Turn::call("write_file", json!({"path": "a.txt", "content": "one\n"})),
        Turn::text("Wrote a.txt."),
        Turn::calls(vec![
            (
                "edit_file",
                json!({"path": "notes.txt", "old_string": "old", "new_string": "new"}),
            ),
            (
                "write_file",
                json!({"path": "a.txt", "content": "one\ntwo\n"}),
            ),
            ("delete_file", json!({"path": "gone.txt"})),
        ]),
        Turn::text("Changed things."),
    ])
    .await
    .unwrap();
    let p = Project::plain(&server.base_url());
    p.write("notes.txt", "old\n");
    p.write("gone.txt", "bye\n");
    let out = p.run(&["run", "--yes", "--json", "edit"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    assert_eq!(p.read("notes.txt").as_deref(), Some("new\n"));
    assert!(!p.path().join("gone.txt").exists());
    assert_eq!(
        p.events_file(&id)
            .iter()
            .filter(|e| e["type"] == "checkpoint_created" && e["checkpoint"]["kind"] == "files")
            .count(),
        2
    );

    let undone = payload(&p.run(&["undo", "--yes", "--json", "--run", &id[..8]]).await);
    assert_eq!(undone["undo"]["checkpoint"]["kind"], "files");
    assert_eq!(p.read("notes.txt").as_deref(), Some("old\n"));
    assert_eq!(p.read("a.txt").as_deref(), Some("one\n"));
    assert_eq!(p.read("gone.txt").as_deref(), Some("bye\n"));

    let out = p.run(&["undo", "--steps", "5", "--yes"]).await;
    out.assert_code(0);
    assert!(
        out.stdout.contains("shell commands are not"),
        "{}",
        out.dump()
    );
    assert!(!p.path().join("a.txt").exists());
    assert_eq!(p.read("notes.txt").as_deref(), Some("old\n"));
}

/// After a completed run the person edits a file the run never touched and creates
/// another: undo takes back only the run's own changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_leaves_files_the_run_never_touched_alone() {
    let server = MockServer::start(two_step_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    p.write("notes.md", "mine\n");
    p.git_ok(&["add", "notes.md"]);
    p.git_ok(&["commit", "-q", "-m", "notes"]);
    let out = p.run(&["run", "--yes", "--json", "two files"]).await;
    out.assert_code(0);

    p.write("notes.md", "mine, edited after the run\n");
    p.write("mywork.txt", "my own work\n");
    let undone = payload(&p.run(&["undo", "--steps", "2", "--yes", "--json"]).await);
    let files: Vec<&str> = undone["undo"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        !files.contains(&"notes.md") && !files.contains(&"mywork.txt"),
        "{files:?}"
    );
    assert_eq!(
        p.read("notes.md").as_deref(),
        Some("mine, edited after the run\n")
    );
    assert_eq!(p.read("mywork.txt").as_deref(), Some("my own work\n"));
    // The run's own work, commands' included, is gone.
    assert!(!p.path().join("a.txt").exists());
    assert!(!p.path().join("b.txt").exists());
    assert!(!p.path().join("c.txt").exists());
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\n"));
}

/// A file the run changed and the person changed again: separate edits merge; overlapping
/// ones refuse the whole undo, naming the file, and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_merges_or_refuses_when_a_run_file_changed_since() {
    let script = || {
        vec![
            plan_turn("Edit", &[("1", "Edit list.txt")]),
            Turn::call(
                "edit_file",
                json!({"path": "list.txt", "old_string": "b\n", "new_string": "B by the run\n"}),
            ),
            Turn::text("Edited."),
        ]
    };
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    p.write("list.txt", "a\nb\nc\nd\ne\nf\ng\n");
    p.git_ok(&["add", "list.txt"]);
    p.git_ok(&["commit", "-q", "-m", "list"]);
    p.run(&["run", "--yes", "edit"]).await.assert_code(0);

    // Overlapping: the person rewrote the run's line.
    p.write("list.txt", "a\nB, then mine\nc\nd\ne\nf\ng\n");
    let out = p.run(&["undo", "--yes", "--json"]).await;
    assert_ne!(out.code, 0, "{}", out.dump());
    let message = out.envelope()["error"]["message"].to_string();
    assert!(message.contains("list.txt"), "{message}");
    assert_eq!(
        p.read("list.txt").as_deref(),
        Some("a\nB, then mine\nc\nd\ne\nf\ng\n")
    );

    // Separate: the person changed another line; the run's line goes back, theirs stays.
    p.write("list.txt", "a\nB by the run\nc\nd\ne\nf\nG mine\n");
    payload(&p.run(&["undo", "--yes", "--json"]).await);
    assert_eq!(
        p.read("list.txt").as_deref(),
        Some("a\nb\nc\nd\ne\nf\nG mine\n")
    );
}
