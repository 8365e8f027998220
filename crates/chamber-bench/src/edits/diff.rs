//! The line diff of an edit as hunks (context, removed and added lines),
//! and its renderings in the formats a model writes: `apply_patch`,
//! search/replace blocks and unified diffs.

use similar::{Algorithm, DiffOp, capture_diff_slices, group_diff_ops};

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Unchanged, shown for context.
    Context(String),
    /// Only in the old file.
    Removed(String),
    /// Only in the new file.
    Added(String),
}

impl Line {
    /// The line's text, whatever its kind.
    pub fn text(&self) -> &str {
        match self {
            Line::Context(t) | Line::Removed(t) | Line::Added(t) => t,
        }
    }

    /// The line's text, mutably.
    pub fn text_mut(&mut self) -> &mut String {
        match self {
            Line::Context(t) | Line::Removed(t) | Line::Added(t) => t,
        }
    }

    /// Whether the old file has this line (context or removed).
    pub fn is_old(&self) -> bool {
        !matches!(self, Line::Added(_))
    }

    /// Whether the new file has this line (context or added).
    pub fn is_new(&self) -> bool {
        !matches!(self, Line::Removed(_))
    }
}

/// A run of changed lines with the context around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// 0-based index, in the old file, of the hunk's first old line (or of
    /// the line it inserts before, when it has no old lines).
    pub old_start: usize,
    /// The same in the new file.
    pub new_start: usize,
    /// The lines, in order.
    pub lines: Vec<Line>,
}

impl Hunk {
    /// The lines the old file has here.
    pub fn old_lines(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| l.is_old())
            .map(Line::text)
            .collect()
    }

    /// The lines the new file has here.
    pub fn new_lines(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| l.is_new())
            .map(Line::text)
            .collect()
    }
}

/// Splits `text` into lines without their `\n` terminators.
pub fn lines_of(text: &str) -> Vec<&str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() && text.is_empty() {
        return Vec::new();
    }
    body.split('\n').collect()
}

/// The hunks turning `before` into `after`, with `radius` context lines.
pub fn hunks(before: &str, after: &str, radius: usize) -> Vec<Hunk> {
    let old = lines_of(before);
    let new = lines_of(after);
    let ops = capture_diff_slices(Algorithm::Myers, &old, &new);
    group_diff_ops(ops, radius)
        .into_iter()
        .filter_map(|group| {
            let first = group.first()?;
            let mut hunk = Hunk {
                old_start: first.old_range().start,
                new_start: first.new_range().start,
                lines: Vec::new(),
            };
            for op in &group {
                push_op(&mut hunk.lines, op, &old, &new);
            }
            Some(hunk)
        })
        .collect()
}

fn push_op(out: &mut Vec<Line>, op: &DiffOp, old: &[&str], new: &[&str]) {
    let owned = |s: &&str| (*s).to_owned();
    match op {
        DiffOp::Equal { .. } => {
            out.extend(old[op.old_range()].iter().map(owned).map(Line::Context));
        }
        DiffOp::Delete { .. } | DiffOp::Insert { .. } | DiffOp::Replace { .. } => {
            out.extend(old[op.old_range()].iter().map(owned).map(Line::Removed));
            out.extend(new[op.new_range()].iter().map(owned).map(Line::Added));
        }
    }
}

/// The unified diff of `hunks` on `path`, with `shift` added to every line
/// number of the `@@` headers (0 for correct numbers).
pub fn unified(path: &str, hunks: &[Hunk], shift: isize) -> String {
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in hunks {
        let old_len = hunk.lines.iter().filter(|l| l.is_old()).count();
        let new_len = hunk.lines.iter().filter(|l| l.is_new()).count();
        let number = |start: usize, len: usize| {
            // An empty side is numbered by the line it follows.
            let line = if len == 0 { start } else { start + 1 };
            line.saturating_add_signed(shift).max(usize::from(len != 0))
        };
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            number(hunk.old_start, old_len),
            number(hunk.new_start, new_len)
        ));
        for line in &hunk.lines {
            push_prefixed(&mut out, line);
        }
    }
    out
}

/// The `apply_patch` text of `hunks` on `path` (one `@@` per hunk).
pub fn apply_patch(path: &str, hunks: &[Hunk]) -> String {
    let mut out = format!("*** Begin Patch\n*** Update File: {path}\n");
    for hunk in hunks {
        out.push_str("@@\n");
        for line in &hunk.lines {
            push_prefixed(&mut out, line);
        }
    }
    out.push_str("*** End Patch\n");
    out
}

/// Search/replace blocks for `hunks` on `path`, one block per hunk.
pub fn search_replace(path: &str, hunks: &[Hunk]) -> String {
    let mut out = String::new();
    for hunk in hunks {
        out.push_str(&format!("{path}\n<<<<<<< SEARCH\n"));
        for line in hunk.old_lines() {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("=======\n");
        for line in hunk.new_lines() {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(">>>>>>> REPLACE\n\n");
    }
    out
}

fn push_prefixed(out: &mut String, line: &Line) {
    let prefix = match line {
        Line::Context(_) => ' ',
        Line::Removed(_) => '-',
        Line::Added(_) => '+',
    };
    out.push(prefix);
    out.push_str(line.text());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_and_unified_numbers() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nD\ne\nf\ng\nh\n";
        let hs = hunks(before, after, 2);
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0].old_start, 1);
        assert_eq!(hs[0].old_lines(), ["b", "c", "d", "e", "f"]);
        let text = unified("x.rs", &hs, 0);
        assert!(
            text.contains("@@ -2,5 +2,5 @@\n b\n c\n-d\n+D\n e\n f\n"),
            "{text}"
        );
        assert!(unified("x.rs", &hs, 10).contains("@@ -12,5 +12,5 @@"));
    }

    #[test]
    fn renderings_carry_both_sides() {
        let hs = hunks("x\ny\n", "x\nz\ny\n", 3);
        let sr = search_replace("f.py", &hs);
        assert_eq!(
            sr,
            "f.py\n<<<<<<< SEARCH\nx\ny\n=======\nx\nz\ny\n>>>>>>> REPLACE\n\n"
        );
        let ap = apply_patch("f.py", &hs);
        assert!(
            ap.contains("*** Update File: f.py\n@@\n x\n+z\n y\n*** End Patch"),
            "{ap}"
        );
    }
}
