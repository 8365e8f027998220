//! Which `chamber bench …` subcommand runs, with its flags turned into
//! the library's options.

use crate::cli::{BenchAction, GlobalArgs};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Runs one `chamber bench` subcommand.
pub async fn bench(
    setup: &Setup,
    global: &GlobalArgs,
    action: BenchAction,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    Ok(match action {
        BenchAction::Tasks {
            dir,
            only,
            timeout,
            max_turns,
            json_out,
            attempts,
        } => {
            let flags = super::model_flags(global);
            let options = chamber_bench::tasks::TaskOptions {
                dir,
                only,
                timeout: std::time::Duration::from_secs(timeout),
                max_turns,
                attempts,
            };
            (
                super::tasks(options, flags, json_out, out).await?,
                status::OK,
            )
        }
        BenchAction::Edits {
            files,
            seed,
            json_out,
        } => {
            let options = chamber_bench::edits::EditsOptions {
                files,
                seed,
                repo: setup.root.clone(),
            };
            (
                super::edits::edits(options, json_out, out).await?,
                status::OK,
            )
        }
        BenchAction::Retrieval {
            file,
            repos,
            limit,
            llm,
            json_out,
            features_out,
        } => {
            let args = super::retrieval::RetrievalArgs {
                file,
                repos,
                limit,
                llm,
                json_out,
                features_out,
            };
            (
                super::retrieval::retrieval(setup, args, out).await?,
                status::OK,
            )
        }
        BenchAction::Exercism(args) => (
            super::exercism::exercism(args, global, out).await?,
            status::OK,
        ),
    })
}
