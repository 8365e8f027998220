//! The subcommands of command families (`runs`, `patch`, `model`,
//! `provider`, `bench`, `pr`, `config`), kept apart from the top-level
//! command list in `cli.rs`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// `chamber runs …`
#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Recent runs of this project, newest first.
    List {
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: u32,
        /// Runs of every project, with a project column.
        #[arg(long)]
        all: bool,
    },
    /// A run's full trace: plan, tool calls with arguments, results, durations, tokens.
    Show {
        /// The run id (or a unique prefix).
        run_id: String,
    },
}

/// `chamber policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// The decision a run's gate makes on a command line (command policy,
    /// `.env` path rules, approval mode, `--yes`, sandbox), the rule behind
    /// it, and each simple command's verdict. Exit status 0 allow, 3 ask,
    /// 15 deny.
    Check {
        /// The command line, quoted as one argument.
        command: String,
        /// The run's branch, for `git reset --hard` / `git clean` (default:
        /// unknown, so they ask).
        #[arg(long, value_name = "BRANCH")]
        run_branch: Option<String>,
        /// The branch checked out (default: read from `.git/HEAD`).
        #[arg(long, value_name = "BRANCH")]
        branch: Option<String>,
        /// Judge in this approval mode: read-only, ask, auto-edit or
        /// full-auto (default: `[approval] mode`).
        #[arg(long, value_name = "MODE")]
        mode: Option<String>,
        /// Judge as a run with `--yes` would.
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// The protected, two-person, read-denied and guarded paths and the
    /// tracked files each covers. `--check` exits 15 when the staged change
    /// touches a protected, two-person or guarded path (a pre-commit hook;
    /// `CHAMBER_GUARD_APPROVED=1` approves one commit).
    Guard {
        /// Check the staged change instead of listing.
        #[arg(long)]
        check: bool,
        /// Install `chamber policy guard --check` as the repository's
        /// pre-commit hook.
        #[arg(long, conflicts_with = "check")]
        install_hook: bool,
        /// Replace a pre-commit hook that Chamber did not write.
        #[arg(long, requires = "install_hook")]
        force: bool,
    },
}

/// `chamber patch …`
#[derive(Debug, Subcommand)]
pub enum PatchAction {
    /// Recorded patches, newest first: id, run, step, tool, files, time.
    List,
    /// A patch's metadata and diff (changed words highlighted in a terminal).
    Show {
        /// Patch id (or a unique prefix).
        id: String,
    },
    /// Save a new patch: a run's patches combined, or the uncommitted
    /// changes against HEAD (git). Prints the diff file's path.
    Create {
        /// Combine the patches of this run (id or prefix).
        #[arg(long, value_name = "ID")]
        from_run: Option<String>,
    },
    /// Apply a diff file or a recorded patch, all or nothing.
    Apply {
        /// A diff file, or a patch id.
        target: String,
    },
    /// Undo a recorded patch; files changed since are 3-way merged.
    Rollback {
        /// Patch id (or a unique prefix).
        id: String,
    },
}

/// `chamber model …`
#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// The catalogue and registered files: size, RAM, speed, installed, verified.
    List,
    /// Build the runtime (once) and fetch, join and verify a model's weights.
    Install {
        /// Model name (default: local.model).
        name: Option<String>,
    },
    /// Serve a model in the foreground (OpenAI-compatible, loopback only).
    Serve {
        /// Model name (default: local.model).
        name: Option<String>,
        /// Port (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// Stop after this many idle seconds.
        #[arg(long, value_name = "SECS")]
        idle_stop: Option<u64>,
        /// Generation threads (default: local.threads or automatic).
        #[arg(long)]
        threads: Option<u32>,
        /// Started on demand by another chamber process.
        #[arg(long, hide = true)]
        background: bool,
    },
    /// One streamed answer from the local model, with first-token time and tokens/s.
    Chat {
        /// The message.
        message: String,
        /// Cap on generated tokens.
        #[arg(long)]
        max_tokens: Option<u32>,
    },
    /// Stop a running server (all of them without a name).
    Stop {
        /// Model name.
        name: Option<String>,
    },
    /// Register your own GGUF file under a name.
    Add {
        /// Name to use with --model and local.model.
        name: String,
        /// The GGUF file.
        #[arg(long, value_name = "PATH")]
        gguf: PathBuf,
    },
    /// Delete an installed model (or forget a registered file).
    Rm {
        /// Model name.
        name: String,
    },
}

/// `chamber provider …`
#[derive(Debug, Subcommand)]
pub enum ProviderAction {
    /// Built-in and configured providers: wire, URL, key variable, default model.
    List,
    /// A real round trip: the model must call a tool, then answer after its
    /// result. Use --model to test another model than the provider's default.
    Test {
        /// Provider name (see `chamber provider list`).
        name: String,
    },
    /// Make NAME the provider (and the global --model, when given, the
    /// model) in the project's `.chamber/config.toml`, or with --user in
    /// the user config.
    Set {
        /// Provider name (see `chamber provider list`), or `auto`.
        name: String,
        /// Write the user config instead of the project's.
        #[arg(long)]
        user: bool,
    },
}

/// `chamber budget …`
#[derive(Debug, Subcommand)]
pub enum BudgetAction {
    /// Set the run budget in the project's `.chamber/config.toml` (or with
    /// --user the user config): `[budget]` cost, time and tokens; 0 lifts
    /// a limit.
    #[command(group(clap::ArgGroup::new("limits").required(true).multiple(true)))]
    Set {
        /// Most USD a run may spend on models.
        #[arg(long, value_name = "USD", group = "limits")]
        cost: Option<f64>,
        /// Longest a run may take (`90`, `30s`, `5m`, `1h30m`).
        #[arg(long, value_name = "DURATION", group = "limits", value_parser = crate::cli::parse_budget_time)]
        latency: Option<std::time::Duration>,
        /// Most prompt + completion tokens a run may use.
        #[arg(long, value_name = "N", group = "limits")]
        tokens: Option<u64>,
        /// Write the user config instead of the project's.
        #[arg(long)]
        user: bool,
    },
    /// The budget in effect and where each limit comes from.
    Show,
}

/// `chamber bench …`
#[derive(Debug, Subcommand)]
pub enum BenchAction {
    /// Run a folder of tasks (starting tree, instruction, test command) and
    /// report solved/failed, tokens, time and tool-call validity.
    Tasks {
        /// The folder of task folders (see bench/tasks/README.md).
        dir: PathBuf,
        /// Only these tasks (folder names; repeatable).
        #[arg(long)]
        only: Vec<String>,
        /// Time limit of one run, in seconds.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// Model turns allowed per plan step.
        #[arg(long, value_name = "N")]
        max_turns: Option<u32>,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        json_out: Option<PathBuf>,
        /// Run each task as `chamber fix --max-rounds N` (1 or 2; the second
        /// round gets the test feedback) and report the solve rate per attempt.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=2))]
        attempts: Option<u32>,
    },
    /// File retrieval from issue text (JSONL with instance_id, repo,
    /// base_commit, problem_statement, gold_files): Acc@1/3/5/10 and
    /// recall@k of Chamber's ranking beside plain BM25.
    Retrieval {
        /// The JSONL file of instances.
        file: PathBuf,
        /// Folder holding the repositories (`<owner>+<name>/repo`,
        /// `<owner>+<name>`, `<owner>__<name>` or `<name>`).
        #[arg(long, value_name = "DIR")]
        repos: PathBuf,
        /// Only the first N instances.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Also let the configured model re-rank the top candidates.
        #[arg(long)]
        llm: bool,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        json_out: Option<PathBuf>,
        /// Write each instance's per-file signal ranks to this file
        /// (JSONL), for tuning the fusion.
        #[arg(long, value_name = "FILE")]
        features_out: Option<PathBuf>,
    },
    /// Exercism practice exercises (stub, tests, instructions) solved by
    /// `chamber run --yes` and by the model alone with the ideal prompt,
    /// with a retry told the test failures; the ratio is the harness's
    /// efficiency.
    Exercism(ExercismArgs),
    /// Apply real edits of real code (Rust crates, the Python standard
    /// library, this repository's history) in every patch format, clean and
    /// perturbed the way models get them wrong, with Chamber, `git apply`
    /// and `patch`; report correct / wrong place / rejected and timings.
    Edits {
        /// Files (or history hunks) taken from each source.
        #[arg(long, value_name = "N", default_value_t = 40)]
        files: usize,
        /// Seed of every random choice (same seed, same corpus).
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        json_out: Option<PathBuf>,
    },
}

/// `chamber bench exercism` options.
#[derive(Debug, Args)]
pub struct ExercismArgs {
    /// The exercism/python checkout (exercises under `exercises/practice/<slug>`).
    #[arg(long, value_name = "DIR")]
    pub repo: PathBuf,
    /// The exercises: one slug per line, `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub set: PathBuf,
    /// Who solves: `chamber run`, the model alone, or both.
    #[arg(long, value_enum, default_value_t = ExercismMode::Both)]
    pub mode: ExercismMode,
    /// Tries per exercise; each retry is told the previous test failures.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub tries: u32,
    /// Time limit of one try (a run or a model answer) and of judging it, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    pub timeout: u64,
    /// Only these exercises of the set (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// An extra argument for every `chamber run` (repeatable), such as
    /// `--run-arg=--max-turns --run-arg=8`.
    #[arg(long = "run-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub run_args: Vec<String>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
}

/// Who solves the exercises in `chamber bench exercism`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExercismMode {
    /// `chamber run --yes` in a repo holding the exercise.
    Chamber,
    /// One chat request with instructions, stub and tests; the whole file back.
    Alone,
    /// Both, on the same exercises.
    Both,
}

/// `chamber pr …`
#[derive(Debug, Subcommand)]
pub enum PrAction {
    /// Push the run's branch and open a pull request whose body has the
    /// plan, summary, commands and tests run, files changed and cost.
    Open {
        /// The run (id or prefix); default: the most recent run with a branch.
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// Title (default: the plan's title).
        #[arg(long)]
        title: Option<String>,
        /// Open it as a draft.
        #[arg(long)]
        draft: bool,
        /// Branch to merge into (default: the branch the run started from).
        #[arg(long, value_name = "BRANCH")]
        base: Option<String>,
        /// Remote to push to.
        #[arg(long, default_value = "origin")]
        remote: String,
    },
    /// Address the new review and issue comments on the run branch's pull
    /// request: a run on that same branch, a push, and a summary comment.
    Update {
        /// The run (id or prefix); default: the most recent run with a branch.
        #[arg(long, value_name = "ID")]
        run: Option<String>,
        /// Remote to push to.
        #[arg(long, default_value = "origin")]
        remote: String,
        /// How the run behaves.
        #[command(flatten)]
        flags: crate::cli::RunFlags,
    },
}

/// `chamber config …`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// The merged configuration, each value with the layer it came from.
    Show,
}

/// `chamber sandbox …`
#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Run a command exactly as the agent's shell tool would: same sandbox
    /// profile from config, workspace = project root, scrubbed environment.
    /// Exits with the command's status.
    Run {
        /// Allow network access for this command.
        #[arg(long)]
        network: bool,
        /// Directory to run in, relative to the project root.
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// Time limit in seconds (default: agent.shell_timeout_secs).
        #[arg(long, value_name = "SECS")]
        timeout: Option<u64>,
        /// The command; its words are joined into one `bash -c` line.
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
}
