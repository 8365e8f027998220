//! The argument groups several commands share: the task text, the run
//! flags, `fix` and `run`'s own.

use clap::Args;

/// The task text.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// What you want done, in plain words.
    #[arg(required_unless_present = "mcp_prompt", num_args = 1..)]
    pub task: Vec<String>,
    /// Put an MCP server's resource into the task's context, as
    /// `SERVER:URI` (repeatable).
    #[arg(long = "mcp-resource", value_name = "SERVER:URI")]
    pub mcp_resources: Vec<String>,
    /// Start from an MCP server's prompt, as `SERVER:NAME`; the task words,
    /// if any, follow it.
    #[arg(long, value_name = "SERVER:NAME")]
    pub mcp_prompt: Option<String>,
    /// An argument of the --mcp-prompt, `NAME=VALUE` (repeatable).
    #[arg(long = "mcp-arg", value_name = "NAME=VALUE", requires = "mcp_prompt")]
    pub mcp_args: Vec<String>,
}

/// `chamber fix` arguments.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Most fix rounds (default: `[test] max_fix_rounds`).
    #[arg(long, value_name = "N")]
    pub max_rounds: Option<u32>,
    /// Flags shared with `run`.
    #[command(flatten)]
    pub flags: RunFlags,
}

/// `chamber run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,
    /// Flags shared with `apply` and `resume`.
    #[command(flatten)]
    pub flags: RunFlags,
    /// Do the whole run in a throwaway copy; print plan, commands and diff.
    /// Not with --verify (a dry run never changes or tests the project).
    #[arg(long, conflicts_with = "verify")]
    pub dry_run: bool,
}

/// Flags for commands that act.
#[derive(Debug, Args, Clone, Default)]
pub struct RunFlags {
    /// Approve the plan and every action the policy allows, without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Work even though the git tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Model turns allowed per plan step.
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,
    /// Stop the run once models cost this many USD (warns at 80%).
    #[arg(long, value_name = "USD")]
    pub budget_cost: Option<f64>,
    /// Stop the run after this long, such as 90s, 5m or 1h.
    #[arg(long, value_name = "DURATION", value_parser = parse_budget_time)]
    pub budget_time: Option<std::time::Duration>,
    /// Stop the run once it has used this many tokens.
    #[arg(long, value_name = "N")]
    pub budget_tokens: Option<u64>,
    /// The tests must pass at the end: after the plan, failing tests are
    /// fixed in rounds on the same run (as `chamber fix` does).
    #[arg(long)]
    pub verify: bool,
    /// Add a Signed-off-by trailer to the run's commits.
    #[arg(long)]
    pub signoff: bool,
    /// Work in a new git worktree (under the data dir) on the run branch,
    /// made from HEAD: your checkout is untouched and may be dirty.
    #[arg(long)]
    pub worktree: bool,
    /// Keep the worktree after a completed run (failed runs keep it anyway).
    #[arg(long)]
    pub keep_worktree: bool,
    /// Approval mode: read-only, ask, auto-edit or full-auto (default:
    /// `[approval] mode`).
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
    /// Confine writes to this lane's globs (`[paths.lanes]`).
    #[arg(long, value_name = "NAME")]
    pub lane: Option<String>,
    /// Touch nothing: stage the run's changes as a patch for
    /// `chamber apply-guarded` (or `chamber reject`).
    #[arg(long, conflicts_with_all = ["worktree", "keep_worktree"])]
    pub guarded: bool,
    /// Ask on stdin even when it is not a terminal (answers piped from a script).
    #[arg(long)]
    pub prompt: bool,
    /// How the run is driven: auto, loop or direct (default: `[agent] strategy`).
    #[arg(long, value_name = "STRATEGY", value_parser = ["auto", "loop", "direct"])]
    pub strategy: Option<String>,
    /// Direct mode with tests: make N attempts and apply the best by the
    /// tests (default: `[agent] candidates`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=8))]
    pub candidates: Option<u32>,
}

pub(crate) fn parse_budget_time(text: &str) -> Result<std::time::Duration, String> {
    chamber_policy::parse_duration(text)
}
