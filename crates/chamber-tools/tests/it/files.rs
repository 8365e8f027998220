use std::os::unix::fs::{PermissionsExt, symlink};

use chamber_protocol::ToolStatus;
use serde_json::json;

use crate::{put, run};

#[tokio::test]
async fn read_file_numbers_lines_and_honours_ranges() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.txt", "one\ntwo\nthree\n");
    let r = run(dir.path(), "read_file", json!({"path": "a.txt"})).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(r.stdout, "     1\tone\n     2\ttwo\n     3\tthree\n");
    assert_eq!(
        r.cwd,
        dir.path().canonicalize().unwrap().display().to_string()
    );
    let r = run(
        dir.path(),
        "read_file",
        json!({"path": "a.txt", "start_line": 2, "end_line": 2}),
    )
    .await;
    assert_eq!(r.stdout, "     2\ttwo\n");
    let r = run(
        dir.path(),
        "read_file",
        json!({"path": "a.txt", "start_line": 9}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Error);
    assert!(r.error.unwrap().contains("has 3 lines"));
}

#[tokio::test]
async fn read_file_caps_long_files_and_says_how_to_continue() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (1..=2500).map(|i| format!("line {i}\n")).collect();
    put(dir.path(), "big.txt", &text);
    let r = run(dir.path(), "read_file", json!({"path": "big.txt"})).await;
    assert!(r.stdout.contains("  2000\tline 2000\n"));
    assert!(!r.stdout.contains("line 2001\n"));
    assert!(r.stdout.contains("start_line=2001"), "{}", r.stdout);
}

#[tokio::test]
async fn read_file_errors_are_actionable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("bin.dat"), [0u8, 1, 2, 3]).unwrap();
    let r = run(dir.path(), "read_file", json!({"path": "nope.txt"})).await;
    assert_eq!(r.status, ToolStatus::Error);
    assert!(r.error.as_deref().unwrap().contains("list_files"), "{r:?}");
    let r = run(dir.path(), "read_file", json!({"path": "sub"})).await;
    assert!(
        r.error.as_deref().unwrap().contains("is a directory"),
        "{r:?}"
    );
    let r = run(dir.path(), "read_file", json!({"path": "bin.dat"})).await;
    assert!(r.error.as_deref().unwrap().contains("binary file"), "{r:?}");
}

#[tokio::test]
async fn escapes_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("ws");
    std::fs::create_dir(&root).unwrap();
    put(outer.path(), "secret.txt", "s3cret");
    symlink(outer.path(), root.join("up")).unwrap();
    symlink(outer.path().join("secret.txt"), root.join("link.txt")).unwrap();
    let abs = outer.path().join("secret.txt").display().to_string();
    for (tool, path) in [
        ("read_file", "../secret.txt"),
        ("read_file", abs.as_str()),
        ("read_file", "up/secret.txt"),
        ("read_file", "link.txt"),
        ("write_file", "up/new.txt"),
        ("write_file", "../new.txt"),
        ("delete_file", "up/secret.txt"),
    ] {
        let args = if tool == "write_file" {
            json!({"path": path, "content": "x"})
        } else {
            json!({"path": path})
        };
        let r = run(&root, tool, args).await;
        assert_eq!(r.status, ToolStatus::Error, "{tool} {path}: {r:?}");
        assert_eq!(
            r.error.unwrap(),
            format!("path \"{path}\" is outside the workspace")
        );
    }
    let r = run(&root, "shell", json!({"command": "pwd", "cwd": "../"})).await;
    assert!(r.error.unwrap().contains("outside the workspace"));
    assert!(!outer.path().join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(outer.path().join("secret.txt")).unwrap(),
        "s3cret"
    );
}

#[tokio::test]
async fn write_file_is_atomic_creates_parents_and_keeps_mode() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        dir.path(),
        "write_file",
        json!({"path": "src/a.py", "content": "a\nb\nc\n"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(r.stdout, "wrote src/a.py (3 lines, 6 bytes)");
    assert_eq!(r.artifacts, vec!["src/a.py"]);
    let path = dir.path().join("src/a.py");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let abs = path.display().to_string();
    let r = run(
        dir.path(),
        "write_file",
        json!({"path": abs, "content": "new"}),
    )
    .await;
    assert_eq!(
        r.artifacts,
        vec!["src/a.py"],
        "absolute paths inside are fine"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let r = run(
        dir.path(),
        "write_file",
        json!({"path": "src", "content": "x"}),
    )
    .await;
    assert!(r.error.unwrap().contains("is a directory"));
}

#[tokio::test]
async fn delete_file_removes_files_only() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "d/x.txt", "x");
    let r = run(dir.path(), "delete_file", json!({"path": "d"})).await;
    assert!(r.error.unwrap().contains("is a directory"));
    let r = run(dir.path(), "delete_file", json!({"path": "d/x.txt"})).await;
    assert_eq!(r.status, ToolStatus::Ok);
    assert_eq!(r.artifacts, vec!["d/x.txt"]);
    assert!(!dir.path().join("d/x.txt").exists());
    let r = run(dir.path(), "delete_file", json!({"path": "d/x.txt"})).await;
    assert!(r.error.unwrap().contains("does not exist"));
}

#[tokio::test]
async fn list_files_renders_a_tree_and_honours_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), ".gitignore", "target/\n*.log\n");
    put(dir.path(), "src/main.rs", "");
    put(dir.path(), "src/util/mod.rs", "");
    put(dir.path(), "target/debug/app", "");
    put(dir.path(), "run.log", "");
    put(dir.path(), ".env.example", "");
    put(dir.path(), ".git/HEAD", "");
    let r = run(dir.path(), "list_files", json!({})).await;
    assert_eq!(r.status, ToolStatus::Ok);
    assert_eq!(
        r.stdout,
        "./\n  .env.example\n  .gitignore\n  src/\n    main.rs\n    util/\n      mod.rs\n"
    );
    let r = run(
        dir.path(),
        "list_files",
        json!({"path": "src", "max_depth": 1}),
    )
    .await;
    assert_eq!(r.stdout, "src/\n  main.rs\n  util/\n");
}

#[tokio::test]
async fn list_files_caps_huge_directories() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..600 {
        put(dir.path(), &format!("f{i:03}.txt"), "");
    }
    let r = run(dir.path(), "list_files", json!({})).await;
    assert_eq!(r.stdout.lines().count(), 502, "header, 500 entries, note");
    assert!(r.stdout.contains("listing stopped at 500 entries"));
}

#[tokio::test]
async fn write_file_strips_a_whole_file_fence_and_refuses_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        dir.path(),
        "write_file",
        json!({"path": "calc.py", "content": "```python\ndef add(a, b):\n    return a + b\n```"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    let text = std::fs::read_to_string(dir.path().join("calc.py")).unwrap();
    assert_eq!(text, "def add(a, b):\n    return a + b\n");
    let r = run(
        dir.path(),
        "write_file",
        json!({"path": "calc.py", "content": text}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Error, "{r:?}");
    assert!(r.error.unwrap().contains("nothing changed"));
}
