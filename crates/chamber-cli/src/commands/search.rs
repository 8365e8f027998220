//! `chamber search "<query>" [--limit N]`: ranked files (BM25 over content,
//! paths and symbol names, identifier-split) with their matching symbols
//! and lines. Brings the index up to date first (building it if missing).

use chamber_index::IndexError;
use serde_json::{Value, json};

use super::index::{index_error, open, update};
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// `chamber search`.
pub async fn search(
    setup: &Setup,
    query: &str,
    limit: usize,
    out: &Output,
) -> Result<(Value, i32), CliError> {
    let index = open(setup).await?;
    let mut stale = false;
    match update(&index, out).await {
        Ok(_) => {}
        // Another process is updating: search what is there.
        Err(e) if e.code == "index_busy" => stale = true,
        Err(e) => return Err(e),
    }
    let hits = index
        .search(query, limit)
        .await
        .map_err(|e: IndexError| index_error(e))?;
    if !out.is_json() {
        if hits.is_empty() {
            out.line(Output::styled(
                style::DIM,
                format!("no files match {query:?}"),
            ));
        }
        for hit in &hits {
            out.line(format!(
                "{}  {}",
                Output::styled(style::HEAD, &hit.path),
                Output::styled(style::DIM, format!("{:.2}", hit.score))
            ));
            for symbol in &hit.symbols {
                out.line(format!(
                    "  {} {} (lines {}-{})",
                    Output::styled(style::OK, &symbol.kind),
                    symbol.qualified,
                    symbol.start_line,
                    symbol.end_line
                ));
            }
            for (line, text) in &hit.lines {
                out.line(format!("  {}: {text}", Output::styled(style::DIM, line)));
            }
        }
    }
    Ok((
        json!({"query": query, "stale": stale, "hits": hits}),
        status::OK,
    ))
}
