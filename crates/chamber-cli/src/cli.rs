use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::cli_actions::{
    BenchAction, BudgetAction, ConfigAction, ExercismArgs, ExercismMode, ModelAction, PatchAction,
    PolicyAction, PrAction, ProviderAction, RunsAction, SandboxAction,
};
pub(crate) use crate::cli_flags::parse_budget_time;
pub use crate::cli_flags::{FixArgs, RunArgs, RunFlags, TaskArgs};

/// Chamber turns a request into a planned, executed, recorded and committed change.
#[derive(Debug, Parser)]
#[command(name = "chamber", version, about, propagate_version = true)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Print JSON: one envelope, or JSONL events for streaming commands.
    #[arg(long, global = true)]
    pub json: bool,
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
    /// More output (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Provider to use (overrides config).
    #[arg(long, global = true)]
    pub provider: Option<String>,
    /// Model to use (overrides config).
    #[arg(long, global = true)]
    pub model: Option<String>,
    /// Provider base URL (overrides config and OPENAI_BASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Pick the model from the price table: cheap, fast or best (among
    /// providers with an API key in the environment).
    #[arg(long, global = true, value_name = "WHAT", value_parser = ["cheap", "fast", "best"])]
    pub prefer: Option<String>,
}

/// Chamber's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create .chamber/ (config.toml, policy.toml) and keep run data out of git.
    Init,
    /// Ask the model for a plan, save it, and print its id.
    Plan(TaskArgs),
    /// Run the same task on several providers, score each by the tests and
    /// check out the best one's branch.
    Ab {
        /// What you want done, in plain words.
        task: String,
        /// `provider` or `provider:model`, comma-separated (at least two).
        #[arg(long, value_delimiter = ',', required = true)]
        providers: Vec<String>,
        /// How each run is driven: auto, loop or direct.
        #[arg(long, value_parser = ["auto", "loop", "direct"])]
        strategy: Option<String>,
        /// Time limit of one attempt, in seconds.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
    },
    /// Execute a saved plan (after approval).
    Apply {
        /// The plan id (or a unique prefix).
        plan_id: String,
        /// Flags shared with `run`.
        #[command(flatten)]
        run: RunFlags,
    },
    /// Plan, approve, act, commit, summarise.
    Run(RunArgs),
    /// Continue an interrupted or failed run from its last completed step.
    Resume {
        /// The run id (or a unique prefix).
        run_id: String,
        /// Flags shared with `run`.
        #[command(flatten)]
        run: RunFlags,
    },
    /// Provider and model in use, config files in effect, recent runs.
    Status,
    /// Inspect runs.
    Runs {
        /// What to do.
        #[command(subcommand)]
        action: RunsAction,
    },
    /// Put the project back to before a run's last steps (default: the last
    /// step of the most recent run here).
    Undo {
        /// The run (id or unique prefix); default: the most recent run here.
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// How many of the run's last steps to undo.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        steps: u32,
        /// Restore without asking.
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Show what a guarded run staged, and apply it after approval
    /// (two approvers for two-person paths), committing on a branch.
    ApplyGuarded {
        /// The run (id or unique prefix).
        run_id: String,
        /// Approve without asking (not for protected or two-person paths).
        #[arg(short = 'y', long)]
        yes: bool,
        /// Ask on stdin even when it is not a terminal.
        #[arg(long)]
        prompt: bool,
    },
    /// Discard what a guarded run staged.
    Reject {
        /// The run (id or unique prefix).
        run_id: String,
        /// Why, recorded in the run's events.
        #[arg(long)]
        reason: Option<String>,
    },
    /// The patches recorded for every change: list, show, create, apply, roll back.
    Patch {
        /// What to do.
        #[command(subcommand)]
        action: PatchAction,
    },
    /// Print events across runs as they are recorded.
    TailEvents {
        /// Keep waiting for new events.
        #[arg(short, long)]
        follow: bool,
        /// Only this run's events.
        #[arg(long)]
        run: Option<String>,
        /// How many past events to show first.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: u32,
    },
    /// Inspect configuration.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// The built-in local model: list, install, serve, stop, add, remove.
    Model {
        /// What to do.
        #[command(subcommand)]
        action: ModelAction,
    },
    /// Which provider will be used and why; each provider's key, reachability
    /// and models; the local runtime, weights, server, threads, ports.
    Doctor,
    /// Run a command in the sandbox exactly as the agent's shell tool would.
    Sandbox {
        /// What to do.
        #[command(subcommand)]
        action: SandboxAction,
    },
    /// Runs the HTTP API and task queue, with embedded workers.
    Serve(crate::cli_service::ServeArgs),
    /// Runs queued tasks from the shared database.
    Worker(crate::cli_service::WorkerArgs),
    /// API tokens: create, list, revoke.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_service::TokenAction,
    },
    /// Queued tasks: submit, list, show, logs, cancel, approve, reject, retry.
    Task {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_service::TaskAction,
    },
    /// MCP: the servers whose tools runs use (list, add, remove, test), and
    /// `serve`, Chamber's own tools for other agents.
    Mcp {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_mcp::McpAction,
    },
    /// Model providers: list them, or test one with a real tool-call round trip.
    Provider {
        /// What to do.
        #[command(subcommand)]
        action: ProviderAction,
    },
    /// Set or show the run budget (cost, time, tokens) in the config.
    Budget {
        /// What to do.
        #[command(subcommand)]
        action: BudgetAction,
    },
    /// Tokens, cost, calls, errors by class and latency p50/p95, per provider
    /// and per run phase.
    Stats {
        /// Only this run (id or unique prefix).
        #[arg(long)]
        run: Option<String>,
        /// Only calls in this recent window, such as 1h or 7d.
        #[arg(long, value_name = "DURATION", value_parser = parse_budget_time)]
        since: Option<std::time::Duration>,
    },
    /// Build or update the codebase index (.chamber/index/) incrementally:
    /// files, symbols, references and full-text search.
    Index {
        /// Keep the index current as files change, until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// Search the codebase (BM25 over content, paths and symbol names):
    /// ranked files with matching symbols and lines.
    Search {
        /// What to look for (words, identifiers in any case style, paths).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Most files shown.
        #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
    },
    /// A file's definitions, or a name's definitions and references.
    Symbols {
        /// A file path, or a symbol name (`parse`, `Parser::parse`, `Store.get`).
        target: String,
    },
    /// The repo map: the most relevant files with their key symbols'
    /// signatures, ranked by PageRank over the reference graph, within a
    /// token budget.
    Map {
        /// Token budget of the map.
        #[arg(long, value_name = "N", default_value_t = 1024)]
        tokens: usize,
        /// Lean the ranking toward this task's files and identifiers.
        #[arg(long, value_name = "TEXT")]
        task: Option<String>,
    },
    /// Show exactly what a run would send the model as context for TASK,
    /// and why each piece was chosen, with token counts.
    Context {
        /// The task, as you would give it to `chamber run`.
        #[arg(required = true, num_args = 1..)]
        task: Vec<String>,
    },
    /// Gather the code at PATH[:LINE] with its context and ask the model to
    /// explain it (streamed).
    Explain {
        /// A file relative to the project root, optionally with `:LINE`.
        #[arg(value_name = "PATH[:LINE]")]
        target: String,
    },
    /// Benchmarks.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        action: BenchAction,
    },
    /// Detect (or read `[test] command`), run and parse the project's tests:
    /// runner, counts, each failure with file:line, and short hints.
    Test {
        /// Stop the tests after this many seconds.
        #[arg(long, value_name = "SECS", default_value_t = 600)]
        timeout: u64,
        /// Keep watching the project and re-run on every change (failing
        /// tests first) until Ctrl-C; exit 0 when the last run was green.
        #[arg(long)]
        watch: bool,
    },
    /// Commit the staged changes (or a run's, with --run) with a message
    /// given or written by the model from the diff and the run's plan.
    Commit {
        /// The commit message (default: written by the model).
        #[arg(short = 'm', long, value_name = "MSG")]
        message: Option<String>,
        /// Add a Signed-off-by trailer from git's user.name and user.email.
        #[arg(long)]
        signoff: bool,
        /// Commit this run's uncommitted changes on its branch (id or prefix).
        #[arg(long, value_name = "ID")]
        run: Option<String>,
    },
    /// Pull requests on GitHub for runs' branches.
    Pr {
        /// What to do.
        #[command(subcommand)]
        action: PrAction,
    },
    /// The command policy: `policy check "<command>"` shows the decision
    /// and the rule that made it.
    Policy {
        /// What to do.
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Review a change: static checks (size, secrets, protected paths,
    /// debug leftovers, TODOs, missing tests), then model line comments.
    /// Default: the working tree's changes against HEAD.
    Review {
        /// A unified diff file to review instead.
        #[arg(conflicts_with_all = ["run", "staged"])]
        diff: Option<PathBuf>,
        /// Review this run's branch against its base branch (id or prefix).
        #[arg(long, value_name = "ID", conflicts_with = "staged")]
        run: Option<String>,
        /// Review the staged changes.
        #[arg(long)]
        staged: bool,
        /// Static checks only; no model request.
        #[arg(long)]
        no_model: bool,
    },
    /// Run the tests; while they fail, let the model fix them in rounds
    /// (reverting rounds that make things worse) until green, out of
    /// budget, out of rounds, or without progress.
    Fix(FixArgs),
    /// Edit a file, or lines of it (FILE:START-END), as the instruction
    /// says: the change is made in a throwaway copy, shown as a diff, then
    /// applied once approved.
    Edit {
        /// The file, optionally with a line range: src/app.py:10-24.
        target: String,
        /// What to change.
        instruction: String,
        /// How the run behaves (--yes applies without asking).
        #[command(flatten)]
        flags: RunFlags,
    },
    /// AST-level refactors: rename and move (deterministic, every file,
    /// one diff applied all or nothing, then the tests); extract and
    /// inline (by the model, staged as a diff first).
    Refactor {
        /// Which refactor.
        #[command(subcommand)]
        action: crate::cli_refactor::RefactorAction,
    },
    /// Write the docs that are missing: docstrings, JSDoc or doc comments
    /// for the public definitions that lack them (found by the symbol
    /// engine), or a README section; shown as a diff before it is applied.
    Doc {
        /// A file or directory (default: the whole project).
        #[arg(default_value = ".")]
        path: String,
        /// Write a README section for PATH instead.
        #[arg(long)]
        readme: bool,
        /// Show the diff and stop.
        #[arg(long)]
        preview: bool,
        /// How the run behaves (--yes applies without asking).
        #[command(flatten)]
        flags: RunFlags,
    },
    /// The TUI: a conversation that turns into changes (plans approved in
    /// place, runs streamed live), with panels. `chamber` alone in a
    /// terminal opens it too. Inline by default (scrollback kept).
    Ui {
        /// Use the alternate screen instead of rendering inline.
        #[arg(long)]
        fullscreen: bool,
        /// Drive a running `chamber serve` at this URL instead of running
        /// here (requests become tasks; approvals go through its API).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// The server's API token.
        #[arg(long, env = "CHAMBER_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// How the runs behave.
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Multi-agent recipes: roles and a workflow run as a sequence of runs
    /// on one branch.
    Agent {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_recipe::AgentAction,
    },
    /// A line-mode conversation: each message becomes a run, a follow-up
    /// continues its branch; slash commands (/plan /undo /diff /test
    /// /model /cost /exit). Works through a pipe, approvals included.
    Chat {
        /// How the runs behave.
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Task recipes: templates with typed parameters, fixed steps that run
    /// by rule, and success checks.
    Recipe {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_recipe::RecipeAction,
    },
    /// Local-only usage telemetry (off by default): on, off, show, clear.
    Telemetry {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_telemetry::TelemetryAction,
    },
    /// Database migrations made with the project's migration tool.
    Migrate {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_scaffold::MigrateAction,
    },
    /// Code from an OpenAPI spec: `api scaffold SPEC`.
    Api {
        /// What to do.
        #[command(subcommand)]
        action: crate::cli_scaffold::ApiAction,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or
    /// PowerShell, generated from this binary's own arguments.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (`chamber man | man -l -`), or with `--out DIR`
    /// write one page per command there (chamber.1, chamber-run.1, …).
    Man {
        /// Write every page into this directory instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write the protocol JSON Schemas to a directory.
    #[command(hide = true)]
    Schemas {
        /// Output directory.
        #[arg(default_value = "docs/schemas")]
        out: PathBuf,
    },
}
