//! Indexes a tree into a separate directory and prints the update's
//! figures as JSON: `cargo run --release -p chamber-index --example
//! index_tree -- <root> <index-dir> [query...]`. Used by
//! `scripts/bench_index.sh` to time the library without the CLI.

use std::path::PathBuf;
use std::time::Instant;

use chamber_index::{Index, IndexOptions};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().ok_or("usage: index_tree <root> <index-dir> [query...]")?);
    let dir = PathBuf::from(args.next().ok_or("usage: index_tree <root> <index-dir> [query...]")?);
    let index = Index::open_at(&root, &dir, IndexOptions::default()).await?;
    let stats = index.update(&|_| {}).await?;
    println!("{}", serde_json::to_string(&stats)?);
    let queries: Vec<String> = args.collect();
    if !queries.is_empty() {
        let mut times = Vec::new();
        for query in &queries {
            let started = Instant::now();
            let hits = index.search(query, 10).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            eprintln!("{query:?}: {} hits, top {:?}", hits.len(), hits.first().map(|h| &h.path));
        }
        times.sort_by(f64::total_cmp);
        let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!("{{\"search_p50_ms\": {:.2}, \"search_p95_ms\": {:.2}}}", pick(0.5), pick(0.95));
    }
    Ok(())
}
