#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;

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

/// Every entry under `root` (directories as `None`), to compare trees
/// including leftover temp files and directories.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                stack.push(path);
            } else {
                out.insert(rel, Some(fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn update(path: &str, previous: &str, content: &str) -> FileChange {
    FileChange::Update {
        path: path.into(),
        move_to: None,
        previous: previous.into(),
        content: content.into(),
    }
}

fn add(path: &str, content: &str) -> FileChange {
    FileChange::Add {
        path: path.into(),
        content: content.into(),
        previous: None,
    }
}

#[test]
fn applies_everything() {
    let dir = tree(&[("a.txt", "a\n"), ("gone.txt", "x\n")]);
    let set = ChangeSet::new(vec![
        update("a.txt", "a\n", "A\n"),
        add("new/dir/b.txt", "b\n"),
        FileChange::Delete {
            path: "gone.txt".into(),
            previous: Some("x\n".into()),
        },
    ]);
    set.apply(dir.path()).unwrap();
    let after = snapshot(dir.path());
    assert_eq!(after.get(Path::new("a.txt")), Some(&Some(b"A\n".to_vec())));
    assert_eq!(
        after.get(Path::new("new/dir/b.txt")),
        Some(&Some(b"b\n".to_vec()))
    );
    assert!(!after.contains_key(Path::new("gone.txt")));
    assert_eq!(after.len(), 4, "no temp or backup files left: {after:?}");
}

#[test]
fn failure_midway_restores_everything() {
    // The swap of `a.txt` and the deletion of `gone.txt` happen before the
    // third change fails on a directory: all must be undone.
    let dir = tree(&[
        ("a.txt", "a\n"),
        ("gone.txt", "x\n"),
        ("dir/inside.txt", "i\n"),
    ]);
    let before = snapshot(dir.path());
    let set = ChangeSet::new(vec![
        update("a.txt", "a\n", "A\n"),
        FileChange::Delete {
            path: "gone.txt".into(),
            previous: Some("x\n".into()),
        },
        add("fresh/new.txt", "n\n"),
        add("dir", "not a dir\n"),
    ]);
    let err = set.apply(dir.path()).unwrap_err();
    assert!(matches!(err, EditError::IsDirectory { .. }), "{err}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "tree restored, created directories removed"
    );
}

#[test]
fn failure_while_preparing_leaves_nothing() {
    let dir = tree(&[("a.txt", "a\n"), ("file", "f\n")]);
    let before = snapshot(dir.path());
    let set = ChangeSet::new(vec![
        update("a.txt", "a\n", "A\n"),
        add("file/sub/x.txt", "x\n"),
    ]);
    assert!(set.apply(dir.path()).is_err());
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn planned_set_refuses_a_file_changed_since() {
    let dir = tree(&[("a.txt", "a\n")]);
    let mut plan = Plan::new(dir.path());
    let text = plan.read(Path::new("a.txt")).unwrap().unwrap();
    plan.update(Path::new("a.txt"), text.replace('a', "b"), None)
        .unwrap();
    let set = plan.finish();
    fs::write(dir.path().join("a.txt"), "edited meanwhile\n").unwrap();
    let err = set.apply(dir.path()).unwrap_err();
    assert!(matches!(err, EditError::ChangedOnDisk { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(dir.path().join("a.txt")).unwrap(),
        "edited meanwhile\n"
    );
}

#[test]
fn permissions_survive_updates_and_moves() {
    let dir = tree(&[("run.sh", "echo a\n")]);
    fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    let set = ChangeSet::new(vec![FileChange::Update {
        path: "run.sh".into(),
        move_to: Some("bin/run.sh".into()),
        previous: "echo a\n".into(),
        content: "echo b\n".into(),
    }]);
    set.apply(dir.path()).unwrap();
    let mode = fs::metadata(dir.path().join("bin/run.sh"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o750);
}

#[test]
fn preview_and_touched() {
    let set = ChangeSet::new(vec![
        update("a.txt", "one\ntwo\n", "one\n2\n"),
        add("b.txt", "new\n"),
        FileChange::Delete {
            path: "c.txt".into(),
            previous: Some("old\n".into()),
        },
        add("a.txt", "again\n"),
    ]);
    let preview = set.preview();
    for needle in [
        "--- a/a.txt",
        "+++ b/a.txt",
        "-two",
        "+2",
        "--- /dev/null",
        "+++ b/b.txt",
        "+new",
        "+++ /dev/null",
        "-old",
    ] {
        assert!(preview.contains(needle), "{needle} missing in:\n{preview}");
    }
    assert_eq!(
        set.touched(),
        [
            PathBuf::from("a.txt"),
            PathBuf::from("b.txt"),
            PathBuf::from("c.txt")
        ]
    );
}

#[test]
fn paths_escaping_the_root_are_refused_at_apply() {
    let dir = tree(&[]);
    let set = ChangeSet::new(vec![add("../escape.txt", "x\n")]);
    assert!(matches!(
        set.apply(dir.path()),
        Err(EditError::InvalidPath { .. })
    ));
}
