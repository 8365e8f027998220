//! Indexes a tree into a separate directory and prints the update's
//! figures as one JSON line; with `--queries FILE` (one query a line) also
//! times each search in-process and prints p50/p95. Used by
//! `scripts/bench_index.sh`:
//! `cargo run --release -p chamber-index --example index_tree -- <root> <index-dir> [--queries FILE]`.

use std::path::PathBuf;
use std::time::Instant;

use chamber_index::{Index, IndexOptions};

const USAGE: &str = "usage: index_tree <root> <index-dir> [--queries FILE]";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(args.first().ok_or(USAGE)?);
    let dir = PathBuf::from(args.get(1).ok_or(USAGE)?);
    let queries = match args.get(2).map(String::as_str) {
        Some("--queries") => std::fs::read_to_string(args.get(3).ok_or(USAGE)?)?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        Some(_) => return Err(USAGE.into()),
        None => Vec::new(),
    };
    let opened = Instant::now();
    let index = Index::open_at(&root, &dir, IndexOptions::default()).await?;
    let stats = index.update(&|_| {}).await?;
    let mut line = serde_json::to_value(&stats)?;
    line["wall_ms"] = serde_json::json!(opened.elapsed().as_millis() as u64);
    println!("{line}");
    if queries.is_empty() {
        return Ok(());
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut with_hits = 0usize;
    for query in &queries {
        let started = Instant::now();
        let hits = index.search(query, 10).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        with_hits += usize::from(!hits.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{}",
        serde_json::json!({
            "queries": times.len(),
            "with_hits": with_hits,
            "search_p50_ms": (pick(0.5) * 100.0).round() / 100.0,
            "search_p95_ms": (pick(0.95) * 100.0).round() / 100.0,
        })
    );
    Ok(())
}
