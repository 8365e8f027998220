//! `chamber bench …`: the front ends of the benchmarks in `chamber-bench`.
//! They turn flags into options, show progress, print the tables and write
//! the `--json-out` files; the benchmarks themselves live in the library.

pub mod dispatch;
pub mod edits;
pub mod exercism;
pub mod retrieval;

use std::io::Write;
use std::path::{Path, PathBuf};

use chamber_bench::tasks::TaskOptions;
use chamber_bench::{ChamberBin, Paint, Progress, Tone};
use serde_json::Value;

use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// The global flags that pick the model (`--provider`, `--model`,
/// `--base-url`, `--prefer`), as arguments for the `chamber` runs a
/// benchmark starts, so they use the same model as asked for.
pub fn model_flags(global: &crate::cli::GlobalArgs) -> Vec<String> {
    let mut flags = Vec::new();
    for (flag, value) in [
        ("--provider", &global.provider),
        ("--model", &global.model),
        ("--base-url", &global.base_url),
        ("--prefer", &global.prefer),
    ] {
        if let Some(v) = value {
            flags.extend([flag.to_string(), v.clone()]);
        }
    }
    flags
}

/// This binary, for the runs a benchmark starts, with `model_flags`.
pub fn chamber_bin(model_flags: Vec<String>) -> Result<ChamberBin, CliError> {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(
            "io_failed",
            format!("cannot find the chamber binary: {e}"),
            None,
            status::INTERNAL,
        )
    })?;
    Ok(ChamberBin { exe, model_flags })
}

/// Where a benchmark's progress goes: `» case` on stderr and result rows
/// on stdout (never in `--json` mode), colored like the rest of the CLI.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    json: bool,
    quiet: bool,
    rows_when_quiet: bool,
}

impl Screen {
    /// Progress for `out`; `rows_when_quiet` keeps the result rows under `-q`.
    pub fn new(out: &Output, rows_when_quiet: bool) -> Self {
        Self {
            json: out.is_json(),
            quiet: out.is_quiet(),
            rows_when_quiet,
        }
    }
}

impl Paint for Screen {
    fn paint(&self, tone: Tone, text: &str) -> String {
        let style = match tone {
            Tone::Head => style::HEAD,
            Tone::Good => style::OK,
            Tone::Bad => style::BAD,
        };
        Output::styled(style, text)
    }
}

impl Progress for Screen {
    fn begin(&self, label: &str) {
        if !self.json && !self.quiet {
            eprintln!("» {label}");
        }
    }

    fn row(&self, line: &str) {
        if !self.json && (self.rows_when_quiet || !self.quiet) {
            let _ = writeln!(Output::stdout(), "{line}");
        }
    }
}

/// Writes `report` to `path` when asked (`--json-out`) and says where.
pub fn write_json_out(path: Option<&Path>, report: &Value, out: &Output) -> Result<(), CliError> {
    if let Some(path) = path {
        chamber_bench::write_report(path, report)?;
        out.line(format!("report: {}", path.display()));
    }
    Ok(())
}

/// `chamber bench tasks`: runs every task, printing a row per task and the
/// totals; the payload holds every result.
pub async fn tasks(
    options: TaskOptions,
    model_flags: Vec<String>,
    json_out: Option<PathBuf>,
    out: &Output,
) -> Result<Value, CliError> {
    let chamber = chamber_bin(model_flags)?;
    let screen = Screen::new(out, true);
    let report = chamber_bench::tasks::run(&options, &chamber, &screen).await?;
    out.line(report.summary(&screen));
    let report = report.to_json();
    write_json_out(json_out.as_deref(), &report, out)?;
    Ok(report)
}
