//! A tolerant reader of unified diffs (`git diff` and `diff -u` output):
//! which files changed, each added line with its number in the new file,
//! and the new-file line ranges the hunks cover.

use serde::Serialize;

/// One file's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// Path in the new tree (the old path for a deleted file).
    pub path: String,
    /// The file did not exist before.
    pub is_new: bool,
    /// The file no longer exists.
    pub is_deleted: bool,
    /// Git reported a binary change (no lines).
    pub is_binary: bool,
    /// Added lines: (line number in the new file, text without the `+`).
    pub added: Vec<(u32, String)>,
    /// How many lines were removed.
    pub removed: u32,
    /// New-file line ranges `(first, last)` covered by the hunks.
    pub hunks: Vec<(u32, u32)>,
}

impl FileDiff {
    /// Whether `line` of the new file lies inside one of the hunks.
    pub fn covers(&self, line: u32) -> bool {
        self.hunks.iter().any(|&(a, b)| a <= line && line <= b)
    }
}

/// Splits a unified diff into files, in order. Lines that belong to no file
/// (commit messages, `index` lines, junk) are skipped.
pub fn parse_diff(text: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut current: Option<FileDiff> = None;
    // Lines of the new and old side still expected in the current hunk.
    let (mut new_left, mut old_left, mut next_new) = (0u32, 0u32, 0u32);
    let mut old_path: Option<String> = None;
    for line in text.lines() {
        let in_hunk = new_left > 0 || old_left > 0;
        if in_hunk && let Some(file) = current.as_mut() {
            match line.as_bytes().first() {
                Some(b'+') => {
                    file.added.push((next_new, line[1..].to_string()));
                    next_new += 1;
                    new_left = new_left.saturating_sub(1);
                    continue;
                }
                Some(b'-') => {
                    file.removed += 1;
                    old_left = old_left.saturating_sub(1);
                    continue;
                }
                Some(b' ') | None => {
                    next_new += 1;
                    new_left = new_left.saturating_sub(1);
                    old_left = old_left.saturating_sub(1);
                    continue;
                }
                Some(b'\\') => continue,
                _ => {
                    new_left = 0;
                    old_left = 0;
                }
            }
        }
        if let Some(rest) = line.strip_prefix("diff --git ") {
            files.extend(current.take());
            old_path = None;
            let mut file = FileDiff::default();
            if let Some((_, b)) = rest.split_once(" b/") {
                file.path = b.to_string();
            }
            current = Some(file);
        } else if let Some(rest) = line.strip_prefix("--- ") {
            // A `---` without `diff --git` starts a plain `diff -u` file.
            let starts_new = current
                .as_ref()
                .is_none_or(|f| !f.added.is_empty() || f.removed > 0 || !f.hunks.is_empty());
            if starts_new {
                files.extend(current.take());
                current = Some(FileDiff::default());
            }
            old_path = Some(clean_path(rest, "a/"));
        } else if let Some(rest) = line.strip_prefix("+++ ") {
            let file = current.get_or_insert_with(FileDiff::default);
            let path = clean_path(rest, "b/");
            if path == "/dev/null" {
                file.is_deleted = true;
                if let Some(old) = &old_path {
                    file.path = old.clone();
                }
            } else {
                file.path = path;
            }
            if old_path.as_deref() == Some("/dev/null") {
                file.is_new = true;
            }
        } else if let Some(rest) = line.strip_prefix("@@ ") {
            let Some(file) = current.as_mut() else {
                continue;
            };
            let (old, new) = hunk_header(rest);
            old_left = old.1;
            new_left = new.1;
            next_new = new.0;
            if new.1 > 0 {
                file.hunks.push((new.0, new.0 + new.1 - 1));
            }
        } else if let Some(file) = current.as_mut() {
            if line.starts_with("new file mode") {
                file.is_new = true;
            } else if line.starts_with("deleted file mode") {
                file.is_deleted = true;
            } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
                file.is_binary = true;
            } else if let Some(to) = line.strip_prefix("rename to ") {
                file.path = to.to_string();
            }
        }
    }
    files.extend(current);
    files.retain(|f| !f.path.is_empty());
    files
}

/// `a/x\tdate` → `x`.
fn clean_path(raw: &str, prefix: &str) -> String {
    let raw = raw.split('\t').next().unwrap_or(raw).trim_end();
    let raw = raw.trim_matches('"');
    raw.strip_prefix(prefix).unwrap_or(raw).to_string()
}

/// `-a,b +c,d @@ …` → ((a, b), (c, d)); a missing count means 1.
fn hunk_header(rest: &str) -> ((u32, u32), (u32, u32)) {
    let mut old = (0, 0);
    let mut new = (0, 0);
    for part in rest.split_whitespace().take(2) {
        let (target, body) = match part.as_bytes().first() {
            Some(b'-') => (&mut old, &part[1..]),
            Some(b'+') => (&mut new, &part[1..]),
            _ => continue,
        };
        let (start, count) = body.split_once(',').unwrap_or((body, "1"));
        *target = (start.parse().unwrap_or(0), count.parse().unwrap_or(0));
    }
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = "diff --git a/src/lib.rs b/src/lib.rs
index 1..2 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -1,3 +1,4 @@
 fn a() {}
-fn b() {}
+fn b() { dbg!(1); }
+fn c() {}
 fn d() {}
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+print('x')
+# --- not a header
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
";

    #[test]
    fn reads_git_diffs() {
        let files = parse_diff(GIT);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["src/lib.rs", "new.py", "gone.txt", "logo.png"]);
        let lib = &files[0];
        assert_eq!(
            lib.added,
            [(2, "fn b() { dbg!(1); }".into()), (3, "fn c() {}".into())]
        );
        assert_eq!(lib.removed, 1);
        assert_eq!(lib.hunks, [(1, 4)]);
        assert!(lib.covers(4) && !lib.covers(5));
        assert!(files[1].is_new);
        assert_eq!(files[1].added.len(), 2);
        assert!(files[2].is_deleted && files[2].removed == 1);
        assert!(files[3].is_binary);
    }

    #[test]
    fn reads_plain_unified_diffs() {
        let text = "--- old/a.txt\t2024-01-01\n+++ new/a.txt\t2024-01-02\n@@ -5 +5 @@\n-x\n+y\n";
        let files = parse_diff(text);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "new/a.txt");
        assert_eq!(files[0].added, [(5, "y".into())]);
    }
}
