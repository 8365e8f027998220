//! Re-indenting the lines a model adds, at the lenient levels: the model's
//! indentation is carried over onto the file's by the shift between the
//! search lines and the file lines they matched, in the file's own style.
//!
//! For each added line, in this order:
//! 1. as deep as the nearest matched search line (the anchor): the anchor's
//!    file indentation;
//! 2. an indentation some matched search lines have, and that all of them
//!    matched the same way: that file indentation;
//! 3. deeper or shallower than the anchor: the anchor's file indentation
//!    with the difference added or removed, written in the file's style;
//! 4. otherwise: the line's own indentation, in the file's style.
//!
//! The style conversion only acts when the model and the file disagree on
//! tabs (the file's style is what most of its indented lines start with;
//! a file without indented lines has none). In a file indented with
//! spaces, a model's tab stands for as many spaces as the matched pairs
//! show (or the file's usual indentation step); in a file indented with
//! tabs, a model that indents with spaces only has each group of its
//! indentation step written as a tab. A model and a file that agree keep
//! the model's indentation difference byte for byte.

use std::borrow::Cow;
use std::collections::HashMap;

use super::Candidate;
use super::normalize::{indent, is_blank};

/// The most usual indentation step, when nothing shows one.
const DEFAULT_STEP: usize = 4;
/// The largest indentation step considered.
const MAX_STEP: usize = 8;

/// The indentation change from the search lines to the file lines.
pub(crate) struct Reindent {
    /// Per search line: (its indentation, the matched file line's), for
    /// matched non-blank pairs.
    pairs: Vec<Option<(String, String)>>,
    /// Search indentation -> file indentation, for the search indentations
    /// that every pair maps to the same file indentation.
    exact: HashMap<String, String>,
    style: Style,
}

impl Reindent {
    /// The shift of `cand`'s match of `search` onto `file`, for lines of
    /// `replace`.
    pub(crate) fn new(file: &[&str], search: &[&str], replace: &[&str], cand: &Candidate) -> Self {
        let mut pairs = vec![None; search.len()];
        let mut seen: HashMap<String, Option<String>> = HashMap::new();
        for (i, mapped) in cand.map.iter().enumerate() {
            let (Some(j), Some(s)) = (mapped, search.get(i)) else {
                continue;
            };
            let Some(f) = file.get(*j) else { continue };
            if is_blank(s) || is_blank(f) {
                continue;
            }
            let pair = (indent(s).to_owned(), indent(f).to_owned());
            seen.entry(pair.0.clone())
                .and_modify(|known| {
                    if known.as_deref() != Some(pair.1.as_str()) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(pair.1.clone()));
            if let Some(slot) = pairs.get_mut(i) {
                *slot = Some(pair);
            }
        }
        let exact = seen
            .into_iter()
            .filter_map(|(s, f)| f.map(|f| (s, f)))
            .collect();
        let style = Style::new(file, search, replace, &pairs);
        Reindent {
            pairs,
            exact,
            style,
        }
    }

    /// The pair nearest to search line `near` (looking back first), or the
    /// first pair.
    fn anchor(&self, near: Option<usize>) -> Option<&(String, String)> {
        let n = self.pairs.len();
        let near = near.filter(|&i| i < n);
        let back = near.and_then(|i| self.pairs[..=i].iter().rev().flatten().next());
        let ahead = near.and_then(|i| self.pairs[i..].iter().flatten().next());
        back.or(ahead)
            .or_else(|| self.pairs.iter().flatten().next())
    }

    /// `line` (added near search line `near`) re-indented for the file.
    /// Blank lines are kept as written (see [`Reindent::blank`]).
    pub(crate) fn apply(&self, line: &str, near: Option<usize>) -> String {
        if is_blank(line) {
            return line.to_owned();
        }
        let own = indent(line);
        format!("{}{}", self.shift(own, near), &line[own.len()..])
    }

    /// A whitespace-only `line` (added near search line `near`) read as pure
    /// indentation and shifted like any other: what it becomes if the model
    /// shifted it together with the lines around it. Whether that or the
    /// line as written is right depends on its neighbours in the result.
    pub(crate) fn blank(&self, line: &str, near: Option<usize>) -> String {
        self.shift(line, near)
    }

    /// The file indentation for the model's indentation `own`.
    fn shift(&self, own: &str, near: Option<usize>) -> String {
        let Some((s, f)) = self.anchor(near) else {
            return self.style.to_file(own).into_owned();
        };
        if own == s {
            return f.clone();
        }
        if let Some(target) = self.exact.get(own) {
            return target.clone();
        }
        let own_f = self.style.to_file(own);
        let s_f = self.style.to_file(s);
        if let Some(extra) = own_f.strip_prefix(&*s_f) {
            // Deeper than the anchor: add the difference.
            return format!("{f}{extra}");
        }
        if let Some(missing) = s_f.strip_prefix(&*own_f) {
            // Shallower than the anchor: remove as much from the file's.
            return f
                .strip_suffix(missing)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    let n = f.chars().count().saturating_sub(missing.chars().count());
                    f.chars().take(n).collect()
                });
        }
        own_f.into_owned()
    }
}

/// How the model's indentation is written in the file's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Model and file agree: the model's indentation is kept.
    Same,
    /// The file indents with spaces, the model with tabs: a tab is this
    /// many spaces.
    TabsToSpaces(usize),
    /// The file indents with tabs, the model with spaces only: this many
    /// spaces are a tab.
    SpacesToTabs(usize),
}

impl Style {
    fn new(
        file: &[&str],
        search: &[&str],
        replace: &[&str],
        pairs: &[Option<(String, String)>],
    ) -> Style {
        let model_tabs = search
            .iter()
            .chain(replace)
            .any(|l| !is_blank(l) && indent(l).contains('\t'));
        let (tab_led, space_led) =
            file.iter()
                .fold((0usize, 0usize), |(t, s), l| match l.as_bytes().first() {
                    Some(b'\t') if !is_blank(l) => (t + 1, s),
                    Some(b' ') if !is_blank(l) => (t, s + 1),
                    _ => (t, s),
                });
        if tab_led == space_led {
            // No indented lines (or as many of each): nothing to follow.
            return Style::Same;
        }
        let file_tabs = tab_led > space_led;
        let pairs = pairs.iter().flatten();
        match (model_tabs, file_tabs) {
            (true, false) => {
                // Model (tabs, other) -> file columns.
                let points = pairs
                    .filter(|(_, f)| !f.contains('\t'))
                    .map(|(s, f)| (tabs(s), others(s), f.chars().count()));
                let width = calibrate(points).unwrap_or_else(|| step(&[file]));
                Style::TabsToSpaces(width)
            }
            (false, true) => {
                // File (tabs, other) -> model columns.
                let points = pairs
                    .filter(|(s, _)| !s.contains('\t'))
                    .map(|(s, f)| (tabs(f), others(f), s.chars().count()));
                let width = calibrate(points).unwrap_or_else(|| step(&[search, replace]));
                Style::SpacesToTabs(width)
            }
            _ => Style::Same,
        }
    }

    /// The model's indentation `s` in the file's style.
    fn to_file<'s>(self, s: &'s str) -> Cow<'s, str> {
        match self {
            Style::Same => Cow::Borrowed(s),
            Style::TabsToSpaces(width) => {
                if !s.contains('\t') {
                    return Cow::Borrowed(s);
                }
                Cow::Owned(" ".repeat(tabs(s) * width + others(s)))
            }
            Style::SpacesToTabs(width) => {
                if !s.chars().all(|c| c == ' ' || c == '\t') || width == 0 {
                    return Cow::Borrowed(s);
                }
                let spaces = others(s);
                Cow::Owned(format!(
                    "{}{}",
                    "\t".repeat(tabs(s) + spaces / width),
                    " ".repeat(spaces % width)
                ))
            }
        }
    }
}

fn tabs(s: &str) -> usize {
    s.chars().filter(|&c| c == '\t').count()
}

fn others(s: &str) -> usize {
    s.chars().filter(|&c| c != '\t').count()
}

/// How many columns a tab stands for, from points (tabs, other columns,
/// columns of the other side) of matched pairs: every two points with
/// different tab counts must agree on one positive whole width.
fn calibrate(points: impl Iterator<Item = (usize, usize, usize)>) -> Option<usize> {
    let mut points: Vec<(isize, isize, isize)> = points
        .map(|(t, o, c)| (t as isize, o as isize, c as isize))
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut width = None;
    for (k, &(t1, o1, c1)) in points.iter().enumerate() {
        for &(t2, o2, c2) in &points[k + 1..] {
            if t1 == t2 {
                continue;
            }
            let (num, den) = ((c1 - c2) - (o1 - o2), t1 - t2);
            if num % den != 0 || num / den <= 0 || num / den > MAX_STEP as isize {
                return None;
            }
            let w = (num / den) as usize;
            if width.is_some_and(|known| known != w) {
                return None;
            }
            width = Some(w);
        }
    }
    width
}

/// The usual indentation step of space-indented text: the most common
/// increase of indentation from one non-blank line to the next, over each
/// of `texts`.
fn step(texts: &[&[&str]]) -> usize {
    let mut counts = [0usize; MAX_STEP + 1];
    for lines in texts {
        let mut prev: Option<usize> = None;
        for line in lines.iter().filter(|l| !is_blank(l)) {
            let ind = indent(line);
            if ind.contains('\t') {
                prev = None;
                continue;
            }
            let width = ind.chars().count();
            if let Some(p) = prev
                && let Some(slot) = width.checked_sub(p).and_then(|d| counts.get_mut(d))
            {
                *slot += 1;
            }
            prev = Some(width);
        }
    }
    (1..=MAX_STEP)
        .filter(|&d| counts[d] > 0)
        .max_by_key(|&d| (counts[d], std::cmp::Reverse(d)))
        .unwrap_or(DEFAULT_STEP)
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
    fn model_tabs_become_the_files_spaces() {
        // The stringprep.py case: a tab-indented patch on a space file.
        let file = [
            "def f(al):",
            "    if b != c:",
            "        return c",
            "    else:",
            "        return al",
        ];
        let search = ["\tif b != c:", "\t\treturn c", "\telse:", "\t\treturn al"];
        let replace = ["\telse:", "\t\tchecked = 1", "\t\t\tdeeper()", "\tdone()"];
        let r = Reindent::new(&file, &search, &replace, &cand(1, 4));
        assert_eq!(r.apply("\t\tchecked = 1", Some(2)), "        checked = 1");
        assert_eq!(r.apply("\t\t\tdeeper()", Some(2)), "            deeper()");
        assert_eq!(r.apply("\tdone()", Some(3)), "    done()");
        assert_eq!(r.apply("done()", Some(3)), "done()");
    }

    #[test]
    fn tab_width_comes_from_the_pairs() {
        // A 2-space file; the model wrote 4 columns as a tab.
        let file = ["  a:", "    b", "      c"];
        let search = ["  a:", "\tb", "\t  c"];
        let r = Reindent::new(&file, &search, &[], &cand(0, 3));
        assert_eq!(r.apply("\t\td", Some(2)), "        d");
    }

    #[test]
    fn model_spaces_become_the_files_tabs() {
        let file = ["\tif x {", "\t\ty()", "\t}"];
        let search = ["    if x {", "        y()", "    }"];
        let r = Reindent::new(&file, &search, &[], &cand(0, 3));
        assert_eq!(r.apply("            z()", Some(1)), "\t\t\tz()");
        assert_eq!(r.apply("              w()", Some(1)), "\t\t\t  w()");
        assert_eq!(r.apply("w()", Some(1)), "w()");
    }

    #[test]
    fn known_indentations_map_exactly() {
        // The nearest anchor is shallower, but the added line's depth is
        // one the search lines show.
        let file = ["    a:", "        b", "    c:"];
        let search = ["\ta:", "\t\tb", "\tc:"];
        let r = Reindent::new(&file, &search, &[], &cand(0, 3));
        assert_eq!(r.apply("\t\tnew", Some(2)), "        new");
    }

    #[test]
    fn agreeing_styles_keep_the_difference() {
        let file = ["\t\tif x {", "\t\t\ty()"];
        let search = ["\tif x {", "\t\ty()"];
        let r = Reindent::new(&file, &search, &[], &cand(0, 2));
        assert_eq!(r.apply("\t\t\t    z()", Some(1)), "\t\t\t\t    z()");
        assert_eq!(r.apply("x()", Some(1)), "\tx()");
    }

    #[test]
    fn a_file_without_indentation_keeps_the_models() {
        let file = ["a:", "b"];
        let search = ["a:", "b"];
        let r = Reindent::new(&file, &search, &[], &cand(0, 2));
        assert_eq!(r.apply("\tc", Some(0)), "\tc");
    }

    #[test]
    fn steps_and_calibration() {
        assert_eq!(step(&[&["a", "  b", "    c", "  d"]]), 2);
        assert_eq!(step(&[&["a", "b"]]), DEFAULT_STEP);
        assert_eq!(calibrate([(1, 0, 4), (2, 0, 8)].into_iter()), Some(4));
        assert_eq!(
            calibrate([(1, 0, 4), (2, 0, 8), (3, 0, 13)].into_iter()),
            None
        );
        assert_eq!(calibrate([(1, 2, 6), (0, 2, 2)].into_iter()), Some(4));
        assert_eq!(calibrate([(1, 0, 4)].into_iter()), None);
    }
}
