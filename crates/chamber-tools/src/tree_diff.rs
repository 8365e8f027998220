//! A git-style unified diff between two directory trees, for showing what a
//! dry run would have changed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use similar::TextDiff;

use crate::list_tool::project_walker;
use crate::paths::relative_display;
use crate::result::looks_binary;

/// One file's content and git mode, as compared.
#[derive(PartialEq)]
struct Blob {
    mode: u32,
    bytes: Vec<u8>,
}

/// A unified diff (`diff --git`, `--- a/x`, `+++ b/x`) of every file that
/// differs between `before` and `after`: added, deleted and modified, sorted
/// by path. `.git/`, `.chamber/` and gitignored files are skipped; binary
/// files get a one-line `Binary files … differ`. Unreadable trees diff as empty.
pub fn tree_diff(before: &Path, after: &Path) -> String {
    let old = snapshot(before);
    let new = snapshot(after);
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = String::new();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        file_diff(&mut out, path, a, b);
    }
    out
}

/// Every kept file under `root`, by `/`-separated relative path.
fn snapshot(root: &Path) -> BTreeMap<String, Blob> {
    let mut files = BTreeMap::new();
    let mut walker = project_walker(root);
    walker.filter_entry(|e| {
        e.file_name() != ".git" && !(e.depth() == 1 && e.file_name() == ".chamber")
    });
    for entry in walker.build().flatten() {
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        let blob = if kind.is_symlink() {
            match fs::read_link(path) {
                Ok(target) => Blob {
                    mode: 0o120000,
                    bytes: target.to_string_lossy().into_owned().into_bytes(),
                },
                Err(_) => continue,
            }
        } else if kind.is_file() {
            let Ok(bytes) = fs::read(path) else { continue };
            let exec = fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false);
            Blob {
                mode: if exec { 0o100755 } else { 0o100644 },
                bytes,
            }
        } else {
            continue;
        };
        files.insert(relative_display(root, path), blob);
    }
    files
}

/// Appends the diff of one path; `None` on a side means absent there.
fn file_diff(out: &mut String, path: &str, a: Option<&Blob>, b: Option<&Blob>) {
    out.push_str(&format!("diff --git a/{path} b/{path}\n"));
    match (a, b) {
        (None, Some(b)) => out.push_str(&format!("new file mode {:o}\n", b.mode)),
        (Some(a), None) => out.push_str(&format!("deleted file mode {:o}\n", a.mode)),
        (Some(a), Some(b)) if a.mode != b.mode => {
            out.push_str(&format!("old mode {:o}\nnew mode {:o}\n", a.mode, b.mode));
        }
        _ => {}
    }
    let old_bytes = a.map(|x| x.bytes.as_slice()).unwrap_or_default();
    let new_bytes = b.map(|x| x.bytes.as_slice()).unwrap_or_default();
    if old_bytes == new_bytes {
        return;
    }
    let old_name = if a.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    let new_name = if b.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".to_string()
    };
    let (old_text, new_text) = match (text_of(old_bytes), text_of(new_bytes)) {
        (Some(o), Some(n)) => (o, n),
        _ => {
            out.push_str(&format!("Binary files {old_name} and {new_name} differ\n"));
            return;
        }
    };
    let diff = TextDiff::from_lines(old_text, new_text);
    out.push_str(&format!("--- {old_name}\n+++ {new_name}\n"));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&hunk.to_string());
    }
}

/// The bytes as text, or `None` for binary content.
fn text_of(bytes: &[u8]) -> Option<&str> {
    if looks_binary(bytes) {
        None
    } else {
        std::str::from_utf8(bytes).ok()
    }
}
