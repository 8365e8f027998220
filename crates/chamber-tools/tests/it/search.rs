use chamber_protocol::ToolStatus;
use serde_json::json;

use crate::{put, run};

#[tokio::test]
async fn search_finds_matches_filtered_by_glob() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), ".gitignore", "build/\n");
    put(dir.path(), "app.py", "import os\ndef main():\n    pass\n");
    put(dir.path(), "lib/util.py", "def main_helper():\n    pass\n");
    put(dir.path(), "notes.md", "def main in docs\n");
    put(dir.path(), "build/gen.py", "def main():\n");
    let r = run(
        dir.path(),
        "search",
        json!({"pattern": "def main", "glob": "*.py"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(
        r.stdout,
        "app.py:2: def main():\nlib/util.py:1: def main_helper():\n"
    );
    let r = run(
        dir.path(),
        "search",
        json!({"pattern": "def main", "path": "lib"}),
    )
    .await;
    assert_eq!(r.stdout, "lib/util.py:1: def main_helper():\n");
}

#[tokio::test]
async fn search_limits_results_and_reports_no_matches() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.txt", &"hit\n".repeat(10));
    let r = run(
        dir.path(),
        "search",
        json!({"pattern": "hit", "max_results": 3}),
    )
    .await;
    assert_eq!(
        r.stdout.lines().filter(|l| l.starts_with("a.txt:")).count(),
        3
    );
    assert!(r.stdout.contains("stopped after 3 matches"));
    let r = run(dir.path(), "search", json!({"pattern": "absent"})).await;
    assert_eq!(r.status, ToolStatus::Ok);
    assert!(r.stdout.starts_with("no matches"));
}

#[tokio::test]
async fn invalid_regex_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "search", json!({"pattern": "fn main("})).await;
    assert_eq!(r.status, ToolStatus::Error);
    let err = r.error.unwrap();
    assert!(err.starts_with("invalid regex \"fn main(\": "), "{err}");
    assert!(err.contains("unclosed group"), "{err}");
}
