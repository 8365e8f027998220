//! Reading unified diffs, git's included, tolerantly: line numbers and
//! counts in `@@` headers are read but not trusted (a hunk ends at the
//! first line that cannot belong to it), `@@` headers without numbers are
//! accepted, text around file sections (prose, code fences, `index` lines)
//! is skipped, and an empty line inside a hunk is an empty context line
//! (at the end of a hunk only as many as its header's counts still need).

use crate::document::split_lines;
use crate::error::{EditError, PatchFormat};

/// How a hunk line is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Context,
    Removed,
    Added,
}

/// One `@@` hunk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hunk {
    /// The old-side start line of the header, when it had one (1-based).
    pub(crate) old_start: Option<usize>,
    pub(crate) lines: Vec<(Tag, String)>,
    /// `\ No newline at end of file` after the old side's last line.
    pub(crate) old_no_eol: bool,
    /// `\ No newline at end of file` after the new side's last line.
    pub(crate) new_no_eol: bool,
}

impl Hunk {
    /// Context and removed lines.
    pub(crate) fn old(&self) -> Vec<String> {
        self.side(Tag::Removed)
    }

    /// Context and added lines.
    pub(crate) fn new_side(&self) -> Vec<String> {
        self.side(Tag::Added)
    }

    fn side(&self, tag: Tag) -> Vec<String> {
        self.lines
            .iter()
            .filter(|(t, _)| *t == Tag::Context || *t == tag)
            .map(|(_, l)| l.clone())
            .collect()
    }
}

/// The changes to one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FilePatch {
    /// The old path as written (`None`: `/dev/null`).
    pub(crate) old_path: Option<String>,
    /// The new path as written (`None`: `/dev/null`).
    pub(crate) new_path: Option<String>,
    /// Whether a `diff --git` line started the section.
    pub(crate) git: bool,
    pub(crate) new_file: bool,
    pub(crate) deleted: bool,
    pub(crate) binary: bool,
    pub(crate) hunks: Vec<Hunk>,
    /// 1-based line of the patch where the section starts.
    pub(crate) line: usize,
}

fn error(line: usize, message: impl Into<String>) -> EditError {
    EditError::Parse {
        format: PatchFormat::UnifiedDiff,
        line,
        message: message.into(),
    }
}

/// Parses a unified diff into file sections.
pub(crate) fn parse(text: &str) -> Result<Vec<FilePatch>, EditError> {
    let lines = split_lines(text);
    let mut files: Vec<FilePatch> = Vec::new();
    let mut current: Option<FilePatch> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        if let Some(rest) = line.strip_prefix("diff --git ") {
            files.extend(current.take());
            let (old, new) = git_paths(rest);
            current = Some(FilePatch {
                old_path: old,
                new_path: new,
                git: true,
                line: i + 1,
                ..FilePatch::default()
            });
            i += 1;
        } else if is_file_header(&lines, i) {
            let fresh_git = current
                .as_ref()
                .is_some_and(|c| c.git && c.hunks.is_empty());
            if !fresh_git {
                files.extend(current.take());
            }
            let section = current.get_or_insert_with(|| FilePatch {
                line: i + 1,
                ..FilePatch::default()
            });
            section.old_path = header_path(&line[4..]);
            section.new_path = header_path(&lines[i + 1][4..]);
            i += 2;
        } else if line.starts_with("@@") {
            let Some(section) = current.as_mut() else {
                return Err(error(
                    i + 1,
                    "a hunk (`@@`) before any file header; start each file with `--- a/path` and `+++ b/path` lines",
                ));
            };
            let (hunk, next) = read_hunk(&lines, i);
            section.hunks.push(hunk);
            i = next;
        } else {
            if let Some(section) = current.as_mut().filter(|c| c.hunks.is_empty()) {
                extended_header(section, line);
            }
            i += 1;
        }
    }
    files.extend(current);
    Ok(files)
}

/// Whether lines `i` and `i + 1` are a `---`/`+++` pair.
fn is_file_header(lines: &[String], i: usize) -> bool {
    lines[i].starts_with("--- ") && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ "))
}

fn extended_header(section: &mut FilePatch, line: &str) {
    if line.starts_with("new file mode") {
        section.new_file = true;
    } else if line.starts_with("deleted file mode") {
        section.deleted = true;
    } else if let Some(p) = line.strip_prefix("rename from ") {
        section.old_path = Some(unquote(p));
    } else if let Some(p) = line.strip_prefix("rename to ") {
        section.new_path = Some(unquote(p));
    } else if line.starts_with("Binary files ") || line.starts_with("GIT binary patch") {
        section.binary = true;
    }
}

/// The paths of `diff --git a/x b/y` (prefixes kept), preferring a split
/// where both sides name the same file.
fn git_paths(rest: &str) -> (Option<String>, Option<String>) {
    let splits: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    let pick = splits
        .iter()
        .copied()
        .find(|&i| rest[..i].strip_prefix("a/") == Some(&rest[i + 3..]));
    match pick.or(splits.first().copied()) {
        Some(i) => (Some(unquote(&rest[..i])), Some(unquote(&rest[i + 1..]))),
        None => (None, None),
    }
}

/// The path of a `---`/`+++` line: cut at a tab (timestamps), unquoted;
/// `None` for `/dev/null`.
fn header_path(rest: &str) -> Option<String> {
    let path = rest.split('\t').next().unwrap_or(rest).trim();
    let path = unquote(path);
    (path != "/dev/null" && !path.is_empty()).then_some(path)
}

/// Undoes git's C-style quoting of unusual paths (`"a/x\ty"`).
fn unquote(path: &str) -> String {
    let path = path.trim();
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_owned();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&o @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(o - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((value & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The numbers of a `@@ -a,b +c,d @@` header (any of them may be missing).
fn header_numbers(line: &str) -> (Option<usize>, Option<usize>, Option<usize>) {
    let inner = line.trim_start_matches('@');
    let ranges = inner.split("@@").next().unwrap_or("");
    let (mut old_start, mut old_count, mut new_count) = (None, None, None);
    for token in ranges.split_whitespace() {
        let (sign, body) = token.split_at(token.chars().next().map_or(0, char::len_utf8));
        let mut parts = body.split(',');
        let start = parts.next().and_then(|n| n.parse::<usize>().ok());
        let count = match parts.next() {
            Some(c) => c.parse::<usize>().ok(),
            None => start.map(|_| 1),
        };
        match sign {
            "-" => (old_start, old_count) = (start, count),
            "+" => new_count = count,
            _ => {}
        }
    }
    (old_start, old_count, new_count)
}

/// Reads the hunk whose header is line `at`; returns it and the index of
/// the first line after it.
fn read_hunk(lines: &[String], at: usize) -> (Hunk, usize) {
    let (old_start, old_count, new_count) = header_numbers(&lines[at]);
    let mut hunk = Hunk {
        old_start,
        ..Hunk::default()
    };
    let mut blanks = 0usize;
    let mut j = at + 1;
    while j < lines.len() {
        let line = lines[j].as_str();
        if line.starts_with("@@") || line.starts_with("diff --git ") || is_file_header(lines, j) {
            break;
        }
        if line.is_empty() {
            blanks += 1;
            j += 1;
            continue;
        }
        let mut chars = line.chars();
        let tag = match chars.next() {
            Some(' ') => Tag::Context,
            Some('-') => Tag::Removed,
            Some('+') => Tag::Added,
            Some('\\') => {
                match hunk.lines.last().map(|(t, _)| *t) {
                    Some(Tag::Removed) => hunk.old_no_eol = true,
                    Some(Tag::Added) => hunk.new_no_eol = true,
                    Some(Tag::Context) => (hunk.old_no_eol, hunk.new_no_eol) = (true, true),
                    None => {}
                }
                j += 1;
                continue;
            }
            _ => break,
        };
        for _ in 0..std::mem::take(&mut blanks) {
            hunk.lines.push((Tag::Context, String::new()));
        }
        hunk.lines.push((tag, chars.as_str().to_owned()));
        j += 1;
    }
    // Trailing empty lines are context only as far as the counts need.
    if let (Some(old_count), Some(new_count)) = (old_count, new_count) {
        let need_old = old_count.saturating_sub(hunk.old().len());
        let need_new = new_count.saturating_sub(hunk.new_side().len());
        for _ in 0..blanks.min(need_old).min(need_new) {
            hunk.lines.push((Tag::Context, String::new()));
        }
    }
    (hunk, j)
}

#[cfg(test)]
mod tests;
