//! `chamber patch apply` and `chamber patch rollback`: both plan every file
//! first and write only when all of them work, then record what they did as
//! a new patch. Applying reads any format chamber-edit knows (unified diff,
//! `apply_patch` envelope, search/replace blocks, told apart by their
//! markers) through its tolerant engine; a unified diff it refuses falls
//! back to the exact applier in `chamber_tools::patches`. Rolling back
//! 3-way merges files changed since the patch.

use std::path::Path;

use chamber_edit::PatchFormat;
use chamber_tools::patches::{PatchOrigin, PatchStore, plan_diff, plan_rollback, write_planned};
use chamber_tools::{FileChange, Journal};
use serde_json::json;

use crate::commands::patch_errors;
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Applies a diff file or a recorded patch.
pub fn apply(
    root: &Path,
    store: &PatchStore,
    target: &str,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let file = Path::new(target);
    let (diff, source) = if file.is_file() {
        let text = std::fs::read_to_string(file).map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot read {target}: {e}"),
                Some("check the path and the file's permissions"),
                status::INTERNAL,
            )
        })?;
        (text, target.to_string())
    } else {
        let record = store.find(target)?;
        (store.read_diff(&record.id)?, format!("patch {}", record.id))
    };
    let format = chamber_edit::detect_format(&diff);
    let changes = match format {
        PatchFormat::UnifiedDiff => apply_diff(root, &diff)?,
        other => match chamber_edit::plan_patch_text(root, &diff) {
            Ok((_, set)) => write_set(root, other, &set)?,
            Err(e) => return Err(patch_errors::refused(other, &e)),
        },
    };
    let origin = PatchOrigin {
        tool: "patch apply".into(),
        note: Some(format!("applied {source} ({format})")),
        ..Default::default()
    };
    let mut payload = finish(store, origin, changes, "applied", out)?;
    payload["format"] = json!(format.to_string());
    Ok(payload)
}

/// Applies a unified diff all or nothing and returns what changed: with
/// chamber-edit's tolerant applier (moved hunks, whitespace drift, CRLF),
/// else with the exact applier (which also knows git's mode headers).
pub(crate) fn apply_diff(root: &Path, diff: &str) -> Result<Vec<FileChange>, CliError> {
    match chamber_edit::plan_unified_diff(root, diff) {
        Ok(set) => write_set(root, PatchFormat::UnifiedDiff, &set),
        Err(tolerant) => match plan_diff(root, diff) {
            Ok(planned) => Ok(write_planned(root, &planned)?),
            Err(_) => Err(patch_errors::refused(PatchFormat::UnifiedDiff, &tolerant)),
        },
    }
}

/// Writes a planned change set all or nothing; the journal records each
/// file before chamber-edit writes it.
fn write_set(
    root: &Path,
    format: PatchFormat,
    set: &chamber_edit::ChangeSet,
) -> Result<Vec<FileChange>, CliError> {
    let journal = Journal::new(root);
    for path in set.touched() {
        journal.before_change(&root.join(&path)).map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot read {}: {e}", path.display()),
                Some("check the file's permissions"),
                status::INTERNAL,
            )
        })?;
    }
    set.apply(root)
        .map_err(|e| patch_errors::refused(format, &e))?;
    Ok(journal.finish_call())
}

/// Rolls back a recorded patch.
pub fn rollback(
    root: &Path,
    store: &PatchStore,
    id: &str,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let record = store.find(id)?;
    let planned = plan_rollback(root, store, &record)?;
    if planned.is_empty() {
        out.line(format!(
            "nothing to do: the files of patch {} are already as they were before it",
            record.id
        ));
        return Ok(json!({"rolled_back": record.id, "files": [], "patch": null}));
    }
    let changes = write_planned(root, &planned)?;
    let origin = PatchOrigin {
        tool: "patch rollback".into(),
        note: Some(format!("rollback of patch {}", record.id)),
        ..Default::default()
    };
    let mut payload = finish(store, origin, changes, "rolled back", out)?;
    payload["rolled_back"] = json!(record.id);
    Ok(payload)
}

/// Records the change as a new patch and reports it.
fn finish(
    store: &PatchStore,
    origin: PatchOrigin,
    changes: Vec<FileChange>,
    verb: &str,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let files: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
    let record = if changes.is_empty() {
        None
    } else {
        Some(store.record(origin, &changes)?)
    };
    out.line(format!(
        "{} {} file(s)",
        Output::styled(style::OK, format!("{verb}:")),
        files.len()
    ));
    for f in &files {
        out.line(format!("  {f}"));
    }
    if let Some(r) = &record {
        out.line(format!("recorded as patch {}", r.id));
    }
    Ok(json!({"files": files, "patch": record}))
}
