//! What to tell the model when its lines are nowhere: the region of the
//! file most like them, and a diff from what it expected to what is there,
//! so that one retry can fix the edit.

use std::collections::HashSet;

use similar::TextDiff;

use super::bag::Bag;
use super::lcs::ratio;
use crate::error::LineSpan;

/// How many windows are compared with a real diff after the cheap ranking.
const REFINE: usize = 8;
/// The longest diff shown, in lines.
const MAX_DIFF_LINES: usize = 120;

/// The window of `file` (as many lines as `search`, fewer if the file is
/// shorter) most similar to `search`, as a 0-based start and end; `None`
/// for an empty file or search.
pub(crate) fn closest(file: &[&str], search: &[&str]) -> Option<(usize, usize)> {
    let n = search.len().min(file.len());
    if n == 0 {
        return None;
    }
    let wanted: HashSet<&str> = search
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let trimmed: Vec<&str> = file.iter().map(|l| l.trim()).collect();
    let search_bag = Bag::of_lines(&trimmed_all(search));
    let hit = |l: &str| usize::from(!l.is_empty() && wanted.contains(l));

    let mut hits: usize = trimmed[..n].iter().map(|l| hit(l)).sum();
    let mut bag = Bag::of_lines(&trimmed[..n]);
    let mut ranked: Vec<(usize, f64, usize)> = Vec::with_capacity(file.len() - n + 1);
    for start in 0..=file.len() - n {
        if start > 0 {
            hits = hits + hit(trimmed[start + n - 1]) - hit(trimmed[start - 1]);
            bag.remove(trimmed[start - 1]);
            bag.remove_char('\n');
            bag.add_char('\n');
            bag.add(trimmed[start + n - 1]);
        }
        ranked.push((hits, bag.bound(&search_bag), start));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let expected = trimmed_all(search).join("\n");
    let mut best: Option<(f64, usize)> = None;
    for &(_, _, start) in ranked.iter().take(REFINE) {
        let score = ratio(&expected, &trimmed[start..start + n].join("\n"));
        if best.is_none_or(|(b, s)| score > b || (score == b && start < s)) {
            best = Some((score, start));
        }
    }
    best.map(|(_, start)| (start, start + n))
}

fn trimmed_all<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines.iter().map(|l| l.trim()).collect()
}

/// A unified diff from `expected` (`-`) to `actual` (`+`, the file's
/// `span`), cut after [`MAX_DIFF_LINES`] lines. When the two are equal the
/// text says so and why the place was still refused.
pub(crate) fn diff(expected: &[&str], actual: &[&str], span: LineSpan) -> String {
    let old = with_newlines(expected);
    let new = with_newlines(actual);
    let text = TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header("expected", &format!("actual ({span})"))
        .to_string();
    if text.is_empty() {
        return format!(
            "(the lines at {span} are identical to the expected ones, but that place was \
             not allowed: a hunk must come after the previous one, and an `*** End of File` \
             hunk must end the file)"
        );
    }
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= MAX_DIFF_LINES {
        return text.trim_end().to_owned();
    }
    let mut cut = lines[..MAX_DIFF_LINES].join("\n");
    cut.push_str(&format!(
        "\n... ({} more diff lines)",
        lines.len() - MAX_DIFF_LINES
    ));
    cut
}

fn with_newlines(lines: &[&str]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_region_with_most_shared_lines() {
        let file = [
            "a",
            "b",
            "fn main() {",
            "    let x = 1;",
            "    run(x);",
            "}",
            "z",
        ];
        let search = ["fn main() {", "    let x = 2;", "    run(x);", "}"];
        assert_eq!(closest(&file, &search), Some((2, 6)));
    }

    #[test]
    fn diff_shows_expected_and_actual() {
        let d = diff(&["a", "b"], &["a", "c"], LineSpan { start: 3, end: 4 });
        assert!(d.contains("--- expected"), "{d}");
        assert!(d.contains("+++ actual (lines 3-4)"), "{d}");
        assert!(d.contains("-b") && d.contains("+c"), "{d}");
    }

    #[test]
    fn empty_inputs_have_no_region() {
        assert_eq!(closest(&[], &["a"]), None);
        assert_eq!(closest(&["a"], &[]), None);
    }
}
