//! The edit formats as tools: apply_patch, apply_diff, multi_edit, the
//! symbol edits, and the syntax check that guards all of them.

use std::path::Path;

use chamber_protocol::ToolStatus;
use chamber_tools::{EditFormat, Registry, ToolContext};
use serde_json::{Value, json};

use crate::{call, put};

async fn run_as(
    root: &Path,
    format: EditFormat,
    name: &str,
    args: Value,
) -> chamber_protocol::ToolResult {
    let reg = Registry::for_edit_format(format, true);
    let valid = reg
        .validate(&call(name, &args.to_string()))
        .expect("valid call");
    reg.execute(&valid, &ToolContext::new(root.to_path_buf()))
        .await
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

const LIB: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";

#[test]
fn each_format_offers_its_own_edit_tool() {
    let names = |f| Registry::for_edit_format(f, false).names().join(",");
    assert!(names(EditFormat::ApplyPatch).contains("apply_patch"));
    assert!(!names(EditFormat::ApplyPatch).contains("edit_file"));
    assert!(names(EditFormat::UnifiedDiff).contains("apply_diff"));
    assert!(names(EditFormat::SearchReplace).contains("multi_edit"));
    let whole = names(EditFormat::WholeFile);
    assert!(whole.contains("write_file") && !whole.contains("edit") && !whole.contains("apply"));
    assert!(!names(EditFormat::SearchReplace).contains("replace_symbol"));
    assert!("udiff".parse::<EditFormat>().is_ok() && "xml".parse::<EditFormat>().is_err());
}

#[tokio::test]
async fn apply_patch_changes_several_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "calc.py", LIB);
    put(dir.path(), "old.txt", "bye\n");
    let patch = "*** Begin Patch\n*** Update File: calc.py\n@@ def sub(a, b):\n-    return a - b\n+    return a - b  # difference\n*** Add File: notes/new.md\n+# Notes\n*** Delete File: old.txt\n*** End Patch\n";
    let r = run_as(
        dir.path(),
        EditFormat::ApplyPatch,
        "apply_patch",
        json!({"patch": patch}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert!(read(dir.path(), "calc.py").contains("return a - b  # difference"));
    assert_eq!(read(dir.path(), "notes/new.md"), "# Notes\n");
    assert!(!dir.path().join("old.txt").exists());
    assert_eq!(r.artifacts.len(), 3, "{r:?}");

    // The second hunk cannot match: the first file must not change either.
    let before = read(dir.path(), "calc.py");
    let patch = "*** Begin Patch\n*** Update File: calc.py\n@@\n-def add(a, b):\n+def add(a, b, c=0):\n*** Update File: notes/new.md\n@@\n-# Nothing like this\n+# x\n*** End Patch\n";
    let r = run_as(
        dir.path(),
        EditFormat::ApplyPatch,
        "apply_patch",
        json!({"patch": patch}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Error);
    let err = r.error.unwrap();
    assert!(
        err.contains("notes/new.md") && err.contains("Nothing was written"),
        "{err}"
    );
    assert_eq!(read(dir.path(), "calc.py"), before);
}

#[tokio::test]
async fn a_broken_patch_is_refused_at_validation_with_its_line() {
    let reg = Registry::for_edit_format(EditFormat::ApplyPatch, false);
    let err = reg
        .validate(&call(
            "apply_patch",
            &json!({"patch": "*** Begin Patch\n*** Frobnicate: x\n*** End Patch"}).to_string(),
        ))
        .unwrap_err();
    assert!(err.contains("apply_patch"), "{err}");
    assert!(err.to_lowercase().contains("line"), "{err}");
}

#[tokio::test]
async fn apply_diff_tolerates_wrong_line_numbers_and_whitespace() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "calc.py", LIB);
    let diff = "--- a/calc.py\n+++ b/calc.py\n@@ -40,2 +40,2 @@\n def sub(a, b):  \n-    return a - b\n+    return b - a\n";
    let r = run_as(
        dir.path(),
        EditFormat::UnifiedDiff,
        "apply_diff",
        json!({"diff": diff}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert!(read(dir.path(), "calc.py").ends_with("def sub(a, b):\n    return b - a\n"));
}

#[tokio::test]
async fn ambiguous_edits_are_refused_with_the_candidates() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "twice.py",
        "def f():\n    return 1\n\n\ndef g():\n    return 1\n",
    );
    let args = json!({"edits": [{"path": "twice.py", "old_string": "    return 1\n", "new_string": "    return 2\n"}]});
    let r = run_as(dir.path(), EditFormat::SearchReplace, "multi_edit", args).await;
    let err = r.error.unwrap();
    assert!(
        err.contains('2') && err.contains('6'),
        "candidates at lines 2 and 6: {err}"
    );
    assert_eq!(
        read(dir.path(), "twice.py"),
        "def f():\n    return 1\n\n\ndef g():\n    return 1\n"
    );
}

#[tokio::test]
async fn multi_edit_spans_files_atomically() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "a.py", "x = 1\n");
    put(dir.path(), "b.py", "y = 2\n");
    let args = json!({"edits": [
        {"path": "a.py", "old_string": "x = 1", "new_string": "x = 10"},
        {"path": "b.py", "old_string": "y = 2", "new_string": "y = 20"},
        {"path": "c.py", "old_string": "", "new_string": "z = 3\n"}
    ]});
    let r = run_as(dir.path(), EditFormat::SearchReplace, "multi_edit", args).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(
        (
            read(dir.path(), "a.py"),
            read(dir.path(), "b.py"),
            read(dir.path(), "c.py")
        ),
        ("x = 10\n".into(), "y = 20\n".into(), "z = 3\n".into())
    );
    let args = json!({"edits": [
        {"path": "a.py", "old_string": "x = 10", "new_string": "x = 11"},
        {"path": "b.py", "old_string": "nowhere", "new_string": "y = 21"}
    ]});
    let r = run_as(dir.path(), EditFormat::SearchReplace, "multi_edit", args).await;
    assert_eq!(r.status, ToolStatus::Error);
    assert_eq!(read(dir.path(), "a.py"), "x = 10\n", "all or nothing");
}

#[tokio::test]
async fn edits_that_break_syntax_are_refused_with_the_location() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "calc.py", LIB);
    let args =
        json!({"path": "calc.py", "old_string": "def sub(a, b):", "new_string": "def sub(a, b:"});
    let r = run_as(
        dir.path(),
        EditFormat::SearchReplace,
        "edit_file",
        args.clone(),
    )
    .await;
    let err = r.error.unwrap();
    assert!(err.contains("calc.py:5"), "{err}");
    assert_eq!(read(dir.path(), "calc.py"), LIB);
    let r = run_as(
        dir.path(),
        EditFormat::WholeFile,
        "write_file",
        json!({"path": "new.rs", "content": "fn main( {\n"}),
    )
    .await;
    assert!(r.error.unwrap().contains("new.rs"));
    assert!(!dir.path().join("new.rs").exists());
    // With the check off, the same edit goes through.
    let mut ctx = ToolContext::new(dir.path().to_path_buf());
    ctx.syntax_check = false;
    let reg = Registry::standard();
    let valid = reg.validate(&call("edit_file", &args.to_string())).unwrap();
    assert_eq!(reg.execute(&valid, &ctx).await.status, ToolStatus::Ok);
}

#[tokio::test]
async fn symbol_tools_edit_by_name() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "shapes.py",
        "class Square:\n    def area(self):\n        return self.s * self.s\n\n    def name(self):\n        return \"area\"\n",
    );
    let f = EditFormat::SearchReplace;
    let r = run_as(dir.path(), f, "replace_symbol", json!({"path": "shapes.py", "symbol": "Square.area", "new_code": "def area(self):\n    return self.s ** 2"})).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert!(read(dir.path(), "shapes.py").contains("        return self.s ** 2\n"));
    let r = run_as(dir.path(), f, "insert_after_symbol", json!({"path": "shapes.py", "symbol": "Square.area", "code": "def perimeter(self):\n    return 4 * self.s"})).await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    let r = run_as(
        dir.path(),
        f,
        "rename_symbol",
        json!({"path": "shapes.py", "old_name": "area", "new_name": "surface"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    let text = read(dir.path(), "shapes.py");
    assert!(
        text.contains("def surface(self)") && text.contains("return \"area\""),
        "strings untouched: {text}"
    );
    let r = run_as(
        dir.path(),
        f,
        "delete_symbol",
        json!({"path": "shapes.py", "symbol": "Square.perimeter"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert!(!read(dir.path(), "shapes.py").contains("perimeter"));
    let r = run_as(
        dir.path(),
        f,
        "delete_symbol",
        json!({"path": "shapes.py", "symbol": "Square.nme"}),
    )
    .await;
    assert!(
        r.error.unwrap().contains("Square.name"),
        "closest names suggested"
    );
    let r = run_as(
        dir.path(),
        f,
        "replace_symbol",
        json!({"path": "notes.txt", "symbol": "x", "new_code": "y"}),
    )
    .await;
    assert!(r.error.unwrap().contains("edit_file"));
}
