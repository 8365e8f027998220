//! Which file line each search line stands for in a fuzzy match, so that
//! the model's edit can be carried over line by line (see `rebuild.rs`).

use std::borrow::Cow;

use similar::{Algorithm, DiffOp, capture_diff_slices};

use super::lcs::Lcs;

/// Pairs search lines with the window lines of a fuzzy match: equal keys,
/// then, within each changed run, the most similar lines in order.
pub(crate) fn align(
    window: &[Cow<'_, str>],
    search: &[Cow<'_, str>],
    offset: usize,
) -> Vec<Option<usize>> {
    let mut map = vec![None; search.len()];
    for op in capture_diff_slices(Algorithm::Myers, search, window) {
        let (old, new) = (op.old_range(), op.new_range());
        let pairs: Vec<(usize, usize)> = match op {
            DiffOp::Equal { .. } => old.zip(new).collect(),
            DiffOp::Replace { .. } => pair_run(&search[old.clone()], &window[new.clone()])
                .into_iter()
                .map(|(i, j)| (old.start + i, new.start + j))
                .collect(),
            _ => continue,
        };
        for (i, j) in pairs {
            if let Some(slot) = map.get_mut(i) {
                *slot = Some(offset + j);
            }
        }
    }
    map
}

/// Most cells of the pairing table of one changed run; beyond, lines are
/// paired by position.
const MAX_PAIRING: usize = 10_000;

/// Pairs the lines of a changed run in order, maximising their total
/// similarity (pairs below 0.5 do not count).
fn pair_run(search: &[Cow<'_, str>], window: &[Cow<'_, str>]) -> Vec<(usize, usize)> {
    let (n, m) = (search.len(), window.len());
    if n == m || n.saturating_mul(m) > MAX_PAIRING {
        return (0..n.min(m)).map(|d| (d, d)).collect();
    }
    let sim: Vec<Vec<f64>> = search
        .iter()
        .map(|s| {
            let lcs = Lcs::new(s);
            window
                .iter()
                .map(|w| Some(lcs.ratio(w)).filter(|r| *r >= 0.5).unwrap_or(0.0))
                .collect()
        })
        .collect();
    let mut best = vec![vec![0.0f64; m + 1]; n + 1];
    for i in 1..=n {
        for j in 1..=m {
            let diagonal = best[i - 1][j - 1] + sim[i - 1][j - 1];
            best[i][j] = best[i - 1][j].max(best[i][j - 1]).max(diagonal);
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::new();
    while i > 0 && j > 0 {
        let s = sim[i - 1][j - 1];
        if s > 0.0 && best[i][j] == best[i - 1][j - 1] + s {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if best[i][j] == best[i - 1][j] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}
