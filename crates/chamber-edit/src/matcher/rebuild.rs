//! Turns the replacement lines the model wrote into the lines that go into
//! the file, once the match is known. The model's edit is the line diff
//! from its search lines to its replacement; it is carried over onto the
//! file lines the search lines matched:
//! - a kept (context) line stays the file's own line, byte for byte, so
//!   whitespace or punctuation drift in the model's copy never leaks into
//!   untouched code; a context line the file does not have (a fuzzy match)
//!   is not invented;
//! - a removed line removes the file line it matched;
//! - an added line is inserted, re-indented at the lenient levels by the
//!   shift between nearby search lines and the file lines they matched,
//!   in the file's style of indentation (see `reindent.rs`); an added
//!   whitespace-only line is written as the model wrote it, or shifted
//!   like the others when only the shifted whitespace matches the
//!   indentation of a neighbouring line of the result (a model that
//!   de-indents a hunk de-indents its whitespace-only lines too);
//! - file lines of the region that no search line matched (a fuzzy match
//!   where the model skipped a line) are kept where they are;
//! - at the elision level, the k-th marker of the replacement brings back
//!   the lines the k-th marker of the search stood for; a replacement
//!   without markers replaces them too.

use std::ops::Range;

use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::normalize::{indent, is_blank, is_elision};
use super::reindent::Reindent;
use super::{Candidate, MatchFailure, MatchLevel};

/// The lines to put in place of `cand`'s region of `file`.
pub(crate) fn replacement(
    file: &[&str],
    search: &[&str],
    replace: &[&str],
    cand: &Candidate,
    level: MatchLevel,
) -> Result<Vec<String>, MatchFailure> {
    let expand = level == MatchLevel::Elision;
    if expand {
        let used = replace.iter().filter(|l| is_elision(l)).count();
        if used != 0 && used != cand.gaps.len() {
            return Err(MatchFailure::ElisionMismatch {
                search: cand.gaps.len(),
                replace: used,
            });
        }
    }
    // The region's file lines that no search line matched and no marker
    // stands for.
    let mut free = vec![true; cand.end.saturating_sub(cand.start)];
    let covered = cand
        .map
        .iter()
        .flatten()
        .copied()
        .chain(cand.gaps.iter().flat_map(Range::clone));
    for j in covered {
        if let Some(slot) = j.checked_sub(cand.start).and_then(|r| free.get_mut(r)) {
            *slot = false;
        }
    }
    let mut merge = Merge {
        file,
        cand,
        free,
        reindent: (level >= MatchLevel::Indentation)
            .then(|| Reindent::new(file, search, replace, cand)),
        expand,
        next_file: cand.start,
        next_marker: 0,
        out: Vec::with_capacity(replace.len()),
        blanks: Vec::new(),
    };
    for op in capture_diff_slices(Algorithm::Myers, search, replace) {
        let (old, new) = (op.old_range(), op.new_range());
        match op {
            DiffOp::Equal { .. } => {
                for (i, k) in old.zip(new) {
                    if expand && is_elision(replace[k]) {
                        merge.expand_marker();
                    } else {
                        merge.keep(i);
                    }
                }
            }
            DiffOp::Delete { .. } => merge.remove(old),
            DiffOp::Insert { old_index, .. } => {
                let near = old_index
                    .checked_sub(1)
                    .or((!search.is_empty()).then_some(0));
                merge.add(new.map(|k| (replace[k], near)));
            }
            DiffOp::Replace {
                old_index, old_len, ..
            } => {
                merge.remove(old);
                let near = |d: usize| Some(old_index + d.min(old_len.saturating_sub(1)));
                merge.add(new.enumerate().map(|(d, k)| (replace[k], near(d))));
            }
        }
    }
    merge.keep_free_until(cand.end);
    merge.settle_blanks();
    Ok(merge.out)
}

/// The state of carrying the model's edit over onto the file.
struct Merge<'a> {
    file: &'a [&'a str],
    cand: &'a Candidate,
    /// Per line of the region: whether it is kept as is (see above).
    free: Vec<bool>,
    reindent: Option<Reindent>,
    expand: bool,
    /// The first file line of the region not yet emitted or consumed.
    next_file: usize,
    /// The next search marker (elision) whose lines a replacement marker
    /// brings back.
    next_marker: usize,
    out: Vec<String>,
    /// Added whitespace-only lines (index into `out`) with their shifted
    /// form, decided once the neighbours are known.
    blanks: Vec<(usize, String)>,
}

impl Merge<'_> {
    /// Emits the region's lines before `until` that no search line matched
    /// and no marker stands for.
    fn keep_free_until(&mut self, until: usize) {
        for j in self.next_file..until.min(self.file.len()) {
            if self.free.get(j - self.cand.start).copied().unwrap_or(false) {
                self.out.push(self.file[j].to_owned());
            }
        }
        self.next_file = self.next_file.max(until);
    }

    /// Search line `i` is kept: its file line stays.
    fn keep(&mut self, i: usize) {
        if let Some(j) = self.cand.map.get(i).copied().flatten() {
            self.keep_free_until(j);
            self.out.push(self.file[j].to_owned());
            self.next_file = j + 1;
        }
    }

    /// Search lines `old` are removed: so are their file lines.
    fn remove(&mut self, old: Range<usize>) {
        for i in old {
            if let Some(j) = self.cand.map.get(i).copied().flatten() {
                self.keep_free_until(j);
                self.next_file = j + 1;
            }
        }
    }

    /// New lines (with the search line nearest to where each goes).
    fn add<'l>(&mut self, lines: impl Iterator<Item = (&'l str, Option<usize>)>) {
        for (line, near) in lines {
            if self.expand && is_elision(line) {
                self.expand_marker();
                continue;
            }
            let fresh = match &self.reindent {
                Some(r) if !line.is_empty() && is_blank(line) => {
                    let shifted = r.blank(line, near);
                    if shifted != line {
                        self.blanks.push((self.out.len(), shifted));
                    }
                    line.to_owned()
                }
                Some(r) => r.apply(line, near),
                None => line.to_owned(),
            };
            self.out.push(fresh);
        }
    }

    /// Decides each added whitespace-only line: as written when that is the
    /// indentation of the nearest non-blank line before or after it in the
    /// result, else shifted when that is, else as written.
    fn settle_blanks(&mut self) {
        for (at, shifted) in std::mem::take(&mut self.blanks) {
            let before = self.out[..at].iter().rev().find(|l| !is_blank(l));
            let after = self.out[at + 1..].iter().find(|l| !is_blank(l));
            let near: Vec<&str> = before.into_iter().chain(after).map(|l| indent(l)).collect();
            if !near.contains(&self.out[at].as_str()) && near.contains(&shifted.as_str()) {
                self.out[at] = shifted;
            }
        }
    }

    /// A replacement marker: the lines of the next search marker's gap.
    fn expand_marker(&mut self) {
        if let Some(gap) = self.cand.gaps.get(self.next_marker).cloned() {
            self.out
                .extend(self.file[gap].iter().map(|l| (*l).to_owned()));
        }
        self.next_marker += 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cand(start: usize, n: usize) -> Candidate {
        Candidate {
            start,
            end: start + n,
            score: 1.0,
            map: (start..start + n).map(Some).collect(),
            gaps: vec![],
        }
    }

    #[test]
    fn context_lines_keep_file_bytes() {
        let file = ["    a  ", "    b"];
        let out = replacement(
            &file,
            &["a", "b"],
            &["a", "c", "b"],
            &cand(0, 2),
            MatchLevel::Indentation,
        )
        .unwrap();
        assert_eq!(out, ["    a  ", "    c", "    b"]);
    }

    #[test]
    fn reindents_deeper_and_shallower_lines() {
        let file = ["        if x:", "            y()"];
        let search = ["    if x:", "        y()"];
        let replace = ["    if x:", "        z()", "    w()", "q()"];
        let out = replacement(
            &file,
            &search,
            &replace,
            &cand(0, 2),
            MatchLevel::Indentation,
        )
        .unwrap();
        assert_eq!(
            out,
            ["        if x:", "            z()", "        w()", "    q()"]
        );
    }

    #[test]
    fn exact_level_takes_replacement_verbatim() {
        let out = replacement(&["a"], &["a"], &["  b  "], &cand(0, 1), MatchLevel::Exact).unwrap();
        assert_eq!(out, ["  b  "]);
    }

    #[test]
    fn elision_markers_expand() {
        let file = ["f {", "  one", "  two", "}"];
        let c = Candidate {
            start: 0,
            end: 4,
            score: 1.0,
            map: vec![Some(0), None, Some(3)],
            gaps: vec![std::ops::Range { start: 1, end: 3 }],
        };
        let search = ["f {", "...", "}"];
        let out = replacement(
            &file,
            &search,
            &["g {", "...", "}"],
            &c,
            MatchLevel::Elision,
        )
        .unwrap();
        assert_eq!(out, ["g {", "  one", "  two", "}"]);
        let err = replacement(
            &file,
            &search,
            &["...", "x", "..."],
            &c,
            MatchLevel::Elision,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            MatchFailure::ElisionMismatch {
                search: 1,
                replace: 2
            }
        ));
    }

    /// A whitespace-only line the model added inside a hunk it wrote less
    /// indented than the file: its whitespace is indentation, shifted like
    /// the lines around it (it was written as the model had it).
    #[test]
    fn whitespace_only_lines_of_a_deindented_hunk_follow_the_shift() {
        let file = ["    def f():", "        a = 1", "        b = 2"];
        let search = ["def f():", "    a = 1", "    b = 2"];
        let replace = ["def f():", "    a = 1", "    ", "    c = 3", "    b = 2"];
        let out = replacement(
            &file,
            &search,
            &replace,
            &cand(0, 3),
            MatchLevel::Indentation,
        )
        .unwrap();
        assert_eq!(
            out,
            [
                "    def f():",
                "        a = 1",
                "        ",
                "        c = 3",
                "        b = 2"
            ]
        );
        // Whitespace already as deep as the file's neighbours stays as
        // written, and so does an empty line.
        let replace = [
            "def f():",
            "    a = 1",
            "        ",
            "",
            "    c = 3",
            "    b = 2",
        ];
        let out = replacement(
            &file,
            &search,
            &replace,
            &cand(0, 3),
            MatchLevel::Indentation,
        )
        .unwrap();
        assert_eq!(
            out,
            [
                "    def f():",
                "        a = 1",
                "        ",
                "",
                "        c = 3",
                "        b = 2"
            ]
        );
    }
}
