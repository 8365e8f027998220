//! The resources Chamber serves: runs (trace and diff), recorded patches,
//! the repo map and the project's instruction files.

use chamber_tools::patches::PatchStore;
use rmcp::ErrorData;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents};
use serde_json::json;

use super::ChamberMcp;
use super::project_tools::{inside, pretty};
use crate::commands;

/// Instruction files a run reads, relative to the project root.
const INSTRUCTION_FILES: &[&str] = &[
    "AGENTS.md",
    "CLAUDE.md",
    ".chamber/instructions.md",
    ".chamber/playbook.md",
];

fn resource(uri: String, name: String, description: String, mime: &str) -> Resource {
    Resource::new(uri, name)
        .with_description(description)
        .with_mime_type(mime)
}

/// Every resource, newest runs and patches first.
pub async fn list(mcp: &ChamberMcp) -> Vec<Resource> {
    let mut out = vec![resource(
        "chamber://repo-map".into(),
        "repo map".into(),
        "The repository map: key files and symbols".into(),
        "text/plain",
    )];
    for file in INSTRUCTION_FILES {
        if mcp.setup.root.join(file).is_file() {
            out.push(resource(
                format!("chamber://instructions/{file}"),
                (*file).to_string(),
                "An instruction file every run reads".into(),
                "text/markdown",
            ));
        }
    }
    if let Ok(runs) = mcp.state.store.list_runs(20).await {
        for run in runs {
            out.push(resource(
                format!("chamber://runs/{}/trace", run.id),
                format!("run {} trace", short(&run.id)),
                format!(
                    "{}: {}",
                    run.status.as_str(),
                    run.task.prompt.chars().take(80).collect::<String>()
                ),
                "application/json",
            ));
            out.push(resource(
                format!("chamber://runs/{}/diff", run.id),
                format!("run {} diff", short(&run.id)),
                "What the run changed, from its recorded patches".into(),
                "text/x-diff",
            ));
        }
    }
    if let Ok(patches) = PatchStore::in_project(&mcp.setup.root).list() {
        for p in patches.iter().rev().take(20) {
            out.push(resource(
                format!("chamber://patches/{}", p.id),
                format!("patch {}", short(&p.id)),
                format!("{} ({})", p.paths().join(", "), p.origin.tool),
                "text/x-diff",
            ));
        }
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(format!("no resource {uri}"), None)
}

fn text(uri: &str, body: String) -> ReadResourceResult {
    ReadResourceResult::new(vec![ResourceContents::text(body, uri)])
}

/// Reads one resource by URI.
pub async fn read(mcp: &ChamberMcp, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let root = &mcp.setup.root;
    if uri == "chamber://repo-map" {
        let out = crate::output::Output::new(true, true, 0, "map");
        let map = commands::map::map(&mcp.setup, 2048, None, &out)
            .await
            .map_err(|e| ErrorData::internal_error(e.message, None))?;
        let body = map
            .get("map")
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| pretty(&map));
        return Ok(text(uri, body));
    }
    if let Some(file) = uri.strip_prefix("chamber://instructions/") {
        let path = root.join(file);
        if !INSTRUCTION_FILES.contains(&file) || !inside(root, &path) {
            return Err(not_found(uri));
        }
        let body = std::fs::read_to_string(&path).map_err(|_| not_found(uri))?;
        return Ok(text(uri, body));
    }
    if let Some(rest) = uri.strip_prefix("chamber://runs/") {
        let (id, part) = rest.split_once('/').ok_or_else(|| not_found(uri))?;
        let store = &mcp.state.store;
        let run = store.get_run(id).await.map_err(|_| not_found(uri))?;
        return match part {
            "trace" => {
                let events = store
                    .events(&run.id)
                    .await
                    .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
                Ok(text(uri, pretty(&json!({ "run": run, "events": events }))))
            }
            "diff" => {
                let patches = PatchStore::in_project(root);
                let mut records: Vec<_> = patches
                    .list()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|p| p.origin.run_id.as_deref() == Some(run.id.as_str()))
                    .collect();
                records.sort_by_key(|p| p.created_at);
                let changes = patches
                    .combine(&records)
                    .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
                Ok(text(uri, chamber_tools::patches::unified_diff(&changes)))
            }
            _ => Err(not_found(uri)),
        };
    }
    if let Some(id) = uri.strip_prefix("chamber://patches/") {
        let patches = PatchStore::in_project(root);
        let record = patches.find(id).map_err(|_| not_found(uri))?;
        let diff = patches
            .read_diff(&record.id)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        return Ok(text(uri, diff));
    }
    Err(not_found(uri))
}
