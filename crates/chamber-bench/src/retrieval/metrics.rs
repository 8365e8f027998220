//! Acc@k and recall@k of a ranking against gold files.

use serde::Serialize;

/// The cut-offs reported.
pub const KS: [usize; 4] = [1, 3, 5, 10];

/// Scores of one ranking of one instance.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    /// Per k in [`KS`]: all gold files in the top k.
    pub acc: [bool; 4],
    /// Per k in [`KS`]: share of gold files in the top k.
    pub recall: [f64; 4],
    /// 1-based rank of each gold file (0: not ranked).
    pub gold_ranks: Vec<usize>,
}

/// Scores `ranked` (best first) against `gold`.
pub fn score(ranked: &[String], gold: &[String]) -> Scores {
    let mut s = Scores {
        gold_ranks: gold
            .iter()
            .map(|g| ranked.iter().position(|r| r == g).map_or(0, |p| p + 1))
            .collect(),
        ..Scores::default()
    };
    for (i, k) in KS.iter().enumerate() {
        let found = s.gold_ranks.iter().filter(|r| **r > 0 && **r <= *k).count();
        s.acc[i] = !gold.is_empty() && found == gold.len();
        s.recall[i] = if gold.is_empty() {
            0.0
        } else {
            found as f64 / gold.len() as f64
        };
    }
    s
}

/// Mean Acc@k (as a share) and recall@k over `all`.
pub fn summary(all: &[&Scores]) -> ([f64; 4], [f64; 4]) {
    let n = all.len().max(1) as f64;
    let mut acc = [0.0; 4];
    let mut rec = [0.0; 4];
    for s in all {
        for i in 0..4 {
            acc[i] += f64::from(u8::from(s.acc[i])) / n;
            rec[i] += s.recall[i] / n;
        }
    }
    (acc, rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_needs_every_gold_file_and_recall_counts_shares() {
        let ranked: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
        let s = score(&ranked, &["b".into(), "f".into()]);
        assert_eq!(s.acc, [false, false, false, true]);
        assert_eq!(s.recall, [0.0, 0.5, 0.5, 1.0]);
        assert_eq!(s.gold_ranks, vec![2, 6]);
        let (acc, rec) = summary(&[&s, &score(&ranked, &["a".into()])]);
        assert_eq!(acc, [0.5, 0.5, 0.5, 1.0]);
        assert_eq!(rec[0], 0.5);
    }
}
