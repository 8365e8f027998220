//! `chamber doc [PATH] [--readme]`: the definitions that lack docs are
//! found by the symbol engine, the model documents exactly those in a
//! throwaway copy, and the diff is applied once reviewed.

use chamber_runtime::{Setup, doc_gaps};
use serde_json::json;

use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Documents what lacks it under `path`.
pub async fn doc(
    setup: &Setup,
    path: &str,
    readme: bool,
    preview: bool,
    flags: &RunFlags,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let target = setup.root.join(path);
    if !target.exists() || std::path::Path::new(path).is_absolute() || path.contains("..") {
        return Err(CliError::new(
            "bad_target",
            format!("{path} is not a file or directory inside the project"),
            None,
            status::CONFIG,
        ));
    }
    let gaps = doc_gaps::gaps(&setup.root, path);
    if !readme {
        if gaps.is_empty() {
            out.line(format!(
                "every public definition under {path} is documented"
            ));
            return Ok((json!({"gaps": []}), status::OK));
        }
        out.line(Output::styled(
            style::HEAD,
            format!("{} definition(s) without docs:", gaps.len()),
        ));
        for g in &gaps {
            out.line(format!("  {}:{}  {}", g.file, g.line, g.symbol));
        }
    }
    let (prompt, plan) = doc_gaps::doc_plan(path, &gaps, readme);
    let (mut payload, code) =
        super::staged::run_staged(setup, prompt, plan, flags, preview, out).await?;
    payload["gaps"] = json!(
        gaps.iter()
            .map(|g| json!({"file": g.file, "line": g.line, "symbol": g.symbol}))
            .collect::<Vec<_>>()
    );
    Ok((payload, code))
}
