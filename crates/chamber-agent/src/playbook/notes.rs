//! The playbook's text: markdown sections whose entries Chamber marks with
//! `<!-- chamber TIMESTAMP -->`, so the size cap drops the oldest of its own
//! entries and never a line a person wrote.

/// Start of the marker that ends every line Chamber wrote.
const MARKER: &str = "<!-- chamber ";

/// Section of the test commands that passed.
pub const TEST_HEADING: &str = "## Test command";

/// Section of the files runs changed.
pub const FILES_HEADING: &str = "## Files that matter";

/// What a new playbook starts as: the sections, and how the file works.
const TEMPLATE: &str = "# Playbook\n\n\
Notes for runs in this repository; every run reads them. Chamber appends an entry \
(marked `<!-- chamber … -->`) after a completed run. Edit or delete entries, and add \
your own lines: Chamber never removes a line without the marker.\n\n\
## Test command\n\n\
## Files that matter\n\n\
## Conventions\n";

/// One note to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section it goes under (`TEST_HEADING`, `FILES_HEADING`).
    pub heading: &'static str,
    /// The command or path: an entry whose key already appears in
    /// backticks anywhere in the file is not added again.
    pub key: String,
    /// What follows the key on the line, e.g. `passed in run 1a2b3c4d`.
    pub note: String,
}

/// A key usable in a one-line code span: no newline, no backtick, not long.
pub fn usable_key(key: &str) -> bool {
    let key = key.trim();
    !key.is_empty() && key.len() <= 200 && !key.contains(['\n', '\r', '`'])
}

/// `existing` (or a new playbook) with the `entries` not yet in it appended
/// at the end of their sections, stamped `stamp` (RFC 3339, UTC); `None`
/// when every entry is there already.
pub fn append(existing: Option<&str>, entries: &[Entry], stamp: &str) -> Option<String> {
    let mut text = existing.unwrap_or(TEMPLATE).to_string();
    let mut added = false;
    for entry in entries {
        let code = format!("`{}`", entry.key.trim());
        if !usable_key(&entry.key) || text.contains(&code) {
            continue;
        }
        let note = entry.note.replace(['\n', '\r'], " ");
        let line = format!("- {code} ({}) {MARKER}{stamp} -->", note.trim());
        text = insert_under(&text, entry.heading, &line);
        added = true;
    }
    added.then_some(text)
}

/// `text` with `line` added after the last line of the section `heading`
/// (the section is added at the end when missing).
fn insert_under(text: &str, heading: &str, line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == heading) else {
        let mut out = text.trim_end().to_string();
        out.push_str(&format!("\n\n{heading}\n{line}\n"));
        return out;
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("# ") || l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);
    let at = (start + 1..end)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .map_or(start + 1, |i| i + 1);
    lines.insert(at, line);
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `text` within `max_bytes`: the oldest lines Chamber wrote (by stamp,
/// then position) go first; lines without the marker always stay, even
/// when they alone pass the cap.
pub fn cap(text: &str, max_bytes: usize) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut size = text.len();
    while size > max_bytes {
        let oldest = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| stamp_of(l).map(|s| (s, i)))
            .min();
        let Some((_, i)) = oldest else { break };
        size = size.saturating_sub(lines[i].len() + 1);
        lines.remove(i);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The stamp of a line Chamber wrote (`""` when unreadable, so it counts
/// as oldest); `None` for a line a person wrote.
fn stamp_of(line: &str) -> Option<&str> {
    let rest = &line[line.find(MARKER)? + MARKER.len()..];
    Some(rest.split_whitespace().next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(heading: &'static str, key: &str) -> Entry {
        Entry {
            heading,
            key: key.into(),
            note: "passed in run 1".into(),
        }
    }

    #[test]
    fn entries_go_under_their_heading_once() {
        let text = append(
            None,
            &[
                entry(TEST_HEADING, "cargo test"),
                entry(FILES_HEADING, "a.rs"),
            ],
            "2025-01-01T00:00:00Z",
        )
        .unwrap();
        let test_at = text.find("- `cargo test`").unwrap();
        let files_at = text.find(FILES_HEADING).unwrap();
        assert!(text.find(TEST_HEADING).unwrap() < test_at && test_at < files_at);
        assert!(text.contains("- `a.rs` (passed in run 1) <!-- chamber 2025-01-01T00:00:00Z -->"));
        assert_eq!(
            append(Some(&text), &[entry(TEST_HEADING, "cargo test")], "x"),
            None
        );
    }

    #[test]
    fn a_missing_section_is_added_and_hand_text_is_kept() {
        let text = "My notes\n\nuse tabs\n";
        let out = append(Some(text), &[entry(TEST_HEADING, "make test")], "s").unwrap();
        assert!(out.starts_with("My notes\n\nuse tabs\n\n## Test command\n- `make test`"));
    }

    #[test]
    fn the_cap_drops_the_oldest_chamber_lines_only() {
        let text = "# P\nhand line one\n\
            - `b` (x) <!-- chamber 2025-02-01T00:00:00Z -->\n\
            - `a` (x) <!-- chamber 2025-01-01T00:00:00Z -->\n\
            hand line two\n";
        let out = cap(text, text.len() - 10);
        assert!(!out.contains("`a`") && out.contains("`b`"), "{out}");
        let out = cap(text, 1);
        assert_eq!(out, "# P\nhand line one\nhand line two\n");
    }
}
