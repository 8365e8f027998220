#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::FileChange;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

fn read(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(path)).unwrap()
}

fn patch(body: &str) -> String {
    format!("*** Begin Patch\n{body}*** End Patch\n")
}

#[test]
fn updates_with_lenient_matching_and_keeps_crlf() {
    let dir = tree(&[("w.txt", "first\r\n    second  \r\nthird\r\n")]);
    let p = patch("*** Update File: w.txt\n@@\n first\n-second\n+2nd\n third\n");
    apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap();
    assert_eq!(read(dir.path(), "w.txt"), "first\r\n    2nd\r\nthird\r\n");
}

#[test]
fn anchors_choose_the_method() {
    let text = "class A:\n    def run(self):\n        return 1\n\nclass B:\n    def run(self):\n        return 1\n";
    let dir = tree(&[("m.py", text)]);
    let p = patch(
        "*** Update File: m.py\n@@ class B:\n@@     def run(self):\n-        return 1\n+        return 2\n",
    );
    apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap();
    assert!(read(dir.path(), "m.py").ends_with("class B:\n    def run(self):\n        return 2\n"));
}

#[test]
fn ambiguous_hunk_names_candidates_and_writes_nothing() {
    let dir = tree(&[("a.txt", "x\ny\nx\ny\n"), ("b.txt", "keep\n")]);
    let p =
        patch("*** Update File: b.txt\n@@\n-keep\n+changed\n*** Update File: a.txt\n@@\n-x\n+z\n");
    let err = apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap_err();
    assert!(
        matches!(&err, EditError::Ambiguous { candidates, .. } if *candidates == [1, 3]),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("a.txt, hunk 1") && msg.contains("candidates at lines 1, 3"),
        "{msg}"
    );
    assert_eq!(read(dir.path(), "b.txt"), "keep\n");
}

#[test]
fn sequential_keeps_earlier_operations() {
    let dir = tree(&[("b.txt", "keep\n")]);
    let p = patch("*** Update File: b.txt\n@@\n-keep\n+changed\n*** Delete File: missing.txt\n");
    let err = apply_patch(dir.path(), &p, ApplyMode::Sequential).unwrap_err();
    let EditError::PartiallyApplied { applied, source } = &err else {
        panic!("{err}")
    };
    assert_eq!(applied, &[PathBuf::from("b.txt")]);
    assert!(matches!(**source, EditError::FileNotFound { .. }));
    assert!(err.to_string().contains("applied and kept: b.txt"), "{err}");
    assert_eq!(read(dir.path(), "b.txt"), "changed\n");
}

#[test]
fn not_found_shows_the_closest_region() {
    let dir = tree(&[(
        "c.rs",
        "fn a() {}\nfn main() {\n    let answer = 42;\n    run(answer);\n}\n",
    )]);
    let p = patch(
        "*** Update File: c.rs\n@@\n fn main() {\n-    let result = compute_the_answer();\n+    let x = 1;\n     run(answer);\n",
    );
    let msg = apply_patch(dir.path(), &p, ApplyMode::Atomic)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("c.rs, hunk 1") && msg.contains("closest region is lines 2-4"),
        "{msg}"
    );
    assert!(msg.contains("+    let answer = 42;"), "{msg}");
}

#[test]
fn later_operations_see_earlier_ones() {
    let dir = tree(&[]);
    let p = patch("*** Add File: n.txt\n+one\n*** Update File: n.txt\n@@\n-one\n+two\n");
    let set = plan_apply_patch(dir.path(), &p).unwrap();
    assert_eq!(set.changes().len(), 2);
    set.apply(dir.path()).unwrap();
    assert_eq!(read(dir.path(), "n.txt"), "two\n");
}

#[test]
fn move_and_plan_contents() {
    let dir = tree(&[("src/a.txt", "a\nb\n")]);
    let p = patch("*** Update File: src/a.txt\n*** Move to: dst/b.txt\n@@\n a\n-b\n+c\n");
    let set = plan_apply_patch(dir.path(), &p).unwrap();
    assert_eq!(
        set.changes()[0],
        FileChange::Update {
            path: "src/a.txt".into(),
            move_to: Some("dst/b.txt".into()),
            previous: "a\nb\n".into(),
            content: "a\nc\n".into(),
        }
    );
    assert_eq!(
        set.touched(),
        [PathBuf::from("src/a.txt"), PathBuf::from("dst/b.txt")]
    );
    assert!(!dir.path().join("dst").exists(), "planning writes nothing");
    set.apply(dir.path()).unwrap();
    assert_eq!(read(dir.path(), "dst/b.txt"), "a\nc\n");
    assert!(!dir.path().join("src/a.txt").exists());
}

#[test]
fn paths_outside_the_root_are_refused() {
    let dir = tree(&[]);
    for bad in ["../x", "/etc/x", "a/../../x"] {
        let p = patch(&format!("*** Add File: {bad}\n+x\n"));
        let err = apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap_err();
        assert!(matches!(err, EditError::InvalidPath { .. }), "{bad}: {err}");
    }
}

#[test]
fn pure_addition_after_anchor() {
    let dir = tree(&[("f.py", "def f():\n    a()\ndef g():\n    b()\n")]);
    let p = patch("*** Update File: f.py\n@@ def g():\n+    first()\n");
    apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap();
    assert_eq!(
        read(dir.path(), "f.py"),
        "def f():\n    a()\ndef g():\n    first()\n    b()\n"
    );
}

#[test]
fn elision_in_hunks() {
    let dir = tree(&[(
        "e.rs",
        "fn a() {\n    one();\n    two();\n    three();\n}\n",
    )]);
    let p = patch(
        "*** Update File: e.rs\n@@\n fn a() {\n     // ...\n-    three();\n+    four();\n }\n",
    );
    apply_patch(dir.path(), &p, ApplyMode::Atomic).unwrap();
    assert_eq!(
        read(dir.path(), "e.rs"),
        "fn a() {\n    one();\n    two();\n    four();\n}\n"
    );
}

#[test]
fn checks_form_without_a_tree() {
    assert!(check_apply_patch(&patch("*** Delete File: x\n")).is_ok());
    assert!(matches!(
        check_apply_patch(&patch("")),
        Err(EditError::EmptyPatch { .. })
    ));
}
