use chamber_protocol::ToolStatus;
use serde_json::json;

use crate::{put, run};

#[tokio::test]
async fn edit_replaces_a_unique_match() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.py", "def f():\n    return 1\n");
    let args = json!({"path": "a.py", "old_string": "return 1", "new_string": "return 2"});
    let r = run(dir.path(), "edit_file", args).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(r.artifacts, vec!["a.py"]);
    assert_eq!(
        r.stdout,
        "edited a.py: replaced 1 occurrence (now at line 2)"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        "def f():\n    return 2\n"
    );
}

#[tokio::test]
async fn ambiguous_match_lists_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.py", "x = 1\ny = 2\nx = 1\n\nx = 1\n");
    let r = run(
        dir.path(),
        "edit_file",
        json!({"path": "a.py", "old_string": "x = 1", "new_string": "x = 3"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Error);
    let err = r.error.unwrap();
    assert!(err.contains("matches 3 times"), "{err}");
    assert!(err.contains("lines 1, 3, 5"), "{err}");
    assert!(err.contains("replace_all"), "{err}");
    let args =
        json!({"path": "a.py", "old_string": "x = 1", "new_string": "x = 3", "replace_all": true});
    let r = run(dir.path(), "edit_file", args).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert!(r.stdout.contains("replaced 3 occurrences"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        "x = 3\ny = 2\nx = 3\n\nx = 3\n"
    );
}

#[tokio::test]
async fn drifted_text_is_found_by_the_cascade_and_missing_text_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "a.py",
        "class A:\n    def f(self):\n        return 1\n",
    );
    // Indentation differs from the file: the cascade finds the one place
    // and re-indents the replacement to fit.
    let args = json!({"path": "a.py", "old_string": "def f(self):\n    return 1", "new_string": "def f(self):\n    return 2"});
    let r = run(dir.path(), "edit_file", args).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        "class A:\n    def f(self):\n        return 2\n"
    );
    // Nothing like it: refused, with the closest region of the file shown.
    let args = json!({"path": "a.py", "old_string": "def g():\n  pass", "new_string": "x"});
    let err = run(dir.path(), "edit_file", args).await.error.unwrap();
    assert!(err.contains("a.py"), "{err}");
    assert!(err.contains("Nothing was written"), "{err}");
    let args = json!({"path": "missing.py", "old_string": "a", "new_string": "b"});
    let err = run(dir.path(), "edit_file", args).await.error.unwrap();
    assert!(err.contains("does not exist"), "{err}");
}
