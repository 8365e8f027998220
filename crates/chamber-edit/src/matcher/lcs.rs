//! Similarity of two texts as `2 * LCS / (len a + len b)` over characters,
//! the ratio `similar` reports for an optimal diff, computed with a
//! bit-parallel LCS (one machine word covers 64 characters of the first
//! text), which is fast enough to compare many windows of a file.

use std::collections::HashMap;

/// The first text, prepared for computing its LCS with many others.
pub(crate) struct Lcs {
    /// Per distinct character: the bit mask of its positions.
    masks: Vec<Vec<u64>>,
    /// ASCII characters -> index into `masks`.
    ascii: [Option<usize>; 128],
    /// Other characters -> index into `masks`.
    other: HashMap<char, usize>,
    len: usize,
    words: usize,
}

impl Lcs {
    /// Prepares `a`.
    pub(crate) fn new(a: &str) -> Lcs {
        let chars: Vec<char> = a.chars().collect();
        let words = chars.len().div_ceil(64).max(1);
        let mut lcs = Lcs {
            masks: Vec::new(),
            ascii: [None; 128],
            other: HashMap::new(),
            len: chars.len(),
            words,
        };
        for (i, c) in chars.into_iter().enumerate() {
            let slot = match lcs.slot(c) {
                Some(slot) => slot,
                None => {
                    lcs.masks.push(vec![0; words]);
                    let slot = lcs.masks.len() - 1;
                    match usize::try_from(u32::from(c)).ok().filter(|&k| k < 128) {
                        Some(k) => lcs.ascii[k] = Some(slot),
                        None => {
                            lcs.other.insert(c, slot);
                        }
                    }
                    slot
                }
            };
            lcs.masks[slot][i / 64] |= 1 << (i % 64);
        }
        lcs
    }

    fn slot(&self, c: char) -> Option<usize> {
        match usize::try_from(u32::from(c)).ok().filter(|&k| k < 128) {
            Some(k) => self.ascii[k],
            None => self.other.get(&c).copied(),
        }
    }

    /// The length of the longest common subsequence of `a` and `b`.
    pub(crate) fn length(&self, b: &str) -> usize {
        let mut v = vec![u64::MAX; self.words];
        for c in b.chars() {
            let Some(slot) = self.slot(c) else { continue };
            let mask = &self.masks[slot];
            // v = (v + u) | (v & !u), with u = v & mask, over all words.
            let mut carry = 0u64;
            for (word, m) in v.iter_mut().zip(mask) {
                let u = *word & m;
                let (sum, c1) = word.overflowing_add(u);
                let (sum, c2) = sum.overflowing_add(carry);
                carry = u64::from(c1 || c2);
                *word = sum | (*word & !u);
            }
        }
        let mut zeros = 0;
        for (k, word) in v.iter().enumerate() {
            let bits = (self.len - k * 64).min(64);
            let valid = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            zeros += (!word & valid).count_ones() as usize;
        }
        zeros
    }

    /// `2 * LCS / (len a + len b)`; 1.0 for two empty texts.
    pub(crate) fn ratio(&self, b: &str) -> f64 {
        let total = self.len + b.chars().count();
        if total == 0 {
            return 1.0;
        }
        2.0 * self.length(b) as f64 / total as f64
    }
}

/// The similarity ratio of `a` and `b`.
pub(crate) fn ratio(a: &str, b: &str) -> f64 {
    Lcs::new(a).ratio(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dp(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row = vec![0usize; b.len() + 1];
        for x in &a {
            let mut prev = 0;
            for (j, y) in b.iter().enumerate() {
                let here = row[j + 1];
                row[j + 1] = if x == y {
                    prev + 1
                } else {
                    row[j + 1].max(row[j])
                };
                prev = here;
            }
        }
        row[b.len()]
    }

    #[test]
    fn matches_the_textbook_lcs() {
        let mut rng = fastrand::Rng::with_seed(11);
        let alphabet: Vec<char> = "ab c\né…".chars().collect();
        for _ in 0..300 {
            let a: String = (0..rng.usize(0..150))
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            let b: String = (0..rng.usize(0..150))
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            assert_eq!(Lcs::new(&a).length(&b), dp(&a, &b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn ratio_of_known_pairs() {
        assert!((ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert_eq!(ratio("", ""), 1.0);
        assert_eq!(ratio("abc", ""), 0.0);
    }
}
