//! `--dry-run`: the whole run happens in a throwaway copy; the project stays byte-identical.

use chamber_mock_llm::MockServer;

use super::harness::{Project, hello_script, snapshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_leaves_the_tree_byte_identical_and_shows_plan_commands_and_diff() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let before = snapshot(p.path());
    let branches_before = p.branches();

    let out = p
        .run(&["run", "--dry-run", "--yes", "add a hello script"])
        .await;
    out.assert_code(0);

    let after = snapshot(p.path());
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "the dry run changed {changed:?}\n{}",
        out.dump()
    );
    assert!(!p.path().join(".chamber").exists());
    assert!(!p.path().join("hello.py").exists());
    assert_eq!(p.branches(), branches_before);

    let text = &out.stdout;
    assert!(text.contains("Plan: Add a hello script"), "{}", out.dump());
    assert!(
        text.contains("1. Create hello.py") && text.contains("2. Run hello.py"),
        "{text}"
    );
    assert!(text.contains("Commands run"), "{text}");
    assert!(text.contains("$ python3 hello.py   [exit 0]"), "{text}");
    let diff = &text[text
        .find("Diff:")
        .unwrap_or_else(|| panic!("no diff in\n{text}"))..];
    assert!(diff.contains("hello.py"), "{diff}");
    assert!(diff.contains("+print('hello')"), "{diff}");
    assert!(text.contains("dry run"), "{text}");

    // The run is still recorded, in the data dir instead of the project.
    let logs: Vec<_> = std::fs::read_dir(p.data_dir().join("runs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(logs.len(), 1);
    let log = std::fs::read_to_string(logs[0].path().join("events.jsonl")).unwrap();
    assert!(
        log.lines()
            .last()
            .unwrap()
            .contains(r#""type":"run_finished""#),
        "{log}"
    );

    // The shell ran for real, in the copy.
    let shell = super::harness::tool_text_with(&server.requests(), "exit_code: 0");
    assert!(shell.contains("hello"), "{shell}");
}
