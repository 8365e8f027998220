//! Git-style unified diffs of before/after file images, readable by
//! `git apply` (`a/` and `b/` prefixes, `/dev/null` for a missing side,
//! `new file mode` / `deleted file mode` headers).

use similar::TextDiff;

use crate::journal::{FileChange, FileImage};
use crate::result::looks_binary;

/// Lines of context around each hunk.
const CONTEXT: usize = 3;

/// The git mode of an image: `100755` when executable, else `100644`.
pub fn git_mode(image: &FileImage) -> &'static str {
    if image.executable { "100755" } else { "100644" }
}

/// One diff for all `changes`, in the order given. Text files get hunks;
/// binary or non-UTF-8 files get git's `Binary files … differ` line.
pub fn unified_diff(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for change in changes {
        file_diff(
            &mut out,
            &change.path,
            change.before.as_ref(),
            change.after.as_ref(),
        );
    }
    out
}

/// Appends one file's diff (nothing when both sides are equal).
pub fn file_diff(
    out: &mut String,
    path: &str,
    before: Option<&FileImage>,
    after: Option<&FileImage>,
) {
    if before == after {
        return;
    }
    out.push_str(&format!("diff --git a/{path} b/{path}\n"));
    match (before, after) {
        (None, Some(new)) => out.push_str(&format!("new file mode {}\n", git_mode(new))),
        (Some(old), None) => out.push_str(&format!("deleted file mode {}\n", git_mode(old))),
        (Some(old), Some(new)) if old.executable != new.executable => {
            out.push_str(&format!(
                "old mode {}\nnew mode {}\n",
                git_mode(old),
                git_mode(new)
            ));
        }
        _ => {}
    }
    let a_name = if before.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    let b_name = if after.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".to_string()
    };
    let empty: &[u8] = &[];
    let old = before.map_or(empty, |i| i.bytes.as_slice());
    let new = after.map_or(empty, |i| i.bytes.as_slice());
    if old == new {
        return;
    }
    match (as_text(old), as_text(new)) {
        (Some(old), Some(new)) => {
            let diff = TextDiff::from_lines(old, new);
            let text = diff
                .unified_diff()
                .context_radius(CONTEXT)
                .header(&a_name, &b_name)
                .to_string();
            out.push_str(&text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
        }
        _ => out.push_str(&format!("Binary files {a_name} and {b_name} differ\n")),
    }
}

/// The bytes as text, unless they look binary or are not UTF-8.
fn as_text(bytes: &[u8]) -> Option<&str> {
    if looks_binary(bytes) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn image(text: &str) -> Option<FileImage> {
        Some(FileImage {
            bytes: text.as_bytes().to_vec(),
            executable: false,
        })
    }

    #[test]
    fn added_modified_and_deleted_files_use_git_headers() {
        let changes = vec![
            FileChange {
                path: "new.txt".into(),
                before: None,
                after: image("a\nb\n"),
            },
            FileChange {
                path: "mod.txt".into(),
                before: image("1\n2\n3\n"),
                after: image("1\ntwo\n3"),
            },
            FileChange {
                path: "gone.txt".into(),
                before: image("x\n"),
                after: None,
            },
        ];
        let diff = unified_diff(&changes);
        assert!(
            diff.contains(
                "diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n"
            ),
            "{diff}"
        );
        assert!(diff.contains("--- a/mod.txt\n+++ b/mod.txt\n"), "{diff}");
        assert!(
            diff.contains("+two\n+3\n\\ No newline at end of file\n"),
            "{diff}"
        );
        assert!(
            diff.contains(
                "deleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
            ),
            "{diff}"
        );
    }

    #[test]
    fn binary_content_gets_a_marker_line() {
        let mut out = String::new();
        let bin = FileImage {
            bytes: vec![0, 1, 2],
            executable: false,
        };
        file_diff(&mut out, "b.bin", None, Some(&bin));
        assert!(
            out.ends_with("Binary files /dev/null and b/b.bin differ\n"),
            "{out}"
        );
    }
}
