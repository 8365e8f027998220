//! The last level of the cascade: windows of the file whose text is similar
//! enough to the search lines, and the rule that picks one only when it is
//! clearly better than any other place.
//!
//! Work is bounded: a q-gram bound (see `grams.rs`) gives every window an
//! upper bound of its score and discards those below the threshold. The
//! others are compared exactly (character LCS ratio), most promising first,
//! until no remaining window could beat the best hit or come within the
//! margin of it, or until [`MAX_WORK`] is spent. Windows left unchecked
//! then keep their bound as a stand-in score when deciding whether the
//! best place is clearly better (and whether it is the best at all), so
//! the budget can make the level refuse, never pick a different place.

use std::borrow::Cow;

use super::grams::{Needle, Window};
use super::lcs::Lcs;

/// The most work spent comparing windows exactly, in machine-word
/// operations of the bit-parallel LCS (search words times window
/// characters): about a second unoptimised, a few hundredths optimised.
const MAX_WORK: u64 = 64_000_000;
/// Most lines a fuzzy window may be longer or shorter than the search.
const MAX_SLACK: usize = 5;
/// Most places listed in a tie.
const MAX_LISTED: usize = 10;

/// A window of the file similar to the search lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    /// First line (0-based).
    pub start: usize,
    /// One past the last line.
    pub end: usize,
    /// Character diff ratio against the search lines (`0..=1`), or an
    /// upper bound of it for windows not diffed.
    pub score: f64,
}

impl Hit {
    fn overlaps(&self, other: &Hit) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// What the scan of the file found.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Scan {
    /// Diffed windows reaching the threshold.
    pub hits: Vec<Hit>,
    /// Windows that might reach it but were not diffed (score: bound).
    pub unchecked: Vec<Hit>,
}

/// The outcome of the "clearly better" rule.
#[derive(Debug, PartialEq)]
pub(crate) enum Pick {
    /// One window wins.
    One(Hit),
    /// Several separate places score within the margin of the best one.
    Tie {
        /// One window per place, best first: every tied place, or, when
        /// `unsure`, at most [`MAX_LISTED`] places ending with the
        /// unchecked windows (scored by their bound).
        places: Vec<Hit>,
        /// Whether a window left unchecked might beat the best one.
        unsure: bool,
    },
    /// Nothing reaches the threshold.
    None,
}

/// Scans the windows of `file` against `search` (both as normalised keys),
/// diffing windows in order of their bound until none left could beat the
/// best hit or tie with it within `margin`.
/// Windows are `n ± n/10` lines long (at least `n ± 1` when `n >= 4`, at
/// most `n ± 5`),
/// start at `from` or later and, with `at_end`, end at the last line.
pub(crate) fn scan(
    file: &[Cow<'_, str>],
    search: &[Cow<'_, str>],
    from: usize,
    at_end: bool,
    threshold: f64,
    margin: f64,
) -> Scan {
    let n = search.len();
    let total = file.len();
    if n == 0 || from >= total {
        return Scan::default();
    }
    let slack = if n >= 4 {
        (n / 10).clamp(1, MAX_SLACK)
    } else {
        0
    };
    let needle = Needle::new(search);
    let lines: Vec<_> = file.iter().map(|l| needle.line(l)).collect();
    let mut candidates: Vec<Hit> = Vec::new();
    for len in n.saturating_sub(slack).max(1)..=n + slack {
        if len > total - from {
            continue;
        }
        let last_start = total - len;
        let first_start = if at_end { last_start } else { from };
        let mut window = Window::new(&needle);
        for line in &lines[first_start..first_start + len] {
            window.add(line);
        }
        for start in first_start..=last_start {
            if start > first_start {
                window.remove(&lines[start - 1]);
                window.add(&lines[start + len - 1]);
            }
            let bound = window.bound();
            if bound >= threshold {
                candidates.push(Hit {
                    start,
                    end: start + len,
                    score: bound,
                });
            }
        }
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                (a.end - a.start)
                    .abs_diff(n)
                    .cmp(&(b.end - b.start).abs_diff(n))
            })
            .then_with(|| a.start.cmp(&b.start))
    });
    // Compare the most promising first; stop once no remaining window
    // could beat the best hit or come within `margin` of it, or when the
    // work budget is spent.
    let margin = margin.max(0.0);
    let search_text = search.join("\n");
    let words = search_text.len().div_ceil(64).max(1) as u64;
    let lcs = Lcs::new(&search_text);
    let mut hits: Vec<Hit> = Vec::new();
    let mut best = f64::NEG_INFINITY;
    let mut work = 0u64;
    for (k, cand) in candidates.iter().enumerate() {
        if cand.score < threshold.max(best - margin) {
            break;
        }
        let window = file[cand.start..cand.end].join("\n");
        work += words * window.len() as u64;
        if work > MAX_WORK {
            return Scan {
                hits,
                unchecked: candidates[k..].to_vec(),
            };
        }
        let score = lcs.ratio(&window);
        if score >= threshold {
            best = best.max(score);
            hits.push(Hit { score, ..*cand });
        }
    }
    Scan {
        hits,
        unchecked: Vec::new(),
    }
}

/// The first lines (0-based) of the first tied `places`, as many as are
/// listed in an error.
pub(crate) fn listed(places: &[Hit]) -> Vec<usize> {
    places.iter().take(MAX_LISTED).map(|h| h.start).collect()
}

/// Applies the "clearly better" rule for a search of `n` lines: the best
/// hit (highest score; then the length closest to `n`; then the earliest)
/// wins unless a separate place (not overlapping it) scores, or may score,
/// within `margin` of it. If a window left unchecked might score higher
/// than the best hit, nothing is picked (its places are returned as a tie).
pub(crate) fn pick(scan: Scan, n: usize, margin: f64) -> Pick {
    let Scan {
        mut hits,
        unchecked,
    } = scan;
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                (a.end - a.start)
                    .abs_diff(n)
                    .cmp(&(b.end - b.start).abs_diff(n))
            })
            .then_with(|| a.start.cmp(&b.start))
    });
    let Some(best) = hits.first().copied() else {
        return Pick::None;
    };
    let margin = margin.max(0.0);
    let unsure = unchecked.iter().any(|u| u.score > best.score);
    // One representative per separate place, best first.
    let mut places: Vec<Hit> = vec![best];
    for hit in hits[1..].iter().chain(&unchecked) {
        if places.iter().all(|p| !p.overlaps(hit)) {
            places.push(*hit);
        }
    }
    let mut tied: Vec<Hit> = places
        .iter()
        .skip(1)
        .filter(|h| best.score - h.score < margin)
        .copied()
        .collect();
    if tied.is_empty() && !unsure {
        return Pick::One(best);
    }
    tied.insert(0, best);
    if unsure {
        tied.truncate(MAX_LISTED);
        for u in unchecked.iter().filter(|u| u.score > best.score) {
            if tied.len() < MAX_LISTED && tied.iter().all(|t| t.start != u.start) {
                tied.push(*u);
            }
        }
    }
    Pick::Tie {
        places: tied,
        unsure,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::lcs::ratio;
    use super::*;

    fn hit(start: usize, end: usize, score: f64) -> Hit {
        Hit { start, end, score }
    }

    fn starts(p: Pick) -> (Vec<usize>, bool) {
        match p {
            Pick::Tie { places, unsure } => (listed(&places), unsure),
            other => panic!("not a tie: {other:?}"),
        }
    }

    fn cows(lines: &[&'static str]) -> Vec<Cow<'static, str>> {
        lines.iter().map(|l| Cow::Borrowed(*l)).collect()
    }

    #[test]
    fn finds_similar_window() {
        let file = cows(&[
            "a",
            "let total = compute(alpha, beta);",
            "return total + 1;",
            "z",
        ]);
        let search = cows(&["let total = compute(alpha, betta);", "return total + 1;"]);
        let found = scan(&file, &search, 0, false, 0.9, 0.05);
        let Pick::One(hit) = pick(found, 2, 0.05) else {
            panic!()
        };
        assert_eq!((hit.start, hit.end), (1, 3));
        assert!((hit.score - ratio(&search.join("\n"), &file[1..3].join("\n"))).abs() < 1e-9);
    }

    #[test]
    fn close_rivals_tie() {
        let a = hit(0, 3, 0.95);
        let b = hit(10, 13, 0.93);
        let near = hit(1, 4, 0.94);
        let found = Scan {
            hits: vec![a, b, near],
            unchecked: vec![],
        };
        assert_eq!(starts(pick(found, 3, 0.05)), (vec![0, 10], false));
        let far = hit(10, 13, 0.90);
        assert_eq!(
            pick(
                Scan {
                    hits: vec![a, far, near],
                    unchecked: vec![]
                },
                3,
                0.03
            ),
            Pick::One(a)
        );
    }

    #[test]
    fn unchecked_places_can_only_block() {
        let a = hit(0, 3, 0.95);
        let maybe = hit(20, 23, 0.99);
        assert_eq!(
            starts(pick(
                Scan {
                    hits: vec![a],
                    unchecked: vec![maybe]
                },
                3,
                0.05
            )),
            (vec![0, 20], true)
        );
        let weak = hit(20, 23, 0.5);
        assert_eq!(
            pick(
                Scan {
                    hits: vec![a],
                    unchecked: vec![weak]
                },
                3,
                0.05
            ),
            Pick::One(a)
        );
        assert_eq!(
            pick(
                Scan {
                    hits: vec![],
                    unchecked: vec![maybe]
                },
                3,
                0.05
            ),
            Pick::None
        );
        // An unchecked window overlapping the best one that might beat it:
        // the exact boundaries are unknown, so nothing is picked.
        let shifted = hit(1, 4, 0.97);
        assert_eq!(
            starts(pick(
                Scan {
                    hits: vec![a],
                    unchecked: vec![shifted]
                },
                3,
                0.05
            )),
            (vec![0, 1], true)
        );
    }

    #[test]
    fn at_end_only_considers_the_tail() {
        let file = cows(&["same line here", "x", "same line here"]);
        let search = cows(&["same line here!"]);
        let found = scan(&file, &search, 0, true, 0.9, 0.05);
        assert!(found.hits.iter().all(|h| h.end == 3));
    }
}
