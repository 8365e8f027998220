//! The learning loop: `.chamber/playbook.md` gets the test command that
//! passed and the files a completed run changed, never twice and never from
//! a failed run, stays within its cap without losing hand-written lines, and
//! goes into the next run's context.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, contents, first_of, plan_turn, run_id};

const PLAYBOOK: &str = ".chamber/playbook.md";

/// The test command the scripted model runs (it passes: one trivial test).
const TESTS: &str = "python3 -m unittest -q";

/// A git project with one passing unittest.
fn project_with_tests(base_url: &str) -> Project {
    let p = Project::git(base_url);
    p.write(
        "test_ok.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertTrue(True)\n",
    );
    p.git_ok(&["add", "test_ok.py"]);
    p.git_ok(&["commit", "-q", "-m", "tests"]);
    p
}

/// One run's answers: plan, write `path`, run `command`, summarise.
fn run_script(title: &str, path: &str, command: &str) -> Vec<Turn> {
    vec![
        plan_turn(title, &[("1", "Write the code and run the tests")]),
        Turn::call(
            "write_file",
            json!({"path": path, "content": format!("# {title}\n")}),
        ),
        Turn::call("shell", json!({"command": command})),
        Turn::text("Written; the tests pass."),
    ]
}

/// The instruction files a run's `context_built` event lists.
async fn listed(p: &Project, id: &str) -> Vec<String> {
    let (_, events) = p.show(id).await;
    first_of(&events, "context_built")["instruction_files"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_run_appends_once_and_the_next_run_reads_it() {
    let mut script = run_script("Add greet", "greet.py", TESTS);
    script.extend(run_script("Change greet", "greet.py", TESTS));
    // The third run runs another passing test command but fails: with one
    // turn per step and no re-plan, the step never finishes.
    script.push(plan_turn("Add more", &[("1", "Add more and test")]));
    script.push(Turn::calls(vec![
        (
            "write_file",
            json!({"path": "more.py", "content": "x = 1\n"}),
        ),
        ("shell", json!({"command": "python3 -m unittest -v"})),
    ]));
    let server = MockServer::start(script).await.unwrap();
    let p = project_with_tests(&server.base_url());

    // 1. The first run learns the test command and the file it changed.
    let out = p.run(&["run", "--yes", "--json", "add greet"]).await;
    out.assert_code(0);
    let first = run_id(&out.envelope());
    let text = p.read(PLAYBOOK).expect("the playbook is written");
    let tests_at = text.find("## Test command").expect(&text);
    let command_at = text
        .find(&format!("- `{TESTS}` (passed in run "))
        .expect(&text);
    let files_at = text.find("## Files that matter").expect(&text);
    let file_at = text
        .find("- `greet.py` (changed for “Add greet”")
        .expect(&text);
    assert!(
        tests_at < command_at && command_at < files_at && files_at < file_at,
        "{text}"
    );
    assert!(text.contains("<!-- chamber "), "{text}");
    assert!(!text.contains("test_ok.py"), "only changed files: {text}");
    assert!(!listed(&p, &first).await.contains(&PLAYBOOK.to_string()));
    // A file for people to review and commit: not ignored, not committed by the run.
    let status = p.git_ok(&[
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        PLAYBOOK,
    ]);
    assert_eq!(status, format!("?? {PLAYBOOK}"));
    let stat = p.git_ok(&["show", "--stat", "--format=", "HEAD"]);
    assert!(!stat.contains("playbook"), "{stat}");

    // 2. The second run reads it and adds nothing it already says.
    let out = p.run(&["run", "--yes", "--json", "change greet"]).await;
    out.assert_code(0);
    let second = run_id(&out.envelope());
    assert!(
        listed(&p, &second).await.contains(&PLAYBOOK.to_string()),
        "context_built lists the playbook"
    );
    let plan_request = &server.requests()[4];
    let sent = contents(plan_request, "user").join("\n");
    assert!(
        sent.contains(PLAYBOOK)
            && sent.contains(&format!("`{TESTS}` (passed in run {}", &first[..8])),
        "the playbook is in the next run's request: {sent}"
    );
    assert_eq!(
        p.read(PLAYBOOK).as_deref(),
        Some(text.as_str()),
        "nothing new"
    );

    // 3. A failed run teaches nothing.
    let out = p
        .run_env(
            &["run", "--yes", "--json", "--max-turns", "1", "add more"],
            &[("CHAMBER_AGENT__MAX_REPLANS", "0")],
        )
        .await;
    assert_eq!(
        out.envelope()["payload"]["status"],
        "failed",
        "{}",
        out.dump()
    );
    assert_eq!(server.remaining(), 0);
    assert_eq!(p.read(PLAYBOOK).as_deref(), Some(text.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_drops_the_oldest_chamber_entries_and_keeps_hand_lines() {
    let mut script = run_script("Add greet", "greet.py", TESTS);
    script.extend(run_script("Add wave", "wave.py", "true"));
    let server = MockServer::start(script).await.unwrap();
    let p = project_with_tests(&server.base_url());
    let mut old = String::from("# Playbook\n\nHand: run the linter before committing.\n\n");
    old.push_str("## Test command\n- `make check` (hand-written, keep)\n\n## Files that matter\n");
    for month in 1..=9 {
        old.push_str(&format!(
            "- `old/file{month}.py` (changed for “Old”, run 0000000{month}) <!-- chamber 2020-0{month}-01T00:00:00Z -->\n"
        ));
    }
    old.push_str("\n## Conventions\n- Hand: tabs in Makefiles.\n");
    p.write(PLAYBOOK, &old);
    let cap = old.len() + 40;

    let cap_env = cap.to_string();
    let env = [("CHAMBER_AGENT__PLAYBOOK_MAX_BYTES", cap_env.as_str())];
    let out = p
        .run_env(&["run", "--yes", "--json", "add greet"], &env)
        .await;
    out.assert_code(0);
    let text = p.read(PLAYBOOK).unwrap();
    assert!(text.len() <= cap, "{} > {cap}: {text}", text.len());
    for hand in [
        "Hand: run the linter before committing.",
        "- `make check` (hand-written, keep)",
        "- Hand: tabs in Makefiles.",
        "## Conventions",
    ] {
        assert!(text.contains(hand), "{hand:?} was dropped: {text}");
    }
    assert!(
        text.contains(&format!("`{TESTS}`")) && text.contains("`greet.py`"),
        "{text}"
    );
    assert!(
        !text.contains("old/file1.py"),
        "the oldest goes first: {text}"
    );
    assert!(text.contains("old/file9.py"), "the newest stays: {text}");

    // `[agent] playbook = false`: not read, not written.
    let out = p
        .run_env(
            &["run", "--yes", "--json", "add wave"],
            &[("CHAMBER_AGENT__PLAYBOOK", "false")],
        )
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    assert!(!listed(&p, &id).await.contains(&PLAYBOOK.to_string()));
    assert_eq!(p.read(PLAYBOOK), Some(text));
}
