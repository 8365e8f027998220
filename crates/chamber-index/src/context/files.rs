//! A file as context: whole when short, else head, symbol outline, windows
//! around the relevant lines, and tail.

use std::collections::BTreeSet;

use crate::Symbol;

/// Lines of a file shown whole at most.
pub(crate) const WHOLE_MAX_LINES: usize = 150;
/// Head lines of a summarised file.
const HEAD: usize = 12;
/// Tail lines of a summarised file.
const TAIL: usize = 5;
/// Lines each side of a relevant line.
const WINDOW: usize = 6;
/// Longest window around a relevant symbol.
const SYMBOL_WINDOW: usize = 40;
/// Windows at most.
const MAX_WINDOWS: usize = 4;

/// `n│ line` for lines `from..=to` (1-based).
fn numbered(lines: &[&str], from: usize, to: usize) -> String {
    let mut out = String::new();
    for n in from.max(1)..=to.min(lines.len()) {
        out.push_str(&format!("{n:>5}│ {}\n", lines[n - 1]));
    }
    out
}

/// The whole file, numbered.
pub(crate) fn whole(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    numbered(&lines, 1, lines.len())
}

/// Line ranges (1-based, inclusive) worth showing for `identifiers`: the
/// definitions of named symbols, then lines that mention them.
fn relevant_ranges(
    lines: &[&str],
    symbols: &[&Symbol],
    identifiers: &[String],
) -> Vec<(usize, usize)> {
    let named: BTreeSet<&str> = identifiers.iter().map(String::as_str).collect();
    let mut ranges = Vec::new();
    for s in symbols {
        if named.contains(s.name.as_str()) {
            let from = s.start_line as usize;
            let to = (s.end_line as usize).min(from + SYMBOL_WINDOW);
            ranges.push((from.saturating_sub(2).max(1), to));
        }
    }
    if ranges.len() < MAX_WINDOWS {
        for (i, line) in lines.iter().enumerate() {
            if named.iter().any(|id| id.len() >= 4 && line.contains(id)) {
                let n = i + 1;
                ranges.push((n.saturating_sub(WINDOW).max(1), n + WINDOW));
                if ranges.len() >= MAX_WINDOWS * 3 {
                    break;
                }
            }
        }
    }
    // Merge overlaps, keep the first few.
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged.truncate(MAX_WINDOWS);
    merged
}

/// A summary of a long file: head, outline of its symbols, windows around
/// what `identifiers` name, tail. With `windows` false the windows are
/// left out (the smallest form).
pub(crate) fn summary(
    text: &str,
    symbols: &[&Symbol],
    identifiers: &[String],
    windows: bool,
) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    let mut out = format!("[{total} lines; head, outline, relevant parts and tail]\n");
    out.push_str(&numbered(&lines, 1, HEAD.min(total)));
    if !symbols.is_empty() {
        out.push_str("  … outline:\n");
        let mut sorted: Vec<&&Symbol> = symbols.iter().collect();
        sorted.sort_by_key(|s| (s.start_line, s.name.as_str()));
        for s in sorted.iter().take(60) {
            out.push_str(&format!("{:>5}│ {}\n", s.start_line, s.signature));
        }
    }
    if windows {
        for (a, b) in relevant_ranges(&lines, symbols, identifiers) {
            if b <= HEAD || a > total.saturating_sub(TAIL) {
                continue;
            }
            out.push_str("  …\n");
            out.push_str(&numbered(
                &lines,
                a.max(HEAD + 1),
                b.min(total.saturating_sub(TAIL)),
            ));
        }
    }
    if total > HEAD {
        out.push_str("  …\n");
        out.push_str(&numbered(
            &lines,
            total.saturating_sub(TAIL).max(HEAD) + 1,
            total,
        ));
    }
    out
}
