use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Command;

use chamber_tools::{copy_tree, tree_diff};

use crate::put;

#[test]
fn copy_tree_keeps_git_untracked_modes_and_links_but_not_ignored_output() {
    let src = tempfile::tempdir().unwrap();
    let s = src.path();
    let ok = Command::new("git")
        .arg("-C")
        .arg(s)
        .args(["init", "-q"])
        .status()
        .unwrap();
    assert!(ok.success());
    put(s, ".gitignore", "target/\n");
    put(s, "src/main.rs", "fn main() {}\n");
    put(s, "untracked.txt", "u");
    put(s, "target/debug/app", "binary");
    put(s, "run.sh", "#!/bin/sh\n");
    std::fs::set_permissions(s.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("src/main.rs", s.join("link.rs")).unwrap();
    let dst_parent = tempfile::tempdir().unwrap();
    let d = dst_parent.path().join("copy");
    copy_tree(s, &d).unwrap();
    assert!(d.join(".git/HEAD").is_file());
    assert_eq!(
        std::fs::read_to_string(d.join("src/main.rs")).unwrap(),
        "fn main() {}\n"
    );
    assert!(d.join("untracked.txt").is_file());
    assert!(!d.join("target").exists());
    assert_eq!(
        std::fs::metadata(d.join("run.sh"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o755
    );
    assert_eq!(
        std::fs::read_link(d.join("link.rs")).unwrap().to_str(),
        Some("src/main.rs")
    );
    assert_eq!(tree_diff(s, &d), "", "a fresh copy has no differences");
}

#[test]
fn copy_into_own_subdirectory_does_not_recurse() {
    let src = tempfile::tempdir().unwrap();
    put(src.path(), "a.txt", "a");
    let d = src.path().join(".chamber/dry-run");
    copy_tree(src.path(), &d).unwrap();
    assert!(d.join("a.txt").is_file());
    assert!(
        !d.join(".chamber/dry-run").exists(),
        "the copy is not copied into itself"
    );
}

#[test]
fn tree_diff_reports_added_deleted_and_modified_files() {
    let before = tempfile::tempdir().unwrap();
    let b = before.path();
    put(b, "keep.txt", "same\n");
    put(b, "edit.txt", "one\ntwo\nthree\n");
    put(b, "gone.txt", "bye\n");
    put(b, ".chamber/log", "x");
    let after_parent = tempfile::tempdir().unwrap();
    let a = after_parent.path().join("copy");
    copy_tree(b, &a).unwrap();
    put(&a, "edit.txt", "one\nTWO\nthree\n");
    put(&a, "added.txt", "new\n");
    std::fs::remove_file(a.join("gone.txt")).unwrap();
    put(&a, ".chamber/log", "changed state is not a change");
    std::fs::write(a.join("blob.bin"), [0u8, 159, 146, 150]).unwrap();
    let diff = tree_diff(b, &a);
    let expected = "\
diff --git a/added.txt b/added.txt
new file mode 100644
--- /dev/null
+++ b/added.txt
@@ -0,0 +1 @@
+new
diff --git a/blob.bin b/blob.bin
new file mode 100644
Binary files /dev/null and b/blob.bin differ
diff --git a/edit.txt b/edit.txt
--- a/edit.txt
+++ b/edit.txt
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
";
    assert_eq!(diff, expected);
}

#[test]
fn tree_diff_output_applies_with_git() {
    let before = tempfile::tempdir().unwrap();
    put(before.path(), "a.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    put(before.path(), "old.txt", "old\n");
    let after = tempfile::tempdir().unwrap();
    put(after.path(), "a.txt", "1\n2\nthree\n4\n5\n6\n7\n8\nnine");
    put(after.path(), "new/n.txt", "n\n");
    let diff = tree_diff(before.path(), after.path());
    let patch = before.path().join("../change.patch");
    std::fs::write(&patch, &diff).unwrap();
    let out = Command::new("git")
        .arg("-C")
        .arg(before.path())
        .args(["apply", "--verbose"])
        .arg(&patch)
        .output()
        .unwrap();
    std::fs::remove_file(&patch).unwrap();
    assert!(
        out.status.success(),
        "{diff}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(tree_diff(before.path(), after.path()), "");
}
