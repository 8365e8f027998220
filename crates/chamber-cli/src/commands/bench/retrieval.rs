//! `chamber bench retrieval`: sets up the model for `--llm`, runs the
//! retrieval benchmark of `chamber_bench::retrieval` and prints its table.

use std::path::PathBuf;

use chamber_bench::retrieval::Reranker;
use serde_json::Value;

use super::{Screen, write_json_out};
use crate::exit::CliError;
use crate::output::Output;
use crate::setup::Setup;

/// Options of `chamber bench retrieval`.
pub struct RetrievalArgs {
    /// The JSONL file.
    pub file: PathBuf,
    /// Where the repositories are.
    pub repos: PathBuf,
    /// Only the first N instances.
    pub limit: Option<usize>,
    /// Re-rank with the configured model too.
    pub llm: bool,
    /// Also write the JSON report here.
    pub json_out: Option<PathBuf>,
    /// Write each instance's per-file signal ranks here (JSONL), for
    /// tuning the fusion offline.
    pub features_out: Option<PathBuf>,
}

/// Runs the benchmark and prints the table; the payload holds the summary
/// and, per instance, the scores and our top files with reasons.
pub async fn retrieval(
    setup: &Setup,
    args: RetrievalArgs,
    out: &Output,
) -> Result<Value, CliError> {
    let instances = chamber_bench::retrieval::read_instances(&args.file, args.limit)?;
    let model = if args.llm {
        let (provider, choice, _server) = setup
            .provider(&setup.loaded.config, &crate::setup::notice_for(out))
            .await?;
        Some(Reranker {
            provider,
            model: choice.model,
        })
    } else {
        None
    };
    let screen = Screen::new(out, false);
    let report = chamber_bench::retrieval::run(
        instances,
        &args.repos,
        model,
        args.features_out.is_some(),
        &screen,
    )
    .await?;
    for line in report.table(&screen) {
        out.line(line);
    }
    if let Some(path) = &args.features_out {
        report.write_features(path)?;
    }
    let report = report.to_json();
    write_json_out(args.json_out.as_deref(), &report, out)?;
    Ok(report)
}
