//! A q-gram bound for the fuzzy level: an upper bound of the similarity
//! ratio of the search text and a window of the file, cheap enough to
//! compute for every window as it slides line by line, so that only
//! windows that can reach the threshold are compared exactly.
//!
//! The ratio is `1 - D / T` (`T`: both lengths, `D`: characters deleted or
//! inserted by the best alignment). Each deletion or insertion destroys at
//! most `Q` q-grams of either text (grams are taken per line, newline
//! included), and `D` is at least the length difference, so
//! `D >= max(missing_a / Q, missing_b / Q, |len a - len b|)`, where
//! `missing_x` counts the grams of one text without a partner in the other.

use std::collections::HashMap;

/// The gram length.
const Q: usize = 3;

fn grams(line: &str) -> impl Iterator<Item = u64> + '_ {
    let chars: Vec<u64> = line
        .chars()
        .chain(['\n'])
        .map(|c| u64::from(u32::from(c)))
        .collect();
    let count = chars.len().saturating_sub(Q - 1);
    (0..count).map(move |i| (chars[i] << 42) | (chars[i + 1] << 21) | chars[i + 2])
}

/// The search side: its distinct grams numbered densely.
pub(crate) struct Needle {
    ids: HashMap<u64, usize>,
    counts: Vec<u32>,
    grams: usize,
    len: usize,
}

/// A file line as the window sees it.
pub(crate) struct Line {
    /// Ids of its grams that the needle has.
    ids: Vec<usize>,
    /// All its grams.
    grams: usize,
    /// Characters, newline included.
    len: usize,
}

impl Needle {
    /// The needle of the search `lines`.
    pub(crate) fn new<S: AsRef<str>>(lines: &[S]) -> Needle {
        let mut needle = Needle {
            ids: HashMap::new(),
            counts: Vec::new(),
            grams: 0,
            len: 0,
        };
        for line in lines {
            let line = line.as_ref();
            needle.len += line.chars().count() + 1;
            for g in grams(line) {
                let next = needle.ids.len();
                let id = *needle.ids.entry(g).or_insert(next);
                if id == needle.counts.len() {
                    needle.counts.push(0);
                }
                needle.counts[id] += 1;
                needle.grams += 1;
            }
        }
        needle
    }

    /// A file line prepared for windows.
    pub(crate) fn line(&self, line: &str) -> Line {
        let mut ids = Vec::new();
        let mut count = 0;
        for g in grams(line) {
            count += 1;
            if let Some(&id) = self.ids.get(&g) {
                ids.push(id);
            }
        }
        Line {
            ids,
            grams: count,
            len: line.chars().count() + 1,
        }
    }
}

/// A window of the file, slid line by line.
pub(crate) struct Window<'a> {
    needle: &'a Needle,
    counts: Vec<u32>,
    common: usize,
    grams: usize,
    len: usize,
}

impl<'a> Window<'a> {
    /// An empty window.
    pub(crate) fn new(needle: &'a Needle) -> Window<'a> {
        Window {
            needle,
            counts: vec![0; needle.counts.len()],
            common: 0,
            grams: 0,
            len: 0,
        }
    }

    /// Adds a line.
    pub(crate) fn add(&mut self, line: &Line) {
        for &id in &line.ids {
            if self.counts[id] < self.needle.counts[id] {
                self.common += 1;
            }
            self.counts[id] += 1;
        }
        self.grams += line.grams;
        self.len += line.len;
    }

    /// Removes a line added before.
    pub(crate) fn remove(&mut self, line: &Line) {
        for &id in &line.ids {
            self.counts[id] = self.counts[id].saturating_sub(1);
            if self.counts[id] < self.needle.counts[id] {
                self.common = self.common.saturating_sub(1);
            }
        }
        self.grams = self.grams.saturating_sub(line.grams);
        self.len = self.len.saturating_sub(line.len);
    }

    /// An upper bound of the similarity ratio of the window and the
    /// needle (slightly generous, so that rounding never rejects a window
    /// that reaches it).
    pub(crate) fn bound(&self) -> f64 {
        let total = self.needle.len + self.len;
        if total == 0 {
            return 1.0;
        }
        let missing = self
            .needle
            .grams
            .saturating_sub(self.common)
            .max(self.grams.saturating_sub(self.common));
        let edits = (missing as f64 / Q as f64).max(self.needle.len.abs_diff(self.len) as f64);
        (1.0 - edits / total as f64 + 1e-9).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::lcs::ratio;
    use super::*;

    fn bound(a: &[&str], b: &[&str]) -> f64 {
        let needle = Needle::new(a);
        let mut w = Window::new(&needle);
        for l in b {
            w.add(&needle.line(l));
        }
        w.bound()
    }

    #[test]
    fn bound_is_never_below_the_real_ratio() {
        let mut rng = fastrand::Rng::with_seed(5);
        let alphabet: Vec<char> = "abc (){};\u{e9}".chars().collect();
        let line = |rng: &mut fastrand::Rng| -> String {
            (0..rng.usize(0..12))
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect()
        };
        for _ in 0..300 {
            let a: Vec<String> = (0..rng.usize(1..5)).map(|_| line(&mut rng)).collect();
            let mut b = a.clone();
            for _ in 0..rng.usize(0..3) {
                let i = rng.usize(0..b.len());
                b[i] = line(&mut rng);
            }
            let (ar, br): (Vec<&str>, Vec<&str>) = (
                a.iter().map(String::as_str).collect(),
                b.iter().map(String::as_str).collect(),
            );
            let real = ratio(&ar.join("\n"), &br.join("\n"));
            assert!(bound(&ar, &br) + 1e-9 >= real, "{a:?} {b:?}");
        }
    }

    #[test]
    fn unrelated_text_is_bounded_low() {
        assert!(
            bound(
                &["let total = compute(a, b);", "return total;"],
                &["import os", "print('hello world')"]
            ) < 0.9
        );
    }

    #[test]
    fn sliding_matches_fresh() {
        let needle = Needle::new(&["one two", "three"]);
        let mut w = Window::new(&needle);
        w.add(&needle.line("zzz"));
        w.add(&needle.line("one two"));
        w.remove(&needle.line("zzz"));
        w.add(&needle.line("three"));
        assert_eq!(
            (w.common, w.grams, w.len),
            (needle.grams, needle.grams, needle.len)
        );
    }
}
