//! Unified diffs for the terminal: headers bold, hunk headers cyan, removed
//! lines red and added lines green, and within a changed line the words
//! that actually changed underlined in bold. Colors vanish when stdout is
//! not a terminal or NO_COLOR is set (the output stream strips them).

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

/// File headers (`diff --git`, `---`, `+++`, modes).
const HEADER: Style = Style::new().bold();
/// `@@ … @@` lines.
const HUNK: Style = AnsiColor::Cyan.on_default();
/// Removed lines.
const DEL: Style = AnsiColor::Red.on_default();
/// Added lines.
const ADD: Style = AnsiColor::Green.on_default();
/// Changed words in removed lines.
const DEL_WORD: Style = AnsiColor::Red.on_default().bold().underline();
/// Changed words in added lines.
const ADD_WORD: Style = AnsiColor::Green.on_default().bold().underline();
/// `\ No newline at end of file`.
const NOTE: Style = Style::new().dimmed();

/// Below this similarity a pair of lines is shown without word highlights
/// (everything changed; highlighting all of it says nothing).
const MIN_RATIO: f32 = 0.3;

/// The diff with styles applied, without a final newline.
pub fn colored(diff: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // Lines still expected in the current hunk (old side, new side).
    let (mut old_left, mut new_left) = (0usize, 0usize);
    let mut dels: Vec<&str> = Vec::new();
    let mut adds: Vec<&str> = Vec::new();
    for line in diff.lines() {
        let in_hunk = old_left > 0 || new_left > 0;
        if in_hunk && line.starts_with('-') && adds.is_empty() {
            dels.push(&line[1..]);
            old_left = old_left.saturating_sub(1);
            continue;
        }
        if in_hunk && line.starts_with('+') {
            adds.push(&line[1..]);
            new_left = new_left.saturating_sub(1);
            continue;
        }
        flush(&mut out, &mut dels, &mut adds);
        if in_hunk && line.starts_with('-') {
            dels.push(&line[1..]);
            old_left = old_left.saturating_sub(1);
        } else if in_hunk && line.starts_with(' ') {
            old_left = old_left.saturating_sub(1);
            new_left = new_left.saturating_sub(1);
            out.push(line.to_string());
        } else if line.starts_with('\\') {
            out.push(paint(NOTE, line));
        } else if line.starts_with("@@") {
            (old_left, new_left) = hunk_sizes(line);
            out.push(paint(HUNK, line));
        } else {
            out.push(paint(HEADER, line));
        }
    }
    flush(&mut out, &mut dels, &mut adds);
    out.join("\n")
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// The line counts of `@@ -a,b +c,d @@` (a missing count is 1).
fn hunk_sizes(header: &str) -> (usize, usize) {
    let mut parts = header.split_whitespace().skip(1);
    let count = |part: Option<&str>| {
        part.and_then(|p| p.get(1..))
            .map(|r| match r.split_once(',') {
                Some((_, n)) => n.parse().unwrap_or(0),
                None => 1,
            })
            .unwrap_or(0)
    };
    let old = count(parts.next());
    let new = count(parts.next());
    (old, new)
}

/// Emits a block of removed lines followed by added lines, pairing them up
/// to highlight the changed words.
fn flush(out: &mut Vec<String>, dels: &mut Vec<&str>, adds: &mut Vec<&str>) {
    let pairs = dels.len().min(adds.len());
    let mut del_lines = Vec::new();
    let mut add_lines = Vec::new();
    for i in 0..dels.len().max(adds.len()) {
        if i < pairs {
            let (d, a) = word_pair(dels[i], adds[i]);
            del_lines.push(d);
            add_lines.push(a);
        } else if let Some(d) = dels.get(i) {
            del_lines.push(paint(DEL, &format!("-{d}")));
        } else if let Some(a) = adds.get(i) {
            add_lines.push(paint(ADD, &format!("+{a}")));
        }
    }
    out.extend(del_lines);
    out.extend(add_lines);
    dels.clear();
    adds.clear();
}

/// A removed and an added line with their differing words emphasised.
fn word_pair(old: &str, new: &str) -> (String, String) {
    let diff = TextDiff::from_words(old, new);
    if diff.ratio() < MIN_RATIO {
        return (
            paint(DEL, &format!("-{old}")),
            paint(ADD, &format!("+{new}")),
        );
    }
    let mut del = format!("{DEL}-");
    let mut add = format!("{ADD}+");
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                del.push_str(text);
                add.push_str(text);
            }
            ChangeTag::Delete => del.push_str(&format!("{DEL_WORD}{text}{DEL_WORD:#}{DEL}")),
            ChangeTag::Insert => add.push_str(&format!("{ADD_WORD}{text}{ADD_WORD:#}{ADD}")),
        }
    }
    del.push_str(&format!("{DEL:#}"));
    add.push_str(&format!("{ADD:#}"));
    (del, add)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,2 @@\n keep\n-let x = 1;\n+let x = 2;\n---x\n";

    #[test]
    fn changed_words_are_emphasised_and_structure_is_kept() {
        let text = colored(DIFF);
        assert!(text.contains(&paint(DEL_WORD, "1;")), "{text:?}");
        assert!(text.contains(&paint(ADD_WORD, "2;")), "{text:?}");
        assert!(!text.contains(&paint(DEL_WORD, "let")), "{text:?}");
        assert!(text.contains(&paint(HEADER, "+++ b/f")), "{text:?}");
        // A removed line that starts with "--" is still a removed line.
        assert!(text.ends_with(&paint(DEL, "---x")), "{text:?}");
        let plain = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(plain, DIFF.trim_end());
    }

    #[test]
    fn hunk_header_counts() {
        assert_eq!(hunk_sizes("@@ -1,3 +1,4 @@ fn x"), (3, 4));
        assert_eq!(hunk_sizes("@@ -1 +0,0 @@"), (1, 0));
    }
}
