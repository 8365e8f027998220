#![allow(clippy::unwrap_used)]

use std::fs;

use super::*;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

fn apply(root: &Path, diff: &str) -> Result<(), EditError> {
    plan_unified_diff(root, diff)?.apply(root)
}

fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).unwrap()
}

const TEN: &str = "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\n";

#[test]
fn wrong_line_numbers_and_counts_do_not_matter() {
    let dir = tree(&[("f.txt", TEN)]);
    apply(
        dir.path(),
        "--- a/f.txt\n+++ b/f.txt\n@@ -40,7 +40,9 @@\n l4\n-l5\n+five\n l6\n",
    )
    .unwrap();
    assert_eq!(read(dir.path(), "f.txt"), TEN.replace("l5\n", "five\n"));
}

#[test]
fn hunks_located_independently_and_applied_bottom_up() {
    let dir = tree(&[("f.txt", TEN)]);
    let diff = "--- f.txt\n+++ f.txt\n@@ -8,3 +8,3 @@\n l7\n-l8\n+eight\n l9\n@@ -1,3 +1,4 @@\n l1\n+one-and-a-half\n l2\n l3\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(
        read(dir.path(), "f.txt"),
        "l1\none-and-a-half\nl2\nl3\nl4\nl5\nl6\nl7\neight\nl9\nl10\n"
    );
}

#[test]
fn invented_context_is_fuzzed_away() {
    let dir = tree(&[("f.txt", TEN)]);
    let diff = "--- f.txt\n+++ f.txt\n@@ -3,5 +3,5 @@\n not in file\n l4\n-l5\n+five\n l6\n also invented\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(read(dir.path(), "f.txt"), TEN.replace("l5\n", "five\n"));
}

#[test]
fn whitespace_drift_and_crlf() {
    let dir = tree(&[("w.py", "def f():\r\n    x = 1  \r\n    return x\r\n")]);
    let diff =
        "--- a/w.py\n+++ b/w.py\n@@ -1,3 +1,3 @@\n def f():\n-  x = 1\n+  x = 2\n   return x\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(
        read(dir.path(), "w.py"),
        "def f():\r\n    x = 2\r\n    return x\r\n"
    );
}

#[test]
fn hint_breaks_a_tie_between_identical_blocks() {
    let text = "a\nb\nc\nx\na\nb\nc\n";
    let dir = tree(&[("t.txt", text)]);
    apply(
        dir.path(),
        "--- t.txt\n+++ t.txt\n@@ -5,3 +5,3 @@\n a\n-b\n+B\n c\n",
    )
    .unwrap();
    assert_eq!(read(dir.path(), "t.txt"), "a\nb\nc\nx\na\nB\nc\n");
    let dir = tree(&[("t.txt", text)]);
    let err = apply(
        dir.path(),
        "--- t.txt\n+++ t.txt\n@@ -4,3 +4,3 @@\n a\n-b\n+B\n c\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, EditError::Ambiguous { candidates, .. } if *candidates == [1, 5]),
        "{err}"
    );
}

#[test]
fn overlapping_hunks_are_refused() {
    let dir = tree(&[("f.txt", TEN)]);
    let diff = "--- f.txt\n+++ f.txt\n@@ -1,3 +1,3 @@\n l1\n-l2\n+two\n l3\n@@ -2,3 +2,3 @@\n l2\n-l3\n+three\n l4\n";
    let err = apply(dir.path(), diff).unwrap_err();
    assert!(
        matches!(
            err,
            EditError::Overlap {
                first: 1,
                second: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn create_delete_and_rename() {
    let dir = tree(&[("old.txt", "keep\n"), ("gone.txt", "bye\n")]);
    let diff = "diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n\
                diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n\
                diff --git a/old.txt b/moved/old.txt\nsimilarity index 100%\nrename from old.txt\nrename to moved/old.txt\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(read(dir.path(), "new.txt"), "hello\nworld\n");
    assert!(!dir.path().join("gone.txt").exists());
    assert_eq!(read(dir.path(), "moved/old.txt"), "keep\n");
    assert!(!dir.path().join("old.txt").exists());
}

#[test]
fn deleting_with_wrong_content_is_refused() {
    let dir = tree(&[("gone.txt", "actual\ncontent\n")]);
    let diff = "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-something else\n";
    assert!(matches!(
        apply(dir.path(), diff),
        Err(EditError::NotFound { .. })
    ));
    assert!(dir.path().join("gone.txt").exists());
}

#[test]
fn creating_over_an_existing_file_is_refused() {
    let dir = tree(&[("x.txt", "exists\n")]);
    let diff = "--- /dev/null\n+++ b/x.txt\n@@ -0,0 +1 @@\n+new\n";
    assert!(matches!(
        apply(dir.path(), diff),
        Err(EditError::AlreadyExists { .. })
    ));
}

#[test]
fn no_newline_at_end_of_file() {
    let dir = tree(&[("n.txt", "a\nb")]);
    let diff = "--- n.txt\n+++ n.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(read(dir.path(), "n.txt"), "a\nc\n");
    let dir = tree(&[("n.txt", "a\nb\n")]);
    let diff = "--- n.txt\n+++ n.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n";
    apply(dir.path(), diff).unwrap();
    assert_eq!(read(dir.path(), "n.txt"), "a\nc");
}

#[test]
fn insertion_without_context_needs_an_empty_file() {
    let dir = tree(&[("f.txt", "x\n")]);
    let err = apply(dir.path(), "--- f.txt\n+++ f.txt\n@@ -1,0 +2 @@\n+y\n").unwrap_err();
    assert!(matches!(err, EditError::EmptySearch { .. }), "{err}");
}

#[test]
fn not_a_diff() {
    let dir = tree(&[]);
    assert!(matches!(
        apply(dir.path(), "just prose"),
        Err(EditError::EmptyPatch { .. })
    ));
    assert!(matches!(
        apply(dir.path(), "--- a\n+++ b\n"),
        Err(EditError::FileNotFound { .. })
    ));
}

#[test]
fn a_context_line_missing_from_a_long_hunk_is_tolerated() {
    let text: String = (1..=30)
        .map(|i| format!("let value_{i} = compute_something({i});\n"))
        .collect();
    let dir = tree(&[("long.rs", &text)]);
    // Old side lines 10-21, but line 15 was left out by the model.
    let mut diff = String::from("--- a/long.rs\n+++ b/long.rs\n@@ -10,12 +10,12 @@\n");
    for i in 10..=21 {
        match i {
            15 => {}
            18 => diff.push_str(&format!(
                "-let value_{i} = compute_something({i});\n+let value_{i} = 0;\n"
            )),
            _ => diff.push_str(&format!(" let value_{i} = compute_something({i});\n")),
        }
    }
    apply(dir.path(), &diff).unwrap();
    let after = read(dir.path(), "long.rs");
    assert!(after.contains("let value_18 = 0;\n"), "{after}");
    assert!(
        after.contains("let value_15 = compute_something(15);\n"),
        "the skipped line stays"
    );
    assert_eq!(after.lines().count(), 30);
}
