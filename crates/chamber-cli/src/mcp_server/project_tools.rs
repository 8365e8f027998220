//! The project tools: the index (search, symbols, repo map, context), the
//! edit engine, the test runner and the reviewer, each the same code as
//! its CLI command, with the policy judging writes and commands first.

use std::path::Path;

use chamber_policy::{CommandContext, Decision, Request};
use chamber_runtime::{RunSettings, build_gate, detect_tests};
use chamber_tools::patches::PatchStore;
use serde_json::Value;

use super::tool_specs::{
    ContextArgs, PatchArgs, RepoMapArgs, ReviewArgs, SearchArgs, SymbolsArgs, TestArgs,
};
use super::{ChamberMcp, ToolOutcome};
use crate::commands;
use crate::exit::CliError;
use crate::output::Output;

/// Output for a command run on an MCP client's behalf: JSON mode, so
/// nothing reaches stdout (over stdio, stdout carries the protocol).
fn silent(cmd: &str) -> Output {
    Output::new(true, true, 0, cmd)
}

fn message(e: CliError) -> String {
    match e.hint {
        Some(hint) => format!("{} ({hint})", e.message),
        None => e.message,
    }
}

/// The policy's verdict on `request` for a call from an MCP client: the
/// client's own approval stands for an ordinary ask (as `--yes` does), but
/// denials, protected paths and the two-person rule still refuse.
fn judge(mcp: &ChamberMcp, request: &Request<'_>) -> Result<(), String> {
    let root = &mcp.setup.root;
    let settings = RunSettings {
        yes: true,
        ..Default::default()
    };
    let gate = build_gate(
        root,
        &mcp.setup.loaded.config,
        &settings,
        chamber_policy::SandboxState::Available,
    )
    .map_err(|e| e.to_string())?;
    let ctx = CommandContext {
        workspace: Some(root),
        ..Default::default()
    };
    let verdict = gate.judge_in(request, &ctx);
    match verdict.decision {
        Decision::Allow => Ok(()),
        _ => Err(format!(
            "refused by the policy: {}{}",
            verdict.reason,
            verdict.rule.map(|r| format!(" [{r}]")).unwrap_or_default()
        )),
    }
}

/// `search`.
pub async fn search(mcp: &ChamberMcp, args: SearchArgs) -> ToolOutcome {
    let limit = args.limit.unwrap_or(10).clamp(1, 100);
    commands::search::search(&mcp.setup, &args.query, limit, &silent("search"))
        .await
        .map(|(v, _)| v)
        .map_err(message)
}

/// `symbols`.
pub async fn symbols(mcp: &ChamberMcp, args: SymbolsArgs) -> ToolOutcome {
    commands::symbols::symbols(&mcp.setup, &args.target, &silent("symbols"))
        .await
        .map(|(v, _)| v)
        .map_err(message)
}

/// `repo_map`.
pub async fn repo_map(mcp: &ChamberMcp, args: RepoMapArgs) -> ToolOutcome {
    let tokens = args.tokens.unwrap_or(1024).clamp(64, 32_768);
    commands::map::map(&mcp.setup, tokens, args.task.as_deref(), &silent("map"))
        .await
        .map_err(message)
}

/// `context`.
pub async fn context(mcp: &ChamberMcp, args: ContextArgs) -> ToolOutcome {
    commands::context_cmd::context(&mcp.setup, &args.task, &silent("context"))
        .await
        .map_err(message)
}

/// Writes `text` to a private temporary file for a command that reads one.
fn temp_file(text: &str, suffix: &str) -> Result<tempfile::NamedTempFile, String> {
    let file = tempfile::Builder::new()
        .prefix("chamber-mcp-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("cannot write a temporary file: {e}"))?;
    Ok(file)
}

/// Every file the patch would change, from the same planning the apply
/// uses (both sides of a rename), so the policy judges exactly what will
/// be written; `None` when it does not apply.
fn touched_paths(root: &Path, text: &str) -> Option<Vec<String>> {
    let rel = |p: &std::path::Path| p.to_string_lossy().replace('\\', "/");
    let planned = match chamber_edit::detect_format(text) {
        chamber_edit::PatchFormat::UnifiedDiff => chamber_edit::plan_unified_diff(root, text)
            .map(|set| set.touched().iter().map(|p| rel(p)).collect())
            .ok()
            .or_else(|| {
                chamber_tools::patches::plan_diff(root, text)
                    .ok()
                    .map(|files| files.into_iter().map(|f| f.path).collect())
            }),
        _ => chamber_edit::plan_patch_text(root, text)
            .ok()
            .map(|(_, set)| set.touched().iter().map(|p| rel(p)).collect()),
    };
    let mut paths: Vec<String> = planned?;
    paths.sort();
    paths.dedup();
    Some(paths)
}

/// `apply_patch`.
pub async fn apply_patch(mcp: &ChamberMcp, args: PatchArgs) -> ToolOutcome {
    let root = mcp.setup.root.clone();
    let Some(paths) = touched_paths(&root, &args.patch) else {
        return Err("the patch does not apply here: give a unified diff (--- a/… +++ b/…) or a *** Begin Patch envelope whose context is in the files".into());
    };
    if paths.is_empty() {
        return Err("the patch changes no file".into());
    }
    judge(
        mcp,
        &Request::Write {
            tool: "apply_patch",
            paths: &paths,
        },
    )?;
    let file = temp_file(&args.patch, ".patch")?;
    let target = file.path().display().to_string();
    let store = PatchStore::in_project(&root);
    tokio::task::spawn_blocking(move || {
        commands::patch_apply::apply(&root, &store, &target, &silent("patch apply"))
            .map_err(message)
    })
    .await
    .map_err(|e| format!("internal error: {e}"))?
}

/// `run_tests`.
pub async fn run_tests(mcp: &ChamberMcp, args: TestArgs) -> ToolOutcome {
    let found =
        detect_tests(&mcp.setup.loaded.config.test, &mcp.setup.root).map_err(|e| e.to_string())?;
    let Some(first) = found.first() else {
        return Err("no test command found: set [test] command in .chamber/config.toml".into());
    };
    judge(
        mcp,
        &Request::Exec {
            tool: "run_tests",
            command: &first.command,
        },
    )?;
    let timeout = args.timeout_secs.unwrap_or(600).clamp(1, 3600);
    commands::test::test(&mcp.setup, timeout, false, &silent("test"))
        .await
        .map(|(v, _)| v)
        .map_err(message)
}

/// `review`.
pub async fn review(mcp: &ChamberMcp, args: ReviewArgs) -> ToolOutcome {
    use commands::review::Source;
    let kept;
    let source = match (args.diff, args.run_id) {
        (Some(diff), _) => {
            kept = temp_file(&diff, ".diff")?;
            Source::File(kept.path().to_path_buf())
        }
        (None, Some(run)) => Source::Run(run),
        (None, None) => Source::WorkingTree,
    };
    commands::review::review(&mcp.setup, source, true, &silent("review"))
        .await
        .map(|(v, _)| v)
        .map_err(message)
}

/// Whether `path` stays inside `root` (resources name files by path).
pub fn inside(root: &Path, path: &Path) -> bool {
    path.canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .is_some_and(|(p, r)| p.starts_with(r))
}

/// A JSON value as pretty text.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
