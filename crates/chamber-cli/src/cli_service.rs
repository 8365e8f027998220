//! The service commands' arguments: `serve`, `worker`, `token` and `task`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `chamber serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default `[server] listen`, 127.0.0.1:7777;
    /// port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Tasks may name repositories under this directory (repeatable;
    /// default `[server] repo_roots`, else the current directory).
    #[arg(long = "repo-root", value_name = "DIR")]
    pub repo_roots: Vec<PathBuf>,
    /// Workers inside the server (default `[server] workers`, 2).
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
    /// Serve without bearer tokens (only on a loopback address).
    #[arg(long)]
    pub no_auth: bool,
    /// The database: `postgres://USER:PASSWORD@HOST:PORT/DB` to share one
    /// across machines (default: SQLite in the data dir).
    #[arg(long, env = "CHAMBER_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// `chamber worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Tasks run at once.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub concurrency: u32,
    /// Queues to take tasks from, comma-separated (default `[server] queues`).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub queues: Vec<String>,
    /// The database: `postgres://USER:PASSWORD@HOST:PORT/DB` to share one
    /// across machines (default: SQLite in the data dir).
    #[arg(long, env = "CHAMBER_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// `chamber token …`.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Creates a token and prints it once (only its hash is stored).
    Create {
        /// A name to tell it by.
        #[arg(long)]
        name: String,
        /// read, write, approve or admin (each includes the ones before).
        #[arg(long, default_value = "write", value_parser = ["read", "write", "approve", "admin"])]
        scope: String,
    },
    /// Lists tokens (never their secrets).
    List,
    /// Revokes a token by id or name.
    Revoke {
        /// Id or name.
        token: String,
    },
}

impl TokenAction {
    /// The command's name as printed in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            TokenAction::Create { .. } => "token create",
            TokenAction::List => "token list",
            TokenAction::Revoke { .. } => "token revoke",
        }
    }
}

/// Where `chamber task` sends its requests.
#[derive(Debug, Args, Clone, Default)]
pub struct RemoteArgs {
    /// A Chamber server's URL; without it the local queue is used directly.
    #[arg(long, env = "CHAMBER_SERVER_URL", value_name = "URL")]
    pub server: Option<String>,
    /// Its bearer token.
    #[arg(
        long,
        env = "CHAMBER_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// `chamber task …`.
#[derive(Debug, Subcommand)]
pub enum TaskAction {
    /// Queues a task.
    Submit {
        /// What to do.
        #[arg(required = true, num_args = 1..)]
        prompt: Vec<String>,
        /// The repository (default: the current project), or a git URL
        /// under `[server] allowed_remotes`, which the worker clones.
        #[arg(long, value_name = "DIR|URL")]
        repo: Option<PathBuf>,
        /// Start the task's branch from this branch, tag or commit
        /// (default: the repository's HEAD).
        #[arg(long, value_name = "REF")]
        base_branch: Option<String>,
        /// low, normal, high, urgent or a number.
        #[arg(long, default_value = "normal")]
        priority: String,
        /// Named queue.
        #[arg(long, default_value = "default")]
        queue: String,
        /// Labels (repeatable).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// Approve the plan and every action the policy allows.
        #[arg(short = 'y', long)]
        yes: bool,
        /// Approval mode: read-only, ask, auto-edit or full-auto.
        #[arg(long)]
        mode: Option<String>,
        /// The tests must pass at the end.
        #[arg(long)]
        verify: bool,
        /// Stop once models cost this many USD.
        #[arg(long, value_name = "USD")]
        budget_cost: Option<f64>,
        /// Makes the submission idempotent.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
        /// Server to send it to.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Lists tasks, newest first.
    List {
        /// Only this state.
        #[arg(long)]
        state: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Shows one task.
    Show {
        /// Task id (or a unique prefix).
        id: String,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Prints a task's events; --follow waits for new ones until it ends.
    Logs {
        /// Task id (or a unique prefix).
        id: String,
        /// Keep printing until the task ends.
        #[arg(short, long)]
        follow: bool,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Cancels a task (a running one stops at its next safe point).
    Cancel {
        /// Task id (or a unique prefix).
        id: String,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Approves what the task waits for.
    Approve {
        /// Task id (or a unique prefix).
        id: String,
        /// Your name, as the approver (default: $USER).
        #[arg(long = "as", value_name = "NAME")]
        approver: Option<String>,
        /// Remember the answer for the rest of the run.
        #[arg(long)]
        for_session: bool,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Rejects what the task waits for.
    Reject {
        /// Task id (or a unique prefix).
        id: String,
        /// Your name, as the approver (default: $USER).
        #[arg(long = "as", value_name = "NAME")]
        approver: Option<String>,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Puts a failed, dead-lettered or cancelled task back in the queue.
    Retry {
        /// Task id (or a unique prefix).
        id: String,
        /// Server to ask.
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

impl TaskAction {
    /// The command's name as printed in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            TaskAction::Submit { .. } => "task submit",
            TaskAction::List { .. } => "task list",
            TaskAction::Show { .. } => "task show",
            TaskAction::Logs { .. } => "task logs",
            TaskAction::Cancel { .. } => "task cancel",
            TaskAction::Approve { .. } => "task approve",
            TaskAction::Reject { .. } => "task reject",
            TaskAction::Retry { .. } => "task retry",
        }
    }
}
