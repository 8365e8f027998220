//! Indexes a tree into a separate directory and prints the update's
//! figures as one JSON line; with `--queries FILE` (one query a line) also
//! times each search in-process and prints p50/p95; with `--paths P...`
//! updates only those paths (the `--watch` fast path) instead of walking;
//! with `--touch P` updates, then appends a line to P and times
//! `update_paths` for it in the same process (as `--watch` would), then
//! restores P.
//! Used by `scripts/bench_index.sh`:
//! `cargo run --release -p chamber-index --example index_tree -- <root> <index-dir> [--queries FILE | --paths P...]`.

use std::path::PathBuf;
use std::time::Instant;

use chamber_index::{Index, IndexOptions};

const USAGE: &str =
    "usage: index_tree <root> <index-dir> [--queries FILE | --paths P... | --touch P]";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(args.first().ok_or(USAGE)?);
    let dir = PathBuf::from(args.get(1).ok_or(USAGE)?);
    let paths: Vec<PathBuf> = match args.get(2).map(String::as_str) {
        Some("--paths") => args[3..].iter().map(PathBuf::from).collect(),
        _ => Vec::new(),
    };
    let touch = match args.get(2).map(String::as_str) {
        Some("--touch") => Some(root.join(args.get(3).ok_or(USAGE)?)),
        _ => None,
    };
    let queries = match args.get(2).map(String::as_str) {
        Some("--paths" | "--touch") => Vec::new(),
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
    let stats = if paths.is_empty() {
        index.update(&|_| {}).await?
    } else {
        index.update_paths(&paths, &|_| {}).await?
    };
    let mut line = serde_json::to_value(&stats)?;
    line["wall_ms"] = serde_json::json!(opened.elapsed().as_millis() as u64);
    println!("{line}");
    if let Some(file) = touch {
        let original = std::fs::read(&file)?;
        let mut times = Vec::new();
        for round in 0..5 {
            let mut changed = original.clone();
            changed.extend_from_slice(format!("\n// chamber bench {round}\n").as_bytes());
            std::fs::write(&file, &changed)?;
            let started = Instant::now();
            let stats = index
                .update_paths(std::slice::from_ref(&file), &|_| {})
                .await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(stats.files_parsed, 1);
        }
        std::fs::write(&file, &original)?;
        index
            .update_paths(std::slice::from_ref(&file), &|_| {})
            .await?;
        times.sort_by(f64::total_cmp);
        println!(
            "{}",
            serde_json::json!({"one_file_update_ms": times.iter().map(|t| (t * 10.0).round() / 10.0).collect::<Vec<_>>()})
        );
    }
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
