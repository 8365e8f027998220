//! The elision level: search lines that are only `...` (or a comment like
//! `// ...`) stand for any run of lines.
//!
//! The rule, so that it never lands somewhere unexpected:
//! - the search splits into segments of ordinary lines at the markers;
//!   a leading or trailing marker stands for nothing (the match starts at
//!   the first segment and ends at the last one);
//! - lines are compared by the keys the caller gives: first as written
//!   (but for trailing whitespace), and only if that finds nothing like
//!   the punctuation level (trimmed, typographic punctuation normalised);
//! - each later segment is taken at its *nearest* occurrence after the
//!   previous one whose indentation shift (file minus search) equals the
//!   first segment's, so that `}` at another depth is not taken for the
//!   closing line of the block;
//! - a candidate is one start of the first segment for which every segment
//!   is found; two candidates make the match ambiguous, unless they all
//!   turn the file into the same text (see `ties.rs`).

use std::borrow::Cow;
use std::ops::Range;

use super::Candidate;
use super::normalize::{indent, is_blank, is_elision};

/// Whether any of `search` is an elision marker.
pub(crate) fn has_marker<S: AsRef<str>>(search: &[S]) -> bool {
    search.iter().any(|l| is_elision(l.as_ref()))
}

struct Segment {
    /// Index of its first line in the search lines.
    first: usize,
    len: usize,
    /// Positions in the file where it matches, with the indentation shift.
    places: Vec<(usize, Option<isize>)>,
}

/// All candidates of the elision level. `file_keys`/`search_keys` are the
/// keys of `file`/`search` at the level lines are compared at.
pub(crate) fn candidates(
    file: &[&str],
    file_keys: &[Cow<'_, str>],
    search: &[&str],
    search_keys: &[Cow<'_, str>],
    from: usize,
    at_end: bool,
) -> Vec<Candidate> {
    let markers: Vec<usize> = (0..search.len())
        .filter(|&i| is_elision(search[i]))
        .collect();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < search.len() {
        if markers.contains(&i) {
            i += 1;
            continue;
        }
        let first = i;
        while i < search.len() && !markers.contains(&i) {
            i += 1;
        }
        let places = places(file, file_keys, search, search_keys, first..i, from);
        segments.push(Segment {
            first,
            len: i - first,
            places,
        });
    }
    let Some((head, rest)) = segments.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &(start, shift) in &head.places {
        let mut starts = vec![start];
        let mut pos = start + head.len;
        let mut complete = true;
        for (k, seg) in rest.iter().enumerate() {
            let last = k + 1 == rest.len();
            let found = seg.places.iter().find(|(p, s)| {
                *p >= pos
                    && shifts_agree(shift, *s)
                    && (!last || !at_end || p + seg.len == file.len())
            });
            match found {
                Some(&(p, _)) => {
                    starts.push(p);
                    pos = p + seg.len;
                }
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete || (at_end && pos != file.len()) {
            continue;
        }
        out.push(candidate(&segments, &starts, &markers, search.len()));
    }
    out
}

fn shifts_agree(a: Option<isize>, b: Option<isize>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Where the segment made of `search[range]` matches, from `from` on.
fn places(
    file: &[&str],
    file_keys: &[Cow<'_, str>],
    search: &[&str],
    search_keys: &[Cow<'_, str>],
    range: Range<usize>,
    from: usize,
) -> Vec<(usize, Option<isize>)> {
    let len = range.len();
    if len > file.len() {
        return Vec::new();
    }
    let anchor = range.clone().find(|&i| !is_blank(search[i]));
    (from..=file.len() - len)
        .filter(|&p| {
            range
                .clone()
                .all(|i| file_keys[p + i - range.start] == search_keys[i])
        })
        .map(|p| {
            let shift = anchor.map(|i| {
                let f = indent(file[p + i - range.start]).chars().count() as isize;
                f - indent(search[i]).chars().count() as isize
            });
            (p, shift)
        })
        .collect()
}

fn candidate(segments: &[Segment], starts: &[usize], markers: &[usize], n: usize) -> Candidate {
    let mut map = vec![None; n];
    for (seg, &start) in segments.iter().zip(starts) {
        for j in 0..seg.len {
            map[seg.first + j] = Some(start + j);
        }
    }
    let begin = starts.first().copied().unwrap_or(0);
    let end = match (segments.last(), starts.last()) {
        (Some(seg), Some(&s)) => s + seg.len,
        _ => begin,
    };
    // A marker covers the lines between the segments around it; the first
    // of several markers in a row takes them all, the others nothing.
    let mut gaps = Vec::with_capacity(markers.len());
    let mut covered_until = begin;
    for &m in markers {
        let before = segments.iter().zip(starts).rev().find(|(s, _)| s.first < m);
        let after = segments.iter().zip(starts).find(|(s, _)| s.first > m);
        let gap = match (before, after) {
            (Some((seg, &s)), Some((_, &next))) => (s + seg.len).max(covered_until)..next,
            (None, _) => begin..begin,
            (Some(_), None) => end..end,
        };
        covered_until = covered_until.max(gap.end);
        gaps.push(gap);
    }
    Candidate {
        start: begin,
        end,
        score: 1.0,
        map,
        gaps,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::MatchLevel;
    use super::super::normalize::keys;
    use super::*;

    fn run(file: &[&str], search: &[&str]) -> Vec<Candidate> {
        let fk = keys(file, MatchLevel::Elision);
        let sk = keys(search, MatchLevel::Elision);
        candidates(file, &fk, search, &sk, 0, false)
    }

    #[test]
    fn marker_spans_body() {
        let file = [
            "fn a() {",
            "    let x = 1;",
            "    if x {",
            "    }",
            "}",
            "fn b() {",
            "}",
        ];
        let found = run(&file, &["fn a() {", "    ...", "}"]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (0, 5));
        assert_eq!(found[0].gaps, vec![1..4]);
    }

    #[test]
    fn closing_line_at_other_depth_is_skipped() {
        let file = [
            "def f():",
            "    if x:",
            "        return 1",
            "    return 2",
            "def g():",
        ];
        let found = run(&file, &["def f():", "# ...", "    return 2"]);
        assert_eq!((found[0].start, found[0].end), (0, 4));
        let nested = run(&file, &["def f():", "...", "return 1"]);
        assert!(
            nested.is_empty(),
            "return 1 is deeper than the shift of `def f():` allows"
        );
    }

    #[test]
    fn two_starts_are_two_candidates() {
        let file = ["a", "x", "b", "a", "y", "b"];
        assert_eq!(run(&file, &["a", "...", "b"]).len(), 2);
    }

    #[test]
    fn leading_and_trailing_markers_cover_nothing() {
        let file = ["q", "a", "b", "r"];
        let found = run(&file, &["...", "a", "b", "..."]);
        assert_eq!((found[0].start, found[0].end), (1, 3));
        assert_eq!(found[0].gaps, vec![1..1, 3..3]);
    }
}
