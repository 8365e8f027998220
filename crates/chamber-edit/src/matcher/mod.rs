//! The matching cascade: finds the one place in a file where a block of
//! search lines belongs, or refuses.
//!
//! Levels are tried in order and the cascade stops at the first level that
//! finds anything: exactly one candidate is the match, two or more are
//! [`MatchFailure::Ambiguous`] (a more lenient level would only find more).
//!
//! 1. [`MatchLevel::Exact`]: lines equal.
//! 2. [`MatchLevel::TrailingWhitespace`]: equal but for trailing whitespace.
//! 3. [`MatchLevel::Indentation`]: equal but for leading and trailing
//!    whitespace; new replacement lines are re-indented by the shift.
//! 4. [`MatchLevel::Punctuation`]: also with typographic punctuation
//!    normalised (curly quotes, dashes, ellipsis, exotic spaces).
//! 5. [`MatchLevel::Elision`]: a search line `...` (or `// ...`) stands for
//!    any run of lines (see `elision.rs` for the exact rule); lines are
//!    compared as written (but for trailing whitespace) first, then as at
//!    the punctuation level.
//! 6. [`MatchLevel::Fuzzy`]: character similarity of at least
//!    [`MatchOptions::fuzzy_threshold`] over a window of about the search's
//!    length (±10%, at most ±5 lines), and only when the best place beats every other
//!    separate (non-overlapping) place by [`MatchOptions::fuzzy_margin`].
//!    Work is bounded (see `fuzzy.rs`): in very repetitive files the level
//!    may refuse as ambiguous, never pick another place.
//!
//! Several candidates at a level are a tie, refused as ambiguous, except
//! under the rules below (see `ties.rs`). The line hint
//! ([`MatchOptions::hint`], e.g. from a unified diff header) never finds a
//! place by itself:
//! - at levels 1-5, when several candidates were found at the same level
//!   and exactly one of them *starts* at the hinted line, that one is
//!   taken; a hint near but not on a candidate, or on several, changes
//!   nothing;
//! - at the fuzzy level, when several separate places score within the
//!   margin and every one of them was compared exactly (none is known only
//!   by its bound), the one place whose start is within 2 lines of the
//!   hint is taken, or else the one place whose lines are indented exactly
//!   as the search lines are (the cascade's own order: a match that needs
//!   no re-indenting beats one that does); if both rules pick a place, it
//!   must be the same one.
//!
//! At the elision level, candidates that all turn the file into the same
//! text are not a tie: a common line such as `}` before a `...` may occur
//! many times before the distinctive lines after the marker, and when that
//! line is unchanged context and the marker keeps what it covers, every
//! candidate gives the same result.

mod align;
mod bag;
mod diagnose;
mod elision;
mod fuzzy;
mod grams;
mod lcs;
mod normalize;
mod rebuild;
mod reindent;
mod ties;

use std::fmt;
use std::ops::Range;

use crate::error::{EditError, LineSpan, Site};

use ties::decide;

pub(crate) use elision::has_marker;
pub(crate) use normalize::{indent, is_blank};

/// A level of the matching cascade, from strictest to most lenient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchLevel {
    /// Lines are equal.
    Exact,
    /// Lines are equal but for trailing whitespace.
    TrailingWhitespace,
    /// Lines are equal but for leading and trailing whitespace.
    Indentation,
    /// As [`MatchLevel::Indentation`], with typographic punctuation
    /// normalised.
    Punctuation,
    /// As [`MatchLevel::Punctuation`], with `...` lines matching any run of
    /// lines.
    Elision,
    /// Similar enough, and clearly the most similar place.
    Fuzzy,
}

impl MatchLevel {
    const LINE_LEVELS: [MatchLevel; 4] = [
        MatchLevel::Exact,
        MatchLevel::TrailingWhitespace,
        MatchLevel::Indentation,
        MatchLevel::Punctuation,
    ];
}

impl fmt::Display for MatchLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchLevel::Exact => "exactly",
            MatchLevel::TrailingWhitespace => "ignoring trailing whitespace",
            MatchLevel::Indentation => "ignoring indentation",
            MatchLevel::Punctuation => "ignoring indentation and typographic punctuation",
            MatchLevel::Elision => "with `...` lines standing for any lines",
            MatchLevel::Fuzzy => "by similarity",
        })
    }
}

/// How [`locate`] searches.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    /// Minimum character similarity (`0..=1`) for the fuzzy level; 0.9 by
    /// default.
    pub fuzzy_threshold: f64,
    /// How much better than any other separate place the best fuzzy place
    /// must score; 0.05 by default.
    pub fuzzy_margin: f64,
    /// Fewest search lines for which the fuzzy level is tried (a single
    /// line "90% like" another is too easily the wrong one); 2 by default.
    pub fuzzy_min_lines: usize,
    /// The most lenient level tried; [`MatchLevel::Fuzzy`] by default.
    pub max_level: MatchLevel,
    /// 1-based line where the caller believes the match starts; only
    /// breaks ties (see the module documentation).
    pub hint: Option<usize>,
    /// 0-based first line a match may start at; 0 by default.
    pub from: usize,
    /// 0-based line before which a match must end (an exclusive bound);
    /// `None`: the end of the file.
    pub to: Option<usize>,
    /// Whether the match must end at the last line of the file.
    pub at_end: bool,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            fuzzy_threshold: 0.9,
            fuzzy_margin: 0.05,
            fuzzy_min_lines: 2,
            max_level: MatchLevel::Fuzzy,
            hint: None,
            from: 0,
            to: None,
            at_end: false,
        }
    }
}

/// The place found for a block, and what goes there.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// First matched line, 0-based.
    pub start: usize,
    /// One past the last matched line.
    pub end: usize,
    /// The level that found it.
    pub level: MatchLevel,
    /// Similarity of the match (1.0 below the fuzzy level).
    pub score: f64,
    /// The lines to put in place of `start..end`: the replacement with
    /// copied context lines taken from the file, re-indented at lenient
    /// levels and with elision markers expanded.
    pub replacement: Vec<String>,
}

impl Located {
    /// The matched lines, 1-based and inclusive (an empty match is shown
    /// at the line it precedes).
    pub fn span(&self) -> LineSpan {
        LineSpan {
            start: self.start + 1,
            end: self.end.max(self.start + 1),
        }
    }
}

/// Why [`locate`] found no single place.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchFailure {
    /// Nothing matched at any level.
    NotFound {
        /// The most similar region of the file, if the file has lines.
        closest: Option<LineSpan>,
        /// Unified diff from the search lines to that region.
        diff: String,
    },
    /// Several places matched at `level`.
    Ambiguous {
        /// The level of the tie.
        level: MatchLevel,
        /// 1-based first lines of the candidates.
        candidates: Vec<usize>,
    },
    /// The search has no lines.
    EmptySearch,
    /// The replacement's elision markers do not pair with the search's.
    ElisionMismatch {
        /// Markers in the search lines.
        search: usize,
        /// Markers in the replacement.
        replace: usize,
    },
}

impl MatchFailure {
    /// The error to report for this failure at `site`.
    pub fn into_error(self, site: Site) -> EditError {
        match self {
            MatchFailure::NotFound { closest, diff } => EditError::NotFound {
                site,
                closest,
                diff,
            },
            MatchFailure::Ambiguous { level, candidates } => EditError::Ambiguous {
                site,
                level,
                candidates,
            },
            MatchFailure::EmptySearch => EditError::EmptySearch { site },
            MatchFailure::ElisionMismatch { search, replace } => EditError::ElisionMismatch {
                site,
                search,
                replace,
            },
        }
    }
}

/// A candidate place with the alignment of search lines to file lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) score: f64,
    /// Per search line, the file line it matched (none for elision markers
    /// and for lines a fuzzy match could not pair).
    pub(crate) map: Vec<Option<usize>>,
    /// Per elision marker of the search, the file lines it stands for.
    pub(crate) gaps: Vec<Range<usize>>,
}

/// Finds the one place of `file` where `search` belongs and computes what
/// replaces it (see the module documentation for the levels and rules).
pub fn locate<F, S, R>(
    file: &[F],
    search: &[S],
    replace: &[R],
    opts: &MatchOptions,
) -> Result<Located, MatchFailure>
where
    F: AsRef<str>,
    S: AsRef<str>,
    R: AsRef<str>,
{
    let file: Vec<&str> = file.iter().map(AsRef::as_ref).collect();
    let search: Vec<&str> = search.iter().map(AsRef::as_ref).collect();
    let replace: Vec<&str> = replace.iter().map(AsRef::as_ref).collect();
    if search.is_empty() {
        return Err(MatchFailure::EmptySearch);
    }
    let limit = opts.to.map_or(file.len(), |t| t.min(file.len()));
    if opts.at_end && limit < file.len() {
        return Err(not_found(&file, &search));
    }
    let view = &file[..limit];
    let from = opts.from.min(limit);
    for level in MatchLevel::LINE_LEVELS {
        if level > opts.max_level {
            break;
        }
        let cands = line_level(view, &search, level, from, opts.at_end);
        if let Some(found) = decide(cands, level, opts.hint)? {
            return finish(&file, &search, &replace, found, level);
        }
    }
    if opts.max_level >= MatchLevel::Elision && has_marker(&search) {
        let level = MatchLevel::Elision;
        // Lines as written (but for trailing whitespace) first, as the
        // line levels do: a block indented like the search wins.
        for keys in [MatchLevel::TrailingWhitespace, MatchLevel::Elision] {
            let fk = normalize::keys(view, keys);
            let sk = normalize::keys(&search, keys);
            let cands = elision::candidates(view, &fk, &search, &sk, from, opts.at_end);
            if let Some(found) = ties::same_outcome(&file, &search, &replace, &cands, level) {
                return Ok(found);
            }
            if let Some(found) = decide(cands, level, opts.hint)? {
                return finish(&file, &search, &replace, found, level);
            }
        }
    }
    if opts.max_level >= MatchLevel::Fuzzy && search.len() >= opts.fuzzy_min_lines.max(1) {
        let fk = normalize::keys(view, MatchLevel::Fuzzy);
        let sk = normalize::keys(&search, MatchLevel::Fuzzy);
        let scan = fuzzy::scan(
            &fk,
            &sk,
            from,
            opts.at_end,
            opts.fuzzy_threshold,
            opts.fuzzy_margin,
        );
        let to_candidate = |hit: fuzzy::Hit| Candidate {
            start: hit.start,
            end: hit.end,
            score: hit.score,
            map: align::align(&fk[hit.start..hit.end], &sk, hit.start),
            gaps: vec![],
        };
        let found = match fuzzy::pick(scan, search.len(), opts.fuzzy_margin) {
            fuzzy::Pick::One(hit) => Some(to_candidate(hit)),
            fuzzy::Pick::Tie { places, unsure } => {
                let tie = ties::FuzzyTie {
                    places: &places,
                    unsure,
                    hint: opts.hint,
                };
                match tie.resolve(view, &search, to_candidate) {
                    Some(cand) => Some(cand),
                    None => {
                        let candidates = fuzzy::listed(&places).iter().map(|s| s + 1).collect();
                        return Err(MatchFailure::Ambiguous {
                            level: MatchLevel::Fuzzy,
                            candidates,
                        });
                    }
                }
            }
            fuzzy::Pick::None => None,
        };
        if let Some(cand) = found {
            return finish(&file, &search, &replace, cand, MatchLevel::Fuzzy);
        }
    }
    Err(not_found(&file, &search))
}

/// The first line at or after `from` equal to `wanted` at the most exact
/// line level where one is (exact, then trailing whitespace, indentation,
/// punctuation).
pub(crate) fn find_line<S: AsRef<str>>(file: &[S], wanted: &str, from: usize) -> Option<usize> {
    MatchLevel::LINE_LEVELS.into_iter().find_map(|level| {
        let key = normalize::key(wanted, level);
        (from..file.len()).find(|&i| normalize::key(file[i].as_ref(), level) == key)
    })
}

/// Candidates of a line-by-line level: every start where all keys agree.
fn line_level(
    file: &[&str],
    search: &[&str],
    level: MatchLevel,
    from: usize,
    at_end: bool,
) -> Vec<Candidate> {
    let n = search.len();
    if n > file.len() || from > file.len() - n {
        return Vec::new();
    }
    let last = file.len() - n;
    let first = if at_end { last } else { from };
    let sk = normalize::keys(search, level);
    let fk = normalize::keys(file, level);
    (first..=last)
        .filter(|&s| (0..n).all(|i| fk[s + i] == sk[i]))
        .map(|s| Candidate {
            start: s,
            end: s + n,
            score: 1.0,
            map: (s..s + n).map(Some).collect(),
            gaps: vec![],
        })
        .collect()
}

fn finish(
    file: &[&str],
    search: &[&str],
    replace: &[&str],
    cand: Candidate,
    level: MatchLevel,
) -> Result<Located, MatchFailure> {
    let replacement = rebuild::replacement(file, search, replace, &cand, level)?;
    Ok(Located {
        start: cand.start,
        end: cand.end,
        level,
        score: cand.score,
        replacement,
    })
}

fn not_found(file: &[&str], search: &[&str]) -> MatchFailure {
    match diagnose::closest(file, search) {
        Some((start, end)) => {
            let span = LineSpan {
                start: start + 1,
                end: end.max(start + 1),
            };
            let diff = diagnose::diff(search, &file[start..end], span);
            MatchFailure::NotFound {
                closest: Some(span),
                diff,
            }
        }
        None => MatchFailure::NotFound {
            closest: None,
            diff: String::new(),
        },
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tie_tests;
