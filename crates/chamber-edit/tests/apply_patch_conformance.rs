//! Runs the shared `apply_patch` conformance scenarios (read in place from
//! `../shared/conformance/apply-patch`, beside the workspace, or from
//! `$CHAMBER_SHARED_DIR/conformance/apply-patch`).
//!
//! Each case: `input/` is copied to a temp dir, `patch.txt` applied in
//! sequential mode, and the whole tree compared byte for byte with
//! `expected/`. The same case in atomic mode must give `expected/` when it
//! succeeds and leave `input/` untouched when it is rejected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chamber_edit::{ApplyMode, apply_patch};

fn conformance_dir() -> Option<PathBuf> {
    let beside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/apply-patch");
    let from_env = std::env::var_os("CHAMBER_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("conformance/apply-patch"));
    [from_env, Some(beside)]
        .into_iter()
        .flatten()
        .find(|d| d.is_dir())
}

/// Every file under `root`, relative path -> bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let target = to.join(rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, bytes).unwrap();
    }
}

fn describe(tree: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    tree.iter()
        .map(|(p, b)| format!("  {}: {:?}", p.display(), String::from_utf8_lossy(b)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Applies the case in `mode`; returns the resulting tree and whether the
/// patch was accepted.
fn run(case: &Path, mode: ApplyMode) -> (BTreeMap<PathBuf, Vec<u8>>, Result<(), String>) {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&case.join("input"), work.path());
    // Directories of the input (a case may delete a directory it expects
    // to survive) are part of the tree too.
    mirror_dirs(&case.join("input"), work.path());
    let patch = fs::read_to_string(case.join("patch.txt")).unwrap();
    let result = apply_patch(work.path(), &patch, mode)
        .map(|_| ())
        .map_err(|e| e.to_string());
    (tree(work.path()), result)
}

fn mirror_dirs(from: &Path, to: &Path) {
    if !from.is_dir() {
        return;
    }
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let target = to.join(path.file_name().unwrap());
            fs::create_dir_all(&target).unwrap();
            mirror_dirs(&path, &target);
        }
    }
}

#[test]
fn apply_patch_conformance() {
    let Some(dir) = conformance_dir() else {
        if std::env::var("CHAMBER_REQUIRE_CONFORMANCE").is_ok_and(|v| v == "1") {
            panic!("conformance folder not found and CHAMBER_REQUIRE_CONFORMANCE=1");
        }
        eprintln!("skipping: conformance folder not found");
        return;
    };
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("patch.txt").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let mut failures = Vec::new();
    let mut failed_cases = std::collections::BTreeSet::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let input = tree(&case.join("input"));
        let expected = tree(&case.join("expected"));

        let (got, result) = run(case, ApplyMode::Sequential);
        if got != expected {
            failed_cases.insert(name.clone());
            failures.push(format!(
                "{name} (sequential, {result:?}):\nexpected:\n{}\ngot:\n{}",
                describe(&expected),
                describe(&got)
            ));
        }

        let (got, result) = run(case, ApplyMode::Atomic);
        let wanted = if result.is_ok() { &expected } else { &input };
        if &got != wanted {
            failed_cases.insert(name.clone());
            failures.push(format!(
                "{name} (atomic, {result:?}):\nexpected:\n{}\ngot:\n{}",
                describe(wanted),
                describe(&got)
            ));
        }
    }
    eprintln!(
        "apply_patch conformance: {}/{} cases pass",
        cases.len() - failed_cases.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
