use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

/// Chamber's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create .chamber/ (config.toml, policy.toml) and keep run data out of git.
    Init,
    /// Ask the model for a plan, save it, and print its id.
    Plan(TaskArgs),
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
    /// Write the protocol JSON Schemas to a directory.
    #[command(hide = true)]
    Schemas {
        /// Output directory.
        #[arg(default_value = "docs/schemas")]
        out: PathBuf,
    },
}

/// The task text.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// What you want done, in plain words.
    #[arg(required = true, num_args = 1..)]
    pub task: Vec<String>,
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
    #[arg(long)]
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
}

/// `chamber runs …`
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Recent runs, newest first.
    List {
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: u32,
    },
    /// A run's full trace: plan, tool calls with arguments, results, durations, tokens.
    Show {
        /// The run id (or a unique prefix).
        run_id: String,
    },
}

/// `chamber config …`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// The merged configuration, each value with the layer it came from.
    Show,
}

impl Command {
    /// The command's name as printed in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Init => "init",
            Command::Plan(_) => "plan",
            Command::Apply { .. } => "apply",
            Command::Run(_) => "run",
            Command::Resume { .. } => "resume",
            Command::Status => "status",
            Command::Runs {
                action: RunsAction::List { .. },
            } => "runs list",
            Command::Runs {
                action: RunsAction::Show { .. },
            } => "runs show",
            Command::TailEvents { .. } => "tail-events",
            Command::Config { .. } => "config show",
            Command::Schemas { .. } => "schemas",
        }
    }
}
