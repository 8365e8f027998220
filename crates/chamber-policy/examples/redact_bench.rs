//! Throughput of the secret redactor on a few MB of mixed source text.
//!
//! `cargo run --release -p chamber-policy --example redact_bench [DIR]`
//! reads `.rs`, `.py`, `.md` and `.toml` files under DIR (default: the
//! workspace's `crates/`), repeats them to at least 4 MB, plants a few
//! secrets, and prints MB/s for text with and without known values.

use std::path::Path;
use std::time::Instant;

use chamber_policy::{Redactor, SecretSpec, SecretValue};

fn collect(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") {
                collect(&path, out);
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "py" | "md" | "toml")
        ) && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push_str(&text);
        }
    }
}

fn measure(name: &str, redactor: &Redactor, text: &str) {
    // One warm-up pass, then the best of three.
    let changed = redactor.redact(text).len() != text.len();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let out = redactor.redact(text);
        std::hint::black_box(&out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb = text.len() as f64 / 1e6;
    println!(
        "{name}: {mb:.1} MB in {:.1} ms = {:.0} MB/s (changed: {changed})",
        best * 1e3,
        mb / best
    );
    // Per-event shape: many small texts.
    let chunks: Vec<&str> = text
        .as_bytes()
        .chunks(2048)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let t = Instant::now();
    for c in &chunks {
        std::hint::black_box(redactor.redact(c));
    }
    let s = t.elapsed().as_secs_f64();
    let bytes: usize = chunks.iter().map(|c| c.len()).sum();
    println!("{name}, 2 KiB pieces: {:.0} MB/s", bytes as f64 / 1e6 / s);
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/..").to_string());
    let mut corpus = String::new();
    collect(Path::new(&dir), &mut corpus);
    if corpus.is_empty() {
        eprintln!("no source files under {dir}");
        std::process::exit(1);
    }
    let mut text = String::new();
    while text.len() < 4_000_000 {
        text.push_str(&corpus);
        text.push_str("\nOPENAI_API_KEY=sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE\n");
        text.push_str("password = \"Xk9#mP2$vL7qR4wZ\"\nmy-planted-secret-value-42\n");
    }
    measure("built-in patterns", &Redactor::builtin(), &text);
    let values: Vec<SecretValue> = (0..50)
        .map(|i| SecretValue {
            value: format!("planted-value-{i:04}-qZ8xW2"),
            label: "env".into(),
        })
        .chain(std::iter::once(SecretValue {
            value: "my-planted-secret-value-42".into(),
            label: "dotenv".into(),
        }))
        .collect();
    let spec = SecretSpec {
        values,
        ..Default::default()
    };
    match Redactor::new(&spec) {
        Ok(r) => measure("built-ins + 51 values", &r, &text),
        Err(e) => eprintln!("{e}"),
    }
}
