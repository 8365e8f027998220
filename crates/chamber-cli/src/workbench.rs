//! Dispatch of the workbench commands: the TUI and `chat`, recipes and
//! multi-agent recipes, `edit`, `refactor`, `doc`, `migrate` and `api`.
//! Each arm only calls its command module; `main.rs` handles the rest.

use crate::cli::{Command, GlobalArgs};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;
use crate::{commands, tui};

/// Whether the command was one of these.
pub enum Routed {
    /// It ran: its payload and exit status.
    Done((serde_json::Value, i32)),
    /// Not a workbench command: for `main.rs`'s dispatch.
    Other(Box<Command>),
}

/// Runs `command` when it is a workbench command.
pub async fn dispatch(
    setup: &Setup,
    global: &GlobalArgs,
    command: Command,
    out: &Output,
) -> Result<Routed, CliError> {
    Ok(Routed::Done(match command {
        Command::Migrate { action } => (
            commands::migrate::migrate(setup.root.clone(), action, out).await?,
            status::OK,
        ),
        Command::Api { action } => {
            let start = std::env::current_dir()
                .map(|cwd| global.dir.as_ref().map_or(cwd.clone(), |d| cwd.join(d)))
                .unwrap_or_else(|_| setup.root.clone());
            (
                commands::api_scaffold::api(&setup.root, &start, action, out)?,
                status::OK,
            )
        }
        Command::Recipe { action } => commands::recipe::recipe(setup, action, out).await?,
        Command::Agent {
            action: crate::cli_recipe::AgentAction::Run(args),
        } => commands::agent_run::agent_run(setup, args, out).await?,
        Command::Chat { flags } => commands::chat::chat(setup, flags, out).await?,
        Command::Ui {
            fullscreen,
            server,
            token,
            flags,
        } => tui::ui(setup, fullscreen, server.map(|s| (s, token)), flags, out).await?,
        Command::Doc {
            path,
            readme,
            preview,
            flags,
        } => commands::doc::doc(setup, &path, readme, preview, &flags, out).await?,
        Command::Refactor { action } => commands::refactor::refactor(setup, action, out).await?,
        Command::Edit {
            target,
            instruction,
            flags,
        } => commands::edit::edit(setup, &target, &instruction, &flags, out).await?,
        other => return Ok(Routed::Other(Box::new(other))),
    }))
}
