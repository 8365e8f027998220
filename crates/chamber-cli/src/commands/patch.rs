//! `chamber patch list | show | create`; `apply` and `rollback` are in
//! `patch_apply`.

use std::path::Path;

use chamber_tools::patches::{PatchOrigin, PatchRecord, PatchStore};
use chamber_tools::{EMPTY_TREE, FileChange, FileImage, Git, TreeChangeKind};
use serde_json::json;

use crate::cli::PatchAction;
use crate::commands::patch_apply;
use crate::diff_view;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// Runs one `patch` subcommand.
pub async fn patch(
    setup: &Setup,
    action: PatchAction,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let store = PatchStore::in_project(&setup.root);
    match action {
        PatchAction::List => list(&store, out),
        PatchAction::Show { id } => show(&store, &id, out),
        PatchAction::Create { from_run } => create(&setup.root, &store, from_run.as_deref(), out),
        PatchAction::Apply { target } => patch_apply::apply(&setup.root, &store, &target, out),
        PatchAction::Rollback { id } => patch_apply::rollback(&setup.root, &store, &id, out),
    }
}

/// One line per patch: id, time, run and step, tool, files.
fn row(r: &PatchRecord) -> String {
    let run = r
        .origin
        .run_id
        .as_deref()
        .map(|id| {
            format!(
                "run {} step {}",
                &id[..id.len().min(8)],
                r.origin.step_id.as_deref().unwrap_or("-")
            )
        })
        .unwrap_or_else(|| "-".into());
    format!(
        "{}  {}  {:<22} {:<14} {}",
        r.id,
        r.created_at.format("%Y-%m-%d %H:%M:%S"),
        run,
        r.origin.tool,
        r.paths().join(", ")
    )
}

fn list(store: &PatchStore, out: &Output) -> Result<serde_json::Value, CliError> {
    let records = store.list()?;
    if records.is_empty() {
        out.line("no patches yet: runs record one for every tool call that changes files");
    }
    for r in &records {
        out.line(row(r));
    }
    Ok(json!({ "patches": records }))
}

fn show(store: &PatchStore, id: &str, out: &Output) -> Result<serde_json::Value, CliError> {
    let record = store.find(id)?;
    let diff = store.read_diff(&record.id)?;
    out.line(format!(
        "{} {}",
        Output::styled(style::HEAD, "patch"),
        record.id
    ));
    out.line(format!("created: {}", record.created_at.to_rfc3339()));
    out.line(format!("tool:    {}", record.origin.tool));
    if let Some(run) = &record.origin.run_id {
        out.line(format!(
            "run:     {run} (step {}, call {})",
            record.origin.step_id.as_deref().unwrap_or("-"),
            record.origin.call_id.as_deref().unwrap_or("-")
        ));
    }
    if let Some(note) = &record.origin.note {
        out.line(format!("note:    {note}"));
    }
    out.line(format!(
        "file:    {}\n",
        store.diff_path(&record.id).display()
    ));
    out.line(diff_view::colored(&diff));
    Ok(json!({ "patch": record, "diff": diff }))
}

fn create(
    root: &Path,
    store: &PatchStore,
    from_run: Option<&str>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let (changes, origin) = match from_run {
        Some(run) => from_patches(store, run)?,
        None => from_working_tree(root)?,
    };
    if changes.is_empty() {
        return Err(CliError::new(
            "no_changes",
            "nothing to put in a patch: no file differs",
            None,
            status::INVALID_STATE,
        ));
    }
    let record = store.record(origin, &changes)?;
    let path = store.diff_path(&record.id);
    out.line(format!(
        "created patch {} ({} file(s)): {}",
        record.id,
        record.files.len(),
        path.display()
    ));
    Ok(json!({ "patch": record, "path": path.display().to_string() }))
}

/// The net change of one run's recorded patches (undo records left out).
fn from_patches(store: &PatchStore, run: &str) -> Result<(Vec<FileChange>, PatchOrigin), CliError> {
    let mut records: Vec<PatchRecord> = store
        .list()?
        .into_iter()
        .filter(|r| r.origin.tool != "undo")
        .filter(|r| {
            r.origin
                .run_id
                .as_deref()
                .is_some_and(|id| id.starts_with(run))
        })
        .collect();
    let mut runs: Vec<&str> = records
        .iter()
        .filter_map(|r| r.origin.run_id.as_deref())
        .collect();
    runs.sort_unstable();
    runs.dedup();
    let run_id = match runs.as_slice() {
        [one] => one.to_string(),
        [] => {
            return Err(CliError::new(
                "not_found",
                format!("no recorded patches belong to a run matching \"{run}\""),
                Some("`chamber patch list` shows which runs recorded patches"),
                status::NOT_FOUND,
            ));
        }
        many => {
            return Err(CliError::new(
                "ambiguous_id",
                format!("\"{run}\" matches several runs: {}", many.join(", ")),
                Some("give more characters of the id"),
                status::NOT_FOUND,
            ));
        }
    };
    records.reverse();
    let changes = store.combine(&records)?;
    let origin = PatchOrigin {
        run_id: Some(run_id.clone()),
        tool: "patch create".into(),
        note: Some(format!(
            "the {} patch(es) of run {run_id} combined",
            records.len()
        )),
        ..Default::default()
    };
    Ok((changes, origin))
}

/// The uncommitted changes (tracked and untracked, not ignored) against HEAD.
fn from_working_tree(root: &Path) -> Result<(Vec<FileChange>, PatchOrigin), CliError> {
    let git = Git::discover(root).ok_or_else(|| {
        CliError::new(
            "not_a_repository",
            "`patch create` without --from-run needs a git repository (it diffs against HEAD)",
            Some("use --from-run ID to combine a run's patches"),
            status::INVALID_STATE,
        )
    })?;
    let head = git.head().map_err(chamber_agent::AgentError::from)?;
    let base = head.clone().unwrap_or_else(|| EMPTY_TREE.to_string());
    let scope = git.scope_for(root);
    let git_err = |e| CliError::from(chamber_agent::AgentError::Git(e));
    let now = git.snapshot_tree(&scope).map_err(git_err)?;
    let mut changes = Vec::new();
    for change in git.diff_trees(&base, &now, &scope).map_err(git_err)? {
        let before = match change.kind {
            TreeChangeKind::Added => None,
            _ => git
                .file_in_tree(&base, &change.path)
                .map_err(git_err)?
                .map(|(bytes, executable)| FileImage { bytes, executable }),
        };
        let after = FileImage::read(&git.root().join(&change.path)).map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot read {}: {e}", change.path),
                None,
                status::INTERNAL,
            )
        })?;
        changes.push(FileChange {
            path: scope.project_path(&change.path).to_string(),
            before,
            after,
        });
    }
    let origin = PatchOrigin {
        tool: "patch create".into(),
        note: Some(match head {
            Some(h) => format!("uncommitted changes against HEAD {}", &h[..h.len().min(10)]),
            None => "uncommitted changes (no commit yet)".into(),
        }),
        ..Default::default()
    };
    Ok((changes, origin))
}
