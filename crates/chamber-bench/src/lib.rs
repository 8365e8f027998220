//! Chamber's benchmarks as a library: the end-to-end task and Exercism
//! runs, the edit-application and retrieval benchmarks, and the A/B of
//! providers. It runs, judges and scores; it never prints. Front ends (the
//! `chamber bench …` and `chamber ab` commands) pass a [`Progress`] for the
//! live rows and print the reports and their text lines.

pub mod ab;
pub mod edits;
mod error;
pub mod exercism;
mod process;
mod progress;
pub mod retrieval;
pub mod tasks;

pub use error::{BenchError, ErrorKind};
pub use process::{ChamberBin, RunTally};
pub use progress::{Paint, Plain, Progress, Tone};

/// Writes a benchmark's JSON report (pretty-printed, atomically) to `path`,
/// for the `--json-out` files the front ends offer.
pub fn write_report(path: &std::path::Path, report: &serde_json::Value) -> Result<(), BenchError> {
    let text = serde_json::to_string_pretty(report).unwrap_or_default();
    chamber_tools::atomic::write_atomic(path, text.as_bytes())
        .map_err(process::io_err(format!("cannot write {}", path.display())))
}
