//! `chamber api scaffold SPEC`: parses, calls `chamber_runtime::openapi`
//! to plan the files, prints them as one diff, then writes them all or
//! none (unless `--dry-run`).

use std::path::{Path, PathBuf};

use chamber_runtime::openapi::{self, ScaffoldRequest};
use serde_json::Value;

use crate::cli_scaffold::ApiAction;
use crate::diff_view;
use crate::exit::CliError;
use crate::output::{Output, style};

/// The spec path: as given when absolute or present from `start` (the
/// current directory or `-C`), else relative to the project root.
fn spec_path(spec: &Path, start: &Path, root: &Path) -> PathBuf {
    if spec.is_absolute() {
        return spec.to_path_buf();
    }
    let here = start.join(spec);
    if here.exists() { here } else { root.join(spec) }
}

/// Runs one `chamber api` subcommand for the project at `root`; a relative
/// spec path is looked up from `start` (the current directory or `-C`) first.
pub fn api(root: &Path, start: &Path, action: ApiAction, out: &Output) -> Result<Value, CliError> {
    let ApiAction::Scaffold {
        spec,
        framework,
        force,
        dry_run,
    } = action;
    let req = ScaffoldRequest {
        root: root.to_path_buf(),
        spec: spec_path(&spec, start, root),
        framework,
        force,
    };
    let plan = openapi::plan(&req)?;
    let how = if plan.detected {
        "detected"
    } else {
        "--framework"
    };
    out.line(format!(
        "{} ({how}) from {} {}: {} operation(s), {} schema(s)",
        Output::styled(style::HEAD, plan.framework.name()),
        plan.title,
        plan.version,
        plan.operations.len(),
        plan.schemas.len()
    ));
    if !out.is_quiet() {
        out.line(diff_view::colored(plan.diff.trim_end()));
    }
    if !dry_run {
        openapi::write(root, &plan)?;
    }
    let overwritten = plan
        .files
        .iter()
        .filter(|f| f.action == "overwrite")
        .count();
    let verb = if dry_run { "would write" } else { "wrote" };
    let mut summary = format!("{verb} {} file(s)", plan.files.len());
    if overwritten > 0 {
        summary.push_str(&format!(" ({overwritten} replaced)"));
    }
    if dry_run {
        summary.push_str("; dry run, nothing written");
    }
    out.line(Output::styled(style::OK, summary));
    out.line(format!("run the tests: {}", plan.run_tests));
    for step in &plan.next_steps {
        out.line(format!("  · {step}"));
    }
    let mut payload = serde_json::to_value(&plan).unwrap_or(Value::Null);
    payload["written"] = Value::Bool(!dry_run);
    Ok(payload)
}
