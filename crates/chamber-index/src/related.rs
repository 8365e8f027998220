//! Which test files exercise a module: the tests that import it, and those
//! named after it by the language's conventions (`test_x.py`, `x_test.go`,
//! `x.test.ts`, `tests/x.rs`, …).

use std::collections::BTreeSet;

use crate::facts::Snapshot;

/// The test files that exercise `path`: test files whose imports resolve
/// to it, then test files named after it (`test_<stem>`, `<stem>_test`,
/// `<stem>.test`, `<stem>.spec`, `<stem>_tests`, or `<stem>` inside a test
/// directory). Sorted, without duplicates; empty for a test file itself.
pub fn related_tests(snapshot: &Snapshot, path: &str) -> Vec<String> {
    let is_test = |p: &str| snapshot.files.iter().any(|f| f.path == p && f.is_test);
    if is_test(path) {
        return Vec::new();
    }
    let mut found = BTreeSet::new();
    for import in &snapshot.imports {
        if import.resolved.as_deref() == Some(path) && is_test(&import.path) {
            found.insert(import.path.clone());
        }
    }
    let Some(stem) = module_stem(path) else {
        return found.into_iter().collect();
    };
    for file in snapshot.files.iter().filter(|f| f.is_test) {
        let Some(test_stem) = file_stem(&file.path) else {
            continue;
        };
        let named = test_stem == format!("test_{stem}")
            || test_stem == format!("{stem}_test")
            || test_stem == format!("{stem}_tests")
            || test_stem == format!("{stem}.test")
            || test_stem == format!("{stem}.spec")
            || test_stem == format!("test{stem}")
            || (test_stem == stem && file.path != path);
        if named {
            found.insert(file.path.clone());
        }
    }
    found.into_iter().collect()
}

/// A file's name without its last extension.
fn file_stem(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    Some(name.rsplit_once('.').map_or(name, |(stem, _)| stem))
}

/// The module a file is: its stem, or its directory for `__init__.py`,
/// `mod.rs` and `index.*` files.
fn module_stem(path: &str) -> Option<&str> {
    let stem = file_stem(path)?;
    if matches!(stem, "__init__" | "mod" | "index" | "lib" | "main") {
        let dir = path.rsplit_once('/')?.0;
        return dir.rsplit('/').next();
    }
    Some(stem)
}
