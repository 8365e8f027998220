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

fn block(path: &str, search: &str, replace: &str) -> SearchReplace {
    SearchReplace {
        path: path.into(),
        search: search.into(),
        replace: replace.into(),
    }
}

fn apply(root: &Path, blocks: &[SearchReplace]) -> Result<(), EditError> {
    plan_search_replace(root, blocks)?.apply(root)
}

fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).unwrap()
}

#[test]
fn blocks_apply_in_order_across_files() {
    let dir = tree(&[("a.rs", "fn a() {\n    1\n}\n"), ("b.rs", "x\n")]);
    let blocks = [
        block("a.rs", "    1\n", "    2\n"),
        block("a.rs", "    2\n", "    3\n"),
        block("b.rs", "x\n", "y\n"),
        block("c.rs", "", "created\n"),
    ];
    apply(dir.path(), &blocks).unwrap();
    assert_eq!(read(dir.path(), "a.rs"), "fn a() {\n    3\n}\n");
    assert_eq!(read(dir.path(), "b.rs"), "y\n");
    assert_eq!(read(dir.path(), "c.rs"), "created\n");
}

#[test]
fn text_form_end_to_end() {
    let dir = tree(&[("src/lib.rs", "pub fn f() -> u32 {\n    1\n}\n")]);
    let text = "src/lib.rs\n```rust\n<<<<<<< SEARCH\npub fn f() -> u32 {\n  1\n}\n=======\npub fn f() -> u32 {\n  2\n}\n>>>>>>> REPLACE\n```\n";
    let blocks = parse_search_replace(text).unwrap();
    apply(dir.path(), &blocks).unwrap();
    assert_eq!(
        read(dir.path(), "src/lib.rs"),
        "pub fn f() -> u32 {\n    2\n}\n",
        "re-indented to the file"
    );
}

#[test]
fn mid_line_search_is_replaced_exactly() {
    let dir = tree(&[("m.py", "value = compute(alpha, beta) + offset\nother = 1\n")]);
    apply(
        dir.path(),
        &[block(
            "m.py",
            "compute(alpha, beta)",
            "compute(beta, alpha)",
        )],
    )
    .unwrap();
    assert_eq!(
        read(dir.path(), "m.py"),
        "value = compute(beta, alpha) + offset\nother = 1\n"
    );
}

#[test]
fn mid_line_search_twice_is_ambiguous() {
    let dir = tree(&[("m.py", "y = f(a)\nx = f(a)\n")]);
    let err = apply(dir.path(), &[block("m.py", "f(a)", "g(a)")]).unwrap_err();
    assert!(
        matches!(&err, EditError::Ambiguous { candidates, .. } if *candidates == [1, 2]),
        "{err}"
    );
    assert!(err.to_string().contains("m.py, block 1"), "{err}");
}

#[test]
fn crlf_and_missing_final_newline_survive() {
    let dir = tree(&[("w.txt", "a\r\nb\r\nc")]);
    apply(dir.path(), &[block("w.txt", "b\nc\n", "B\nC\n")]).unwrap();
    assert_eq!(read(dir.path(), "w.txt"), "a\r\nB\r\nC");
}

#[test]
fn empty_search_rules() {
    let dir = tree(&[("full.txt", "x\n"), ("empty.txt", "")]);
    let err = apply(dir.path(), &[block("full.txt", "", "y")]).unwrap_err();
    assert!(matches!(err, EditError::EmptySearch { .. }), "{err}");
    apply(dir.path(), &[block("empty.txt", "", "filled")]).unwrap();
    assert_eq!(read(dir.path(), "empty.txt"), "filled\n");
    let err = apply(dir.path(), &[block("absent.txt", "x", "y")]).unwrap_err();
    assert!(matches!(err, EditError::FileNotFound { .. }), "{err}");
}

#[test]
fn failure_in_a_later_block_writes_nothing() {
    let dir = tree(&[("a.txt", "a\n"), ("b.txt", "b\n")]);
    let err = apply(
        dir.path(),
        &[block("a.txt", "a", "A"), block("b.txt", "zzz", "y")],
    )
    .unwrap_err();
    assert!(matches!(err, EditError::NotFound { .. }), "{err}");
    assert_eq!(read(dir.path(), "a.txt"), "a\n");
}

#[test]
fn elision_keeps_the_middle() {
    let dir = tree(&[("e.js", "function f() {\n  a();\n  b();\n  return 1;\n}\n")]);
    let search = "function f() {\n  // ... existing code ...\n  return 1;\n}\n";
    let replace = "function f() {\n  // ... existing code ...\n  return 2;\n}\n";
    apply(dir.path(), &[block("e.js", search, replace)]).unwrap();
    assert_eq!(
        read(dir.path(), "e.js"),
        "function f() {\n  a();\n  b();\n  return 2;\n}\n"
    );
}

#[test]
fn no_blocks_is_an_error() {
    let dir = tree(&[]);
    assert!(matches!(
        plan_search_replace(dir.path(), &[]),
        Err(EditError::EmptyPatch { .. })
    ));
}

#[test]
fn fuzzy_block_with_a_typo() {
    let text = "fn total(items: &[Item]) -> u64 {\n    let mut sum = 0;\n    for item in items {\n        sum += item.price * item.quantity;\n    }\n    sum\n}\n";
    let dir = tree(&[("t.rs", text)]);
    let search = "    let mut sum = 0;\n    for item in items {\n        sum += item.price * item.quantiy;\n    }\n";
    let replace = "    let mut sum = 0;\n    for item in items {\n        sum += item.price * item.quantity * 2;\n    }\n";
    apply(dir.path(), &[block("t.rs", search, replace)]).unwrap();
    assert!(read(dir.path(), "t.rs").contains("item.quantity * 2;\n    }\n    sum\n}"));
}
