//! `chamber edit FILE[:START-END] "instruction"`: the model edits the
//! block in a throwaway copy (a guarded one-step run), the diff is shown,
//! then applied to the project once approved (`--yes`, or the prompt).

use chamber_runtime::Setup;
use chamber_runtime::edit_request;

use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Runs the edit and applies its diff once approved.
pub async fn edit(
    setup: &Setup,
    target: &str,
    instruction: &str,
    flags: &RunFlags,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    if instruction.trim().is_empty() {
        return Err(CliError::new(
            "bad_instruction",
            "say what to change: chamber edit FILE[:START-END] \"instruction\"",
            None,
            status::USAGE,
        ));
    }
    let target = edit_request::target(&setup.root, target)?;
    let (prompt, plan) = edit_request::edit_plan(&setup.root, &target, instruction);
    super::staged::run_staged(setup, prompt, plan, flags, false, out).await
}
