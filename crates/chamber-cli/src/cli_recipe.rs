//! The `chamber recipe …` subcommands.

use clap::{Args, Subcommand};

/// `chamber recipe …`
#[derive(Debug, Subcommand)]
pub enum RecipeAction {
    /// The recipes this project can run: built-in, plugin, user and
    /// project ones (a project recipe hides one of the same name).
    List,
    /// A recipe's parameters, steps (fixed actions marked), checks and
    /// answer schema.
    Show {
        /// The recipe's name.
        name: String,
    },
    /// Run a recipe: its steps become the plan (fixed actions run by rule,
    /// with no model turn), then its success checks run.
    Run(RecipeRunArgs),
}

impl RecipeAction {
    /// The command's name in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            RecipeAction::List => "recipe list",
            RecipeAction::Show { .. } => "recipe show",
            RecipeAction::Run(_) => "recipe run",
        }
    }
}

/// `chamber recipe run NAME --param k=v …`
#[derive(Debug, Args)]
pub struct RecipeRunArgs {
    /// The recipe's name.
    pub name: String,
    /// A parameter, as name=value (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Show the plan (fixed actions marked) and stop.
    #[arg(long)]
    pub plan_only: bool,
    /// How the run behaves.
    #[command(flatten)]
    pub flags: crate::cli::RunFlags,
}

/// `chamber agent …`
#[derive(Debug, Subcommand)]
pub enum AgentAction {
    /// Run a multi-agent recipe: its roles and workflow, as a sequence of
    /// runs on one branch, then its checks.
    Run(AgentRunArgs),
}

impl AgentAction {
    /// The command's name in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            AgentAction::Run(_) => "agent run",
        }
    }
}

/// `chamber agent run FILE --param k=v …`
#[derive(Debug, Args)]
pub struct AgentRunArgs {
    /// The multi-agent recipe (YAML or TOML).
    pub file: std::path::PathBuf,
    /// A parameter, as name=value (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// How the runs behave.
    #[command(flatten)]
    pub flags: crate::cli::RunFlags,
}
