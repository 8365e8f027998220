//! `chamber map [--tokens N] [--task TEXT]`: the repo map — the most
//! relevant files with their key symbols' signatures, within a token
//! budget, ranked by PageRank over the reference graph (leaning toward the
//! task when one is given).

use chamber_index::context::{estimate_tokens, retrieve};
use chamber_index::map::{MapFocus, rank_files, render_map};
use chamber_index::retrieve::extract;
use chamber_index::{Index, IndexOptions};
use serde_json::{Value, json};

use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Opens the project's index and brings it up to date.
pub(crate) async fn open_updated(setup: &Setup) -> Result<Index, CliError> {
    let index_err = |e: chamber_index::IndexError| {
        CliError::new(
            "index_failed",
            e.to_string(),
            Some("`chamber index` rebuilds it; `[index]` in config controls what is walked"),
            status::INTERNAL,
        )
    };
    let index = Index::open(
        &setup.root,
        IndexOptions::from_config(&setup.loaded.config.index),
    )
    .await
    .map_err(index_err)?;
    index.update(&|_| {}).await.map_err(index_err)?;
    Ok(index)
}

fn index_failed(e: chamber_index::IndexError) -> CliError {
    CliError::new("index_failed", e.to_string(), None, status::INTERNAL)
}

/// Prints the repo map; the payload has each file with its score and
/// symbols, and the text.
pub async fn map(
    setup: &Setup,
    tokens: usize,
    task: Option<&str>,
    out: &Output,
) -> Result<Value, CliError> {
    let index = open_updated(setup).await?;
    let snapshot = index.snapshot().await.map_err(index_failed)?;
    let mut focus = MapFocus::default();
    if let Some(task) = task {
        focus.identifiers = extract(task).identifiers.into_iter().collect();
        let ranked = retrieve(&index, &snapshot, task)
            .await
            .map_err(index_failed)?;
        for (i, r) in ranked.iter().filter(|r| r.score > 0.0).take(10).enumerate() {
            focus.files.insert(r.path.clone(), 1.0 / (i + 1) as f64);
        }
    }
    let ranked = rank_files(&snapshot, &focus);
    let (text, entries) = render_map(&snapshot, &ranked, &focus, tokens);
    if !out.is_json() {
        if text.is_empty() {
            out.line("(no symbols indexed)");
        } else {
            out.line(text.trim_end());
        }
    }
    Ok(json!({
        "tokens": estimate_tokens(&text),
        "budget": tokens,
        "files": entries.iter().map(|e| json!({
            "path": e.path,
            "score": e.score,
            "symbols": e.symbols.iter().map(|s| json!({
                "name": s.qualified, "kind": s.kind, "line": s.start_line, "signature": s.signature,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "text": text,
    }))
}
