//! Which `chamber model …` subcommand runs.

use crate::cli::ModelAction;
use crate::exit::CliError;
use crate::output::Output;
use crate::setup::Setup;

/// Runs one `chamber model` subcommand.
pub async fn model(
    setup: &Setup,
    action: ModelAction,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    match action {
        ModelAction::List => super::model::list(setup, out),
        ModelAction::Install { name } => super::model::install(setup, name, out).await,
        ModelAction::Serve {
            name,
            port,
            idle_stop,
            threads,
            background,
        } => {
            let args = super::serve::ServeArgs {
                model: name,
                port,
                idle_stop,
                threads,
                background,
            };
            super::serve::serve(setup, args, out).await
        }
        ModelAction::Stop { name } => super::model::stop(setup, name, out).await,
        ModelAction::Chat {
            message,
            max_tokens,
        } => super::model_chat::chat(setup, &message, max_tokens, out).await,
        ModelAction::Add { name, gguf } => super::model::add(setup, &name, &gguf, out),
        ModelAction::Rm { name } => super::model::rm(setup, &name, out).await,
    }
}
