//! `list_files`: a gitignore-aware tree of the project, the model's map.

use std::path::Path;

use chamber_protocol::ToolResult;
use ignore::WalkBuilder;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::ToolContext;
use crate::fs_tools::not_found;
use crate::paths::resolve;
use crate::result::{failed, success};
use crate::specs::ToolArgs;

/// Most entries one listing shows.
const MAX_ENTRIES: usize = 500;

/// Arguments of `list_files`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListFilesArgs {
    /// Directory to list, relative to the workspace root (default ".").
    #[serde(default)]
    pub path: Option<String>,
    /// How many levels deep to go; 1 lists only the directory's own entries (default: no limit).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_depth: Option<u32>,
}

impl ToolArgs for ListFilesArgs {
    fn check(&self) -> Result<(), String> {
        if self.max_depth == Some(0) {
            return Err(
                "max_depth must be at least 1 (1 lists the directory's own entries)".into(),
            );
        }
        Ok(())
    }
}

/// A walker over `dir` that honours `.gitignore` (even outside a git
/// repository), shows hidden files and never enters `.git`.
pub(crate) fn project_walker(dir: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(dir);
    builder
        .hidden(false)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| e.file_name() != ".git");
    builder
}

/// Runs `list_files`.
pub(crate) async fn list_files(ctx: &ToolContext, args: ListFilesArgs) -> ToolResult {
    let shown = args.path.clone().unwrap_or_else(|| ".".to_string());
    let resolved = match resolve(&ctx.root, &shown) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let dir = resolved.target.clone();
    let depth = args.max_depth;
    let rel = resolved.rel.clone();
    match tokio::task::spawn_blocking(move || render_tree(&dir, &rel, depth)).await {
        Ok(Ok(text)) => success(text),
        Ok(Err(ListError::NotFound)) => failed(not_found(&shown)),
        Ok(Err(ListError::Io(e))) => failed(format!("cannot list \"{shown}\": {e}")),
        Err(e) => failed(format!("cannot list \"{shown}\": {e}")),
    }
}

/// Why a listing could not be made.
enum ListError {
    NotFound,
    Io(std::io::Error),
}

/// The indented tree under `dir`, headed by its workspace-relative name.
fn render_tree(dir: &Path, rel: &str, max_depth: Option<u32>) -> Result<String, ListError> {
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ListError::NotFound),
        Err(e) => return Err(ListError::Io(e)),
    };
    if !meta.is_dir() {
        return Ok(format!("{rel}\n"));
    }
    let mut builder = project_walker(dir);
    builder.max_depth(max_depth.map(|d| d as usize));
    let mut out = format!("{}/\n", rel.trim_end_matches('/'));
    let mut count = 0usize;
    let mut unreadable = 0usize;
    for entry in builder.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(_) => {
                unreadable += 1;
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        if count == MAX_ENTRIES {
            out.push_str(&format!(
                "[listing stopped at {MAX_ENTRIES} entries; list a subdirectory or pass a smaller max_depth]\n"
            ));
            return Ok(out);
        }
        count += 1;
        let indent = "  ".repeat(entry.depth());
        let name = entry.file_name().to_string_lossy();
        let slash = if entry.file_type().is_some_and(|t| t.is_dir()) {
            "/"
        } else {
            ""
        };
        out.push_str(&format!("{indent}{name}{slash}\n"));
    }
    if count == 0 {
        out.push_str("  [empty]\n");
    }
    if unreadable > 0 {
        out.push_str(&format!("[{unreadable} entries could not be read]\n"));
    }
    Ok(out)
}
