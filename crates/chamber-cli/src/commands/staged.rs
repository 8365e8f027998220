//! A preset plan run as a guarded run: the model works in a throwaway
//! copy, the diff is staged and shown, then applied to the project once
//! approved (`--yes`, or the prompt). `edit`, `doc` and the model-backed
//! refactors use it.

use chamber_protocol::Plan;
use chamber_runtime::{Act, Setup};

use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Runs `plan` staged, shows its diff, and applies it once approved;
/// `preview` stops after showing it.
pub async fn run_staged(
    setup: &Setup,
    prompt: String,
    plan: Plan,
    flags: &RunFlags,
    preview: bool,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    // The one question that matters is whether to apply the diff.
    let mut staged = flags.clone();
    staged.guarded = true;
    staged.yes = true;
    let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
    let act = Act::Preset {
        prompt,
        plan: Box::new(plan),
        plan_only: false,
        branch: None,
    };
    let (mut payload, code) = super::run::act(&mut engine, act, &staged, out).await?;
    if code != status::OK {
        return Ok((payload, code));
    }
    let changed = payload["diff"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty());
    if !changed {
        out.line("the model changed nothing; nothing to apply");
        return Ok((payload, status::OK));
    }
    if preview {
        return Ok((payload, status::OK));
    }
    let run_id = payload["run_id"].as_str().unwrap_or_default().to_string();
    let store = setup.store().await?;
    let (applied, code) =
        super::guarded::apply_guarded(setup, &store, &run_id, flags.yes, flags.prompt, out).await?;
    payload["applied"] = applied;
    Ok((payload, code))
}
