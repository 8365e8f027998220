//! The whole path from a task to its context over a live index: update,
//! snapshot, BM25 runs, retrieval, the builder.

use super::{BuiltContext, ContextOptions, build_context};
use crate::retrieve::{Bm25Run, RankedFile, bm25_queries, rank};
use crate::{Index, IndexError, Snapshot};

/// BM25 hits asked for per query.
const BM25_LIMIT: usize = 50;

/// Ranks the files of `snapshot` for `task`, running the BM25 queries on
/// `index`.
pub async fn retrieve(
    index: &Index,
    snapshot: &Snapshot,
    task: &str,
) -> Result<Vec<RankedFile>, IndexError> {
    let mut runs = Vec::new();
    for (label, query) in bm25_queries(task) {
        let hits = index.search(&query, BM25_LIMIT).await?;
        runs.push(Bm25Run { label, hits });
    }
    Ok(rank(task, snapshot, &runs))
}

/// Updates `index`, then builds the context for `task` within `opts`.
/// Returns it with the ranking it used.
pub async fn context_for_task(
    index: &Index,
    task: &str,
    opts: &ContextOptions,
) -> Result<(BuiltContext, Vec<RankedFile>), IndexError> {
    index.update(&|_| {}).await?;
    let snapshot = index.snapshot().await?;
    let ranked = retrieve(index, &snapshot, task).await?;
    let root = index.root().to_path_buf();
    let built = build_context(&root, task, &snapshot, &ranked, opts);
    Ok((built, ranked))
}
