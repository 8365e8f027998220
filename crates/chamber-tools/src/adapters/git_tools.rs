//! The git adapters: reading state (status, diff, log, branches) and two
//! changes confined to the run — a commit on the run branch, and reverting
//! a commit that only the run branch has. Pushing and history rewrites are
//! not offered (the command policy denies them for `shell` too).

use std::sync::Arc;
use std::time::Duration;

use chamber_protocol::{ToolResult, ToolStatus};
use schemars::JsonSchema;
use serde::Deserialize;

use super::process::{Ran, not_an_option, run};
use super::{Shared, adapter};
use crate::context::ToolContext;
use crate::external::ExternalTool;
use crate::result::{changed, failed, success};
use crate::specs::{Risk, ToolArgs};

/// `git_status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusArgs {}
impl ToolArgs for StatusArgs {}

/// `git_diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffArgs {
    /// Only the staged changes.
    #[serde(default)]
    staged: bool,
    /// Compare with this ref (branch, tag or commit) instead of the index.
    #[serde(default)]
    against: Option<String>,
    /// Only this path.
    #[serde(default)]
    path: Option<String>,
}
impl ToolArgs for DiffArgs {
    fn check(&self) -> Result<(), String> {
        if let Some(r) = &self.against {
            not_an_option("against", r)?;
        }
        Ok(())
    }
}

/// `git_log`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogArgs {
    /// Most commits to show (default 20, at most 200).
    #[serde(default)]
    max_count: Option<u32>,
    /// Only commits touching this path.
    #[serde(default)]
    path: Option<String>,
}
impl ToolArgs for LogArgs {}

/// `git_branch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BranchArgs {}
impl ToolArgs for BranchArgs {}

/// `git_commit`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommitArgs {
    /// The commit message (first line: a short summary).
    message: String,
    /// Commit only these paths (default: every change outside `.chamber/`).
    #[serde(default)]
    paths: Vec<String>,
}
impl ToolArgs for CommitArgs {
    fn check(&self) -> Result<(), String> {
        if self.message.trim().is_empty() {
            return Err("message must not be empty".into());
        }
        self.paths.iter().try_for_each(|p| not_an_option("path", p))
    }
}

/// `git_revert`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevertArgs {
    /// The commit to revert: one made on this run's branch.
    commit: String,
}
impl ToolArgs for RevertArgs {
    fn check(&self) -> Result<(), String> {
        not_an_option("commit", &self.commit)
    }
}

const GIT_TIMEOUT: Duration = Duration::from_secs(60);

async fn git(shared: &Shared, ctx: &ToolContext, args: &[&str]) -> Result<Ran, ToolResult> {
    // No hooks and no fsmonitor: files the run (or a container) can write
    // must not become programs git runs outside the sandbox.
    let mut all: Vec<String> = [
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    all.extend(args.iter().map(|a| a.to_string()));
    let args = all;
    run(
        &ctx.root,
        "git",
        &args,
        GIT_TIMEOUT,
        ctx.output_cap,
        &shared.settings.env_allow,
    )
    .await
}

/// The output, or the failure as the result.
async fn git_out(shared: &Shared, ctx: &ToolContext, args: &[&str]) -> Result<String, ToolResult> {
    let ran = git(shared, ctx, args).await?;
    if ran.ok() {
        Ok(ran.stdout)
    } else {
        Err(ran.failure(&format!("git {}", args.first().copied().unwrap_or(""))))
    }
}

/// The branch checked out, refused unless it is a run branch.
async fn on_run_branch(shared: &Shared, ctx: &ToolContext) -> Result<String, ToolResult> {
    let branch = git_out(shared, ctx, &["rev-parse", "--abbrev-ref", "HEAD"])
        .await?
        .trim()
        .to_string();
    let prefix = &shared.settings.branch_prefix;
    if prefix.is_empty() || !branch.starts_with(prefix.as_str()) {
        return Err(failed(format!(
            "the checked-out branch is {branch:?}, not a run branch ({prefix}…): commits and reverts happen only on the run's own branch"
        )));
    }
    Ok(branch)
}

/// Files a commit changed.
async fn files_of(shared: &Shared, ctx: &ToolContext, commit: &str) -> Vec<String> {
    git_out(shared, ctx, &["show", "--name-only", "--format=", commit])
        .await
        .map(|out| {
            out.lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

async fn status(_: StatusArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    match git_out(&shared, &ctx, &["status", "--porcelain=v1", "--branch"]).await {
        Ok(out) => success(out),
        Err(r) => r,
    }
}

async fn diff(args: DiffArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    let mut argv = vec!["diff".to_string()];
    if args.staged {
        argv.push("--cached".into());
    }
    if let Some(r) = args.against {
        argv.push(r);
    }
    argv.push("--".into());
    if let Some(p) = args.path {
        argv.push(p);
    }
    let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
    match git_out(&shared, &ctx, &refs).await {
        Ok(out) if out.trim().is_empty() => success("no differences".into()),
        Ok(out) => success(out),
        Err(r) => r,
    }
}

async fn log(args: LogArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    let n = args.max_count.unwrap_or(20).clamp(1, 200).to_string();
    let mut argv = vec![
        "log",
        "--format=%h %ad %an: %s",
        "--date=short",
        "-n",
        &n,
        "--",
    ];
    if let Some(p) = &args.path {
        argv.push(p);
    }
    match git_out(&shared, &ctx, &argv).await {
        Ok(out) => success(out),
        Err(r) => r,
    }
}

async fn branch(_: BranchArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    match git_out(
        &shared,
        &ctx,
        &[
            "branch",
            "--list",
            "--format=%(HEAD) %(refname:short) %(objectname:short)",
        ],
    )
    .await
    {
        Ok(out) => success(out),
        Err(r) => r,
    }
}

async fn commit(args: CommitArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    if let Err(r) = on_run_branch(&shared, &ctx).await {
        return r;
    }
    let mut add = vec!["add".to_string(), "-A".into(), "--".into()];
    if args.paths.is_empty() {
        add.push(".".into());
    } else {
        add.extend(args.paths.iter().cloned());
    }
    add.push(":(exclude).chamber".into());
    let refs: Vec<&str> = add.iter().map(String::as_str).collect();
    if let Err(r) = git_out(&shared, &ctx, &refs).await {
        return r;
    }
    let staged = git(&shared, &ctx, &["diff", "--cached", "--quiet"]).await;
    if matches!(&staged, Ok(ran) if ran.ok()) {
        return failed("nothing to commit: the working tree has no changes outside .chamber/");
    }
    if let Err(r) = git_out(
        &shared,
        &ctx,
        &["commit", "-q", "--no-verify", "-m", &args.message],
    )
    .await
    {
        return r;
    }
    let id = git_out(&shared, &ctx, &["rev-parse", "--short", "HEAD"])
        .await
        .unwrap_or_default();
    let files = files_of(&shared, &ctx, "HEAD").await;
    changed(
        format!(
            "committed {} ({} file(s)): {}\n{}",
            id.trim(),
            files.len(),
            args.message.lines().next().unwrap_or(""),
            files.join("\n")
        ),
        files,
    )
}

async fn revert(args: RevertArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    let branch = match on_run_branch(&shared, &ctx).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let full = match git_out(
        &shared,
        &ctx,
        &[
            "rev-parse",
            "--verify",
            &format!("{}^{{commit}}", args.commit),
        ],
    )
    .await
    {
        Ok(out) => out.trim().to_string(),
        Err(_) => return failed(format!("{:?} is not a commit here", args.commit)),
    };
    let ancestor = git(
        &shared,
        &ctx,
        &["merge-base", "--is-ancestor", &full, "HEAD"],
    )
    .await;
    if !matches!(&ancestor, Ok(ran) if ran.ok()) {
        return failed(format!("{} is not on the run branch {branch}", args.commit));
    }
    // The run's commits are those after the point its branch was created
    // at (the oldest entry of the branch's reflog).
    let start = git_out(&shared, &ctx, &["reflog", "show", "--format=%H", &branch])
        .await
        .ok()
        .and_then(|out| out.lines().last().map(str::to_string));
    let Some(start) = start else {
        return failed(format!("cannot tell where the run branch {branch} started"));
    };
    let ours = git_out(&shared, &ctx, &["rev-list", &format!("{start}..HEAD")])
        .await
        .unwrap_or_default();
    if !ours.lines().any(|c| c.trim() == full) {
        return failed(format!(
            "{} was not made by this run (it is not among the commits since {branch} was created): only commits this run made can be reverted",
            args.commit
        ));
    }
    if let Err(r) = git_out(&shared, &ctx, &["revert", "--no-edit", &full]).await {
        let _ = git(&shared, &ctx, &["revert", "--abort"]).await;
        return r;
    }
    let files = files_of(&shared, &ctx, "HEAD").await;
    let mut r = changed(
        format!(
            "reverted {} with a new commit; files: {}",
            full.get(..12).unwrap_or(&full),
            files.join(", ")
        ),
        files,
    );
    r.status = ToolStatus::Ok;
    r
}

/// The git adapters.
pub(super) fn tools(shared: &Arc<Shared>) -> Vec<Arc<dyn ExternalTool>> {
    vec![
        adapter(
            shared,
            "git_status",
            Risk::Read,
            "The branch and each changed file (git status, porcelain).",
            status,
        ),
        adapter(
            shared,
            "git_diff",
            Risk::Read,
            "Changes as a unified diff: unstaged by default, staged with staged=true, or against a ref.",
            diff,
        ),
        adapter(
            shared,
            "git_log",
            Risk::Read,
            "Recent commits, newest first, optionally only those touching a path.",
            log,
        ),
        adapter(
            shared,
            "git_branch",
            Risk::Read,
            "Local branches; the checked-out one is marked with *.",
            branch,
        ),
        adapter(
            shared,
            "git_commit",
            Risk::Write,
            "Commit changes on the run's branch (only there), all of them or the paths given; returns the files committed.",
            commit,
        ),
        adapter(
            shared,
            "git_revert",
            Risk::Write,
            "Revert a commit this run made, with a new commit (history is never rewritten).",
            revert,
        ),
    ]
}
