//! A cheap upper bound of the similarity of two texts: how many characters
//! they could possibly have in common, counted per character bucket. The
//! fuzzy level and the not-found diagnostics use it to skip windows that
//! cannot be similar enough before paying for a real diff.

const BUCKETS: usize = 128;

/// Character counts of a text, per bucket (ASCII characters have their own
/// bucket; other characters share them).
#[derive(Clone)]
pub(crate) struct Bag {
    counts: [u32; BUCKETS],
    len: usize,
}

impl Bag {
    /// An empty bag.
    pub(crate) fn new() -> Bag {
        Bag {
            counts: [0; BUCKETS],
            len: 0,
        }
    }

    /// The bag of `lines` joined with newlines.
    pub(crate) fn of_lines<S: AsRef<str>>(lines: &[S]) -> Bag {
        let mut bag = Bag::new();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                bag.add_char('\n');
            }
            bag.add(line.as_ref());
        }
        bag
    }

    /// Adds the characters of `text`.
    pub(crate) fn add(&mut self, text: &str) {
        for c in text.chars() {
            self.add_char(c);
        }
    }

    /// Adds one character.
    pub(crate) fn add_char(&mut self, c: char) {
        self.counts[bucket(c)] += 1;
        self.len += 1;
    }

    /// Removes the characters of `text` (added before).
    pub(crate) fn remove(&mut self, text: &str) {
        for c in text.chars() {
            self.remove_char(c);
        }
    }

    /// Removes one character (added before).
    pub(crate) fn remove_char(&mut self, c: char) {
        let slot = &mut self.counts[bucket(c)];
        *slot = slot.saturating_sub(1);
        self.len = self.len.saturating_sub(1);
    }

    /// An upper bound of the diff ratio (`2 * matches / total length`) of
    /// the texts behind `self` and `other`.
    pub(crate) fn bound(&self, other: &Bag) -> f64 {
        let total = self.len + other.len;
        if total == 0 {
            return 1.0;
        }
        let common: u64 = self
            .counts
            .iter()
            .zip(other.counts.iter())
            .map(|(a, b)| u64::from(*a.min(b)))
            .sum();
        2.0 * common as f64 / total as f64
    }
}

fn bucket(c: char) -> usize {
    (c as u32 as usize) % BUCKETS
}

#[cfg(test)]
mod tests {
    use super::super::lcs::ratio;
    use super::*;

    #[test]
    fn bound_is_an_upper_bound() {
        let pairs = [
            ("abcd", "bcde"),
            ("hello world", "world hello"),
            ("", "x"),
            ("same", "same"),
        ];
        for (a, b) in pairs {
            let (mut x, mut y) = (Bag::new(), Bag::new());
            x.add(a);
            y.add(b);
            assert!(x.bound(&y) + 1e-9 >= ratio(a, b), "{a} {b}");
        }
    }

    #[test]
    fn sliding_matches_fresh() {
        let mut bag = Bag::of_lines(&["ab", "cd"]);
        bag.remove("ab");
        bag.remove_char('\n');
        bag.add_char('\n');
        bag.add("ef");
        let fresh = Bag::of_lines(&["cd", "ef"]);
        assert_eq!(bag.counts, fresh.counts);
        assert_eq!(bag.len, fresh.len);
    }
}
