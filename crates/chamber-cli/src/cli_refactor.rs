//! The `chamber refactor …` subcommands.

use clap::{Args, Subcommand};

/// `chamber refactor …`
#[derive(Debug, Subcommand)]
pub enum RefactorAction {
    /// Rename an identifier in every source file (the symbol engine:
    /// definitions and uses, never strings or comments).
    Rename {
        /// The current name.
        old: String,
        /// The new name.
        new: String,
        /// Shared flags.
        #[command(flatten)]
        opts: RefactorOpts,
    },
    /// Move a top-level Python definition to another module, with the
    /// imports it needs, and repoint every import of it.
    Move {
        /// The function or class.
        symbol: String,
        /// The module it is in (a .py file).
        #[arg(long)]
        from: String,
        /// The module it goes to (created when missing).
        #[arg(long)]
        to: String,
        /// Shared flags.
        #[command(flatten)]
        opts: RefactorOpts,
    },
    /// Extract lines into a new function (by the model, staged and shown
    /// as a diff before it is applied).
    Extract {
        /// FILE:START-END.
        target: String,
        /// The new function's name.
        name: String,
        /// Shared flags.
        #[command(flatten)]
        opts: RefactorOpts,
    },
    /// Inline a function into its callers and remove it (by the model,
    /// staged and shown as a diff before it is applied).
    Inline {
        /// The function.
        symbol: String,
        /// The file that defines it.
        #[arg(long)]
        file: String,
        /// Shared flags.
        #[command(flatten)]
        opts: RefactorOpts,
    },
}

impl RefactorAction {
    /// The command's name in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            RefactorAction::Rename { .. } => "refactor rename",
            RefactorAction::Move { .. } => "refactor move",
            RefactorAction::Extract { .. } => "refactor extract",
            RefactorAction::Inline { .. } => "refactor inline",
        }
    }
}

/// Flags every refactor takes.
#[derive(Debug, Args, Clone, Default)]
pub struct RefactorOpts {
    /// Do not run the tests after applying.
    #[arg(long)]
    pub no_test: bool,
    /// Show the diff and stop.
    #[arg(long)]
    pub preview: bool,
    /// How a model-backed refactor runs (--yes applies without asking).
    #[command(flatten)]
    pub flags: crate::cli::RunFlags,
}
