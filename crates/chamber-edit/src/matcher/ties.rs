//! What happens when a level finds several candidates: a tie, refused as
//! [`MatchFailure::Ambiguous`], except in these cases:
//! - at levels 1-5, a hint that *starts* exactly at one candidate picks it;
//! - at the elision level, candidates that all lead to the same file are
//!   no tie (typically a common line such as `}` or `///` before a `...`
//!   occurs many times before the distinctive lines after the marker: each
//!   candidate keeps that line and what the marker covers, so which one is
//!   taken changes nothing);
//! - at the fuzzy level, when all tied places were compared (none is only
//!   a bound), a hint within [`FUZZY_HINT_SLACK`] lines of exactly one
//!   tied place's start picks it, and so does exactly one tied place being
//!   indented as the search lines are (the cascade's own order: an exact
//!   match beats one that ignores indentation); when both rules pick a
//!   place, it must be the same one.

use super::fuzzy::Hit;
use super::normalize::{indent, is_blank};
use super::{Candidate, Located, MatchFailure, MatchLevel, rebuild};

/// How far (in lines) a hint may be from a fuzzy place's start and still
/// point at it.
pub(crate) const FUZZY_HINT_SLACK: usize = 2;
/// Most tied fuzzy places compared for their indentation.
const MAX_INDENT_COMPARED: usize = 10;
/// Most candidates compared for the same outcome.
const MAX_COMPARED: usize = 512;
/// Most lines built in all when comparing outcomes.
const MAX_COMPARED_LINES: usize = 2_000_000;

/// One candidate: found; none: try the next level; several: the hint may
/// pick the one starting exactly at it, otherwise ambiguous.
pub(crate) fn decide(
    mut cands: Vec<Candidate>,
    level: MatchLevel,
    hint: Option<usize>,
) -> Result<Option<Candidate>, MatchFailure> {
    match cands.len() {
        0 => Ok(None),
        1 => Ok(cands.pop()),
        _ => {
            if let Some(line) = hint {
                let at_hint: Vec<usize> = (0..cands.len())
                    .filter(|&i| cands[i].start + 1 == line)
                    .collect();
                if let [only] = at_hint[..] {
                    return Ok(Some(cands.swap_remove(only)));
                }
            }
            let candidates = cands.iter().map(|c| c.start + 1).collect();
            Err(MatchFailure::Ambiguous { level, candidates })
        }
    }
}

/// When `cands` (two or more) all turn `file` into the same text, the
/// shortest of them (any would do); otherwise, or when comparing would
/// cost too much, `None`.
pub(crate) fn same_outcome(
    file: &[&str],
    search: &[&str],
    replace: &[&str],
    cands: &[Candidate],
    level: MatchLevel,
) -> Option<Located> {
    if cands.len() < 2 || cands.len() > MAX_COMPARED {
        return None;
    }
    // Outside lo..hi every outcome is the file itself.
    let lo = cands.iter().map(|c| c.start).min()?;
    let hi = cands.iter().map(|c| c.end).max()?;
    if (hi - lo).saturating_mul(cands.len()) > MAX_COMPARED_LINES {
        return None;
    }
    let mut first: Option<Vec<String>> = None;
    let mut chosen: Option<(&Candidate, Vec<String>)> = None;
    for cand in cands {
        let replacement = rebuild::replacement(file, search, replace, cand, level).ok()?;
        let outcome = file[lo..cand.start]
            .iter()
            .copied()
            .chain(replacement.iter().map(String::as_str))
            .chain(file[cand.end..hi].iter().copied());
        match &first {
            None => first = Some(outcome.map(str::to_owned).collect()),
            Some(known) => {
                if !known.iter().map(String::as_str).eq(outcome) {
                    return None;
                }
            }
        }
        if chosen
            .as_ref()
            .is_none_or(|(c, _)| cand.end - cand.start < c.end - c.start)
        {
            chosen = Some((cand, replacement));
        }
    }
    let (cand, replacement) = chosen?;
    Some(Located {
        start: cand.start,
        end: cand.end,
        level,
        score: cand.score,
        replacement,
    })
}

/// A tie at the fuzzy level: several separate places score within the
/// margin of the best one.
pub(crate) struct FuzzyTie<'a> {
    /// The tied places, best first.
    pub(crate) places: &'a [Hit],
    /// Whether some place is known only by its bound.
    pub(crate) unsure: bool,
    /// The caller's 1-based line hint.
    pub(crate) hint: Option<usize>,
}

impl FuzzyTie<'_> {
    /// The one place the tie can be broken for (`align` pairs a place's
    /// lines with the search lines): the place the hint points at, or the
    /// only place whose lines are indented exactly as the search lines; if
    /// both rules pick, they must pick the same place. Never when some
    /// place was not compared.
    pub(crate) fn resolve(
        &self,
        file: &[&str],
        search: &[&str],
        align: impl Fn(Hit) -> Candidate,
    ) -> Option<Candidate> {
        if self.unsure {
            return None;
        }
        let by_hint = self.at_hint();
        let mut by_indent = None;
        if self.places.len() <= MAX_INDENT_COMPARED {
            let cands: Vec<Candidate> = self.places.iter().map(|h| align(*h)).collect();
            let same: Vec<usize> = (0..cands.len())
                .filter(|&k| indented_alike(file, search, &cands[k].map))
                .collect();
            if let [only] = same[..] {
                by_indent = cands.into_iter().nth(only);
            }
        }
        match (by_hint, by_indent) {
            (Some(h), Some(c)) => (h.start == c.start).then_some(c),
            (Some(h), None) => Some(align(h)),
            (None, c) => c,
        }
    }

    /// The one place whose start is within [`FUZZY_HINT_SLACK`] lines of
    /// the hint (and no other place's is).
    fn at_hint(&self) -> Option<Hit> {
        let line = self.hint?.checked_sub(1)?;
        let mut near = self
            .places
            .iter()
            .filter(|h| h.start.abs_diff(line) <= FUZZY_HINT_SLACK);
        match (near.next(), near.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    }
}

/// Whether the file lines `map` pairs with the search lines are indented
/// exactly as they are, over enough non-blank pairs (two, and at least half
/// of the search's non-blank lines).
fn indented_alike(file: &[&str], search: &[&str], map: &[Option<usize>]) -> bool {
    let mut compared = 0;
    for (s, j) in search.iter().zip(map) {
        let Some(f) = j.and_then(|j| file.get(j)) else {
            continue;
        };
        if is_blank(s) || is_blank(f) {
            continue;
        }
        if indent(s) != indent(f) {
            return false;
        }
        compared += 1;
    }
    let wanted = search.iter().filter(|s| !is_blank(s)).count().div_ceil(2);
    compared >= wanted.max(2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hit(start: usize) -> Hit {
        Hit {
            start,
            end: start + 3,
            score: 0.95,
        }
    }

    fn tie(places: &[Hit], unsure: bool, hint: Option<usize>) -> Option<usize> {
        let file: Vec<String> = (0..60).map(|i| format!("line {i}")).collect();
        let file: Vec<&str> = file.iter().map(String::as_str).collect();
        let search = ["x", "y", "z"];
        let t = FuzzyTie {
            places,
            unsure,
            hint,
        };
        let cand = |h: Hit| Candidate {
            start: h.start,
            end: h.end,
            score: h.score,
            map: vec![None; 3],
            gaps: vec![],
        };
        t.resolve(&file, &search, cand).map(|c| c.start)
    }

    #[test]
    fn fuzzy_hint_must_point_at_exactly_one_place() {
        let places = [hit(10), hit(40)];
        assert_eq!(tie(&places, false, Some(41)), Some(40));
        assert_eq!(tie(&places, false, Some(13)), Some(10));
        assert_eq!(tie(&places, false, Some(14)), None, "too far");
        assert_eq!(tie(&places, false, None), None);
        assert_eq!(tie(&places, true, Some(41)), None, "unsure");
        let close = [hit(10), hit(13)];
        assert_eq!(tie(&close, false, Some(13)), None, "points at both");
    }

    #[test]
    fn indentation_must_match_on_enough_lines() {
        let file = ["    a", "    b", "        a", "        b", ""];
        let search = ["    a", "    b", "    c", ""];
        assert!(indented_alike(
            &file,
            &search,
            &[Some(0), Some(1), None, Some(4)]
        ));
        assert!(!indented_alike(
            &file,
            &search,
            &[Some(2), Some(3), None, None]
        ));
        assert!(
            !indented_alike(&file, &search, &[Some(0), None, None, None]),
            "one pair is too few"
        );
    }

    #[test]
    fn same_outcome_needs_identical_files() {
        let file = ["{", "a", "{", "b", "end"];
        let cand = |start: usize| Candidate {
            start,
            end: 5,
            score: 1.0,
            map: vec![Some(start), None, Some(4)],
            gaps: std::iter::once(start + 1..4).collect(),
        };
        let search = ["{", "...", "end"];
        let cands = [cand(0), cand(2)];
        let found = same_outcome(
            &file,
            &search,
            &["{", "...", "END"],
            &cands,
            MatchLevel::Elision,
        )
        .unwrap();
        assert_eq!((found.start, found.end), (2, 5));
        assert_eq!(found.replacement, ["{", "b", "END"]);
        // Changing the common line makes the place matter.
        let differs = same_outcome(
            &file,
            &search,
            &["{ // x", "...", "end"],
            &cands,
            MatchLevel::Elision,
        );
        assert!(differs.is_none());
        // So does a replacement that drops what the marker covers.
        let drops = same_outcome(&file, &search, &["{", "END"], &cands, MatchLevel::Elision);
        assert!(drops.is_none());
    }
}
