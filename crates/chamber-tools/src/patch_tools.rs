//! Multi-file edit tools over the edit engine: `apply_patch` (the
//! `*** Begin Patch` format), `apply_diff` (unified diffs) and `multi_edit`
//! (search/replace pairs). Each plans the whole change in memory through the
//! matching cascade, checks syntax, then writes all of it or nothing.

use std::path::Path;

use chamber_edit::{ChangeSet, FileChange, SearchReplace};
use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::ToolContext;
use crate::result::{changed, failed};
use crate::specs::ToolArgs;

/// Arguments of `apply_patch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApplyPatchArgs {
    /// The patch, from `*** Begin Patch` to `*** End Patch`.
    pub patch: String,
}

impl ToolArgs for ApplyPatchArgs {
    fn check(&self) -> Result<(), String> {
        chamber_edit::check_apply_patch(&self.patch).map_err(|e| e.to_string())
    }
}

/// Arguments of `apply_diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApplyDiffArgs {
    /// A unified diff (`--- a/path`, `+++ b/path`, `@@ … @@` hunks); line numbers may be approximate.
    pub diff: String,
}

impl ToolArgs for ApplyDiffArgs {
    fn check(&self) -> Result<(), String> {
        chamber_edit::check_unified_diff(&self.diff).map_err(|e| e.to_string())
    }
}

/// One search/replace pair of `multi_edit`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditItem {
    /// File to edit (or create, with an empty old_string), relative to the workspace root.
    pub path: String,
    /// The lines to find, with a little surrounding context so they match exactly one place.
    pub old_string: String,
    /// What to put in their place.
    pub new_string: String,
}

/// Arguments of `multi_edit`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MultiEditArgs {
    /// The edits, applied in order; several may target the same file.
    #[schemars(length(min = 1))]
    pub edits: Vec<EditItem>,
}

impl ToolArgs for MultiEditArgs {
    fn check(&self) -> Result<(), String> {
        if self.edits.is_empty() {
            return Err("edits is empty; give at least one {path, old_string, new_string}".into());
        }
        for (i, e) in self.edits.iter().enumerate() {
            if e.old_string == e.new_string {
                return Err(format!(
                    "edit {} ({}): old_string and new_string are identical; nothing would change",
                    i + 1,
                    e.path
                ));
            }
        }
        Ok(())
    }
}

/// Which multi-file edit to plan.
pub(crate) enum PatchOp {
    ApplyPatch(ApplyPatchArgs),
    ApplyDiff(ApplyDiffArgs),
    MultiEdit(MultiEditArgs),
}

/// Plans, checks and writes one multi-file edit.
pub(crate) async fn patch_edit(ctx: &ToolContext, op: PatchOp) -> ToolResult {
    let root = ctx.root.clone();
    let planned = tokio::task::spawn_blocking(move || plan(&root, op)).await;
    let set = match planned {
        Ok(Ok(set)) => set,
        Ok(Err(message)) => return failed(message),
        Err(e) => return failed(format!("the edit could not be planned: {e}")),
    };
    if set.is_empty() {
        return failed("the edit changes nothing; check that it differs from the file");
    }
    if ctx.syntax_check
        && let Err(message) = check_syntax(&set)
    {
        return failed(message);
    }
    for (path, after) in set.final_contents() {
        let after = after.map(String::into_bytes);
        if let Err(e) = ctx
            .before_change(&ctx.root.join(&path), after.as_deref())
            .await
        {
            return failed(e);
        }
    }
    let root = ctx.root.clone();
    let summary = summarize(&set);
    let files: Vec<String> = touched_paths(&set)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    match tokio::task::spawn_blocking(move || set.apply(&root)).await {
        Ok(Ok(())) => changed(summary, files),
        Ok(Err(e)) => failed(format!("{e}; nothing was written")),
        Err(e) => failed(format!(
            "the edit could not be written: {e}; nothing was written"
        )),
    }
}

fn plan(root: &Path, op: PatchOp) -> Result<ChangeSet, String> {
    let planned = match op {
        PatchOp::ApplyPatch(a) => chamber_edit::plan_apply_patch(root, &a.patch),
        PatchOp::ApplyDiff(a) => chamber_edit::plan_unified_diff(root, &a.diff),
        PatchOp::MultiEdit(a) => {
            let edits: Vec<SearchReplace> = a
                .edits
                .into_iter()
                .map(|e| SearchReplace {
                    path: e.path.into(),
                    search: e.old_string,
                    replace: e.new_string,
                })
                .collect();
            chamber_edit::plan_search_replace(root, &edits)
        }
    };
    planned.map_err(|e| format!("{e}\nNothing was written."))
}

/// Every path written, including move destinations.
fn touched_paths(set: &ChangeSet) -> Vec<std::path::PathBuf> {
    let mut out = set.touched();
    for c in set.changes() {
        if let FileChange::Update {
            move_to: Some(to), ..
        } = c
            && !out.contains(to)
        {
            out.push(to.clone());
        }
    }
    out
}

/// Rejects the change when it adds syntax errors to any file.
fn check_syntax(set: &ChangeSet) -> Result<(), String> {
    for c in set.changes() {
        let (path, before, after) = match c {
            FileChange::Add {
                path,
                content,
                previous,
            } => (path, previous.as_deref(), content),
            FileChange::Update {
                path,
                move_to,
                previous,
                content,
            } => (
                move_to.as_ref().unwrap_or(path),
                Some(previous.as_str()),
                content,
            ),
            FileChange::Delete { .. } => continue,
        };
        chamber_edit::syntax::check_edit(path, before, after)
            .map_err(|e| format!("{e}\nNothing was written."))?;
    }
    Ok(())
}

fn summarize(set: &ChangeSet) -> String {
    let lines: Vec<String> = set
        .changes()
        .iter()
        .map(|c| match c {
            FileChange::Add {
                path,
                content,
                previous,
            } => format!(
                "{} {} ({} lines)",
                if previous.is_some() {
                    "overwrote"
                } else {
                    "created"
                },
                path.display(),
                content.lines().count()
            ),
            FileChange::Delete { path, .. } => format!("deleted {}", path.display()),
            FileChange::Update {
                path,
                move_to,
                previous,
                content,
            } => {
                let (removed, added) = line_delta(previous, content);
                match move_to {
                    Some(to) => format!(
                        "updated {} and moved it to {} (-{removed} +{added} lines)",
                        path.display(),
                        to.display()
                    ),
                    None => format!("updated {} (-{removed} +{added} lines)", path.display()),
                }
            }
        })
        .collect();
    format!("applied: {}", lines.join("; "))
}

/// Lines removed and added between two texts.
fn line_delta(before: &str, after: &str) -> (usize, usize) {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut removed = 0;
    let mut added = 0;
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            match change.tag() {
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Equal => {}
            }
        }
    }
    (removed, added)
}
