#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn parses_git_diff_with_several_files() {
    let text = "diff --git a/src/a.rs b/src/a.rs\nindex 123..456 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n\
                @@ -1,3 +1,3 @@ fn main\n ctx\n-old\n+new\n ctx2\n\
                diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hello\n\
                diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
    let files = parse(text).unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(
        (files[0].old_path.as_deref(), files[0].new_path.as_deref()),
        (Some("a/src/a.rs"), Some("b/src/a.rs"))
    );
    assert_eq!(files[0].hunks[0].old_start, Some(1));
    assert_eq!(files[0].hunks[0].old(), ["ctx", "old", "ctx2"]);
    assert_eq!(files[0].hunks[0].new_side(), ["ctx", "new", "ctx2"]);
    assert!(files[1].new_file && files[1].old_path.is_none());
    assert!(files[2].deleted && files[2].new_path.is_none());
}

#[test]
fn tolerates_missing_numbers_prose_and_fences() {
    let text = "Here is the fix:\n```diff\n--- f.txt\n+++ f.txt\n@@\n-a\n+b\n```\nDone.\n";
    let files = parse(text).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].hunks.len(), 1);
    assert_eq!(files[0].hunks[0].old_start, None);
    assert_eq!(files[0].hunks[0].lines.len(), 2);
}

#[test]
fn removed_line_that_looks_like_a_header() {
    let text = "--- f.sql\n+++ f.sql\n@@ -1,2 +1,1 @@\n--- a comment\n keep\n";
    let files = parse(text).unwrap();
    assert_eq!(files[0].hunks[0].old(), ["-- a comment", "keep"]);
}

#[test]
fn blank_lines_count_as_context_only_when_needed() {
    let text = "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n\n\n";
    let files = parse(text).unwrap();
    // One blank inside (needed), the trailing ones: the counts are met.
    assert_eq!(files[0].hunks[0].old(), ["a", "", "b"]);
    let short = "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n\n";
    assert_eq!(parse(short).unwrap()[0].hunks[0].old(), ["a", "b", ""]);
}

#[test]
fn no_newline_markers() {
    let text = "--- f\n+++ f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n";
    let h = &parse(text).unwrap()[0].hunks[0];
    assert!(h.old_no_eol && !h.new_no_eol);
}

#[test]
fn header_paths() {
    assert_eq!(
        header_path("a/x.txt\t2024-01-01 00:00:00"),
        Some("a/x.txt".to_owned())
    );
    assert_eq!(header_path("/dev/null"), None);
    assert_eq!(unquote("\"a/sp ace\\tx\\303\\251\""), "a/sp ace\tx\u{e9}");
    assert_eq!(
        git_paths("a/x b/y b/x b/y"),
        (Some("a/x b/y".to_owned()), Some("b/x b/y".to_owned()))
    );
}

#[test]
fn hunk_before_header_is_an_error() {
    let err = parse("@@ -1 +1 @@\n-a\n+b\n").unwrap_err();
    assert!(matches!(err, EditError::Parse { line: 1, .. }), "{err}");
}

#[test]
fn renames_from_git_headers() {
    let text = "diff --git a/old.txt b/new.txt\nsimilarity index 100%\nrename from old.txt\nrename to new.txt\n";
    let files = parse(text).unwrap();
    assert_eq!(
        (files[0].old_path.as_deref(), files[0].new_path.as_deref()),
        (Some("old.txt"), Some("new.txt"))
    );
}
