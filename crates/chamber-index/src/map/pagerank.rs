//! Weighted, personalised PageRank over a small dense-index graph.

/// A directed graph over nodes `0..n` with weighted edges.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Number of nodes.
    pub nodes: usize,
    /// `(from, to, weight)`; parallel edges add up.
    pub edges: Vec<(usize, usize, f64)>,
}

/// Damping factor: the chance of following an edge instead of jumping.
const DAMPING: f64 = 0.85;
/// Iterations at most.
const MAX_ITER: usize = 100;
/// Stop when the L1 change falls below this.
const EPSILON: f64 = 1e-10;

/// PageRank of every node. `personal` is the jump distribution (normalised
/// here; all zero or empty means uniform). Dangling nodes jump by it too.
/// The result sums to 1.
pub fn pagerank(graph: &Graph, personal: &[f64]) -> Vec<f64> {
    let n = graph.nodes;
    if n == 0 {
        return Vec::new();
    }
    let total: f64 = personal.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    let jump: Vec<f64> = if personal.len() == n && total > 0.0 {
        personal
            .iter()
            .map(|w| {
                if w.is_finite() && *w > 0.0 {
                    w / total
                } else {
                    0.0
                }
            })
            .collect()
    } else {
        vec![1.0 / n as f64; n]
    };
    let mut out_weight = vec![0.0f64; n];
    for &(from, to, w) in &graph.edges {
        if from < n && to < n && w > 0.0 {
            out_weight[from] += w;
        }
    }
    let mut rank = jump.clone();
    let mut next = vec![0.0f64; n];
    for _ in 0..MAX_ITER {
        next.iter_mut().for_each(|x| *x = 0.0);
        let mut dangling = 0.0;
        for (i, r) in rank.iter().enumerate() {
            if out_weight[i] <= 0.0 {
                dangling += r;
            }
        }
        for &(from, to, w) in &graph.edges {
            if from < n && to < n && w > 0.0 {
                next[to] += DAMPING * rank[from] * w / out_weight[from];
            }
        }
        for i in 0..n {
            next[i] += (DAMPING * dangling + (1.0 - DAMPING)) * jump[i];
        }
        let delta: f64 = rank.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if delta < EPSILON {
            break;
        }
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ranks_first_and_sum_is_one() {
        // 1, 2, 3 all point at 0.
        let g = Graph {
            nodes: 4,
            edges: vec![(1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)],
        };
        let r = pagerank(&g, &[]);
        assert!(r[0] > r[1] && r[0] > r[2] && r[0] > r[3], "{r:?}");
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn personalisation_moves_the_ranking() {
        // Two separate chains: 1 -> 0 and 3 -> 2.
        let g = Graph {
            nodes: 4,
            edges: vec![(1, 0, 1.0), (3, 2, 1.0)],
        };
        let plain = pagerank(&g, &[]);
        assert!((plain[0] - plain[2]).abs() < 1e-9);
        let toward_3 = pagerank(&g, &[0.0, 0.0, 0.0, 1.0]);
        assert!(toward_3[2] > toward_3[0] * 5.0, "{toward_3:?}");
    }
}
