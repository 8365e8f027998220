//! `chamber bench edits`: runs the edit-application benchmark of
//! `chamber_bench::edits` and prints its tables.

use std::path::PathBuf;
use std::sync::Arc;

use chamber_bench::edits::EditsOptions;
use serde_json::Value;

use super::{Screen, write_json_out};
use crate::exit::CliError;
use crate::output::Output;

/// Runs the benchmark, prints the tables and returns the report.
pub async fn edits(
    options: EditsOptions,
    json_out: Option<PathBuf>,
    out: &Output,
) -> Result<Value, CliError> {
    let screen = Arc::new(Screen::new(out, false));
    let done = chamber_bench::edits::run(options, screen).await?;
    for line in &done.lines {
        out.line(line);
    }
    write_json_out(json_out.as_deref(), &done.report, out)?;
    Ok(done.report)
}
