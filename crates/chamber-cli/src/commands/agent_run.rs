//! `chamber agent run recipe.yml`: a multi-agent recipe's stages, each a
//! run by its role on the branch the first one started, then the checks.

use chamber_runtime::recipes::{self, team};
use chamber_runtime::{Act, Setup};
use serde_json::json;

use crate::cli_recipe::AgentRunArgs;
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Runs the workflow; stops at the first stage that does not complete.
pub async fn agent_run(
    setup: &Setup,
    args: AgentRunArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        CliError::new(
            "not_found",
            format!("cannot read {}: {e}", args.file.display()),
            None,
            status::NOT_FOUND,
        )
    })?;
    let team = team::parse_team(&args.file.display().to_string(), &text)?;
    let params = super::recipe::parse_params(&args.params)?;
    let book = recipes::load_book(&setup.root, &setup.dirs.user_config, setup.project_trusted)?;
    let team::ReadyTeam { stages, checks } = team::prepare_team(
        &book,
        &team,
        &params,
        &setup.root,
        &setup.loaded.config.test,
    )?;
    let mut branch: Option<String> = None;
    let mut done = Vec::new();
    for (i, stage) in stages.into_iter().enumerate() {
        let mut staged = setup.clone();
        if let Some(model) = &stage.model {
            staged.loaded.config.provider.model = model.clone();
        }
        out.line(format!(
            "\n{}",
            Output::styled(
                style::HEAD,
                format!(
                    "── stage {} · {} ({}) ──",
                    i + 1,
                    stage.role,
                    staged.loaded.config.provider.model
                )
            )
        ));
        let act = match (stage.plan, branch.clone()) {
            (Some(plan), branch) => Act::Preset {
                prompt: stage.prompt,
                plan: Box::new(plan),
                plan_only: false,
                branch,
            },
            (None, Some(branch)) => Act::OnBranch {
                prompt: stage.prompt,
                branch,
            },
            (None, None) => Act::New {
                prompt: stage.prompt,
                plan_only: false,
                dry_run: false,
            },
        };
        let mut engine = staged.engine(&crate::setup::notice_for(out)).await?;
        let (payload, code) = super::run::act(&mut engine, act, &args.flags, out).await?;
        done.push(
            json!({"role": stage.role, "run_id": payload["run_id"], "status": payload["status"]}),
        );
        if code != status::OK {
            return Ok((json!({"stages": done}), code));
        }
        if branch.is_none() {
            branch = payload["branch"].as_str().map(String::from);
        }
    }
    let timeout = std::time::Duration::from_secs(setup.loaded.config.test.timeout_secs.max(1));
    let results = recipes::run_checks(&setup.root, &checks, timeout).await;
    let code = if super::recipe::print_checks(&results, out) {
        status::OK
    } else {
        status::TESTS_FAILED
    };
    Ok((
        json!({"stages": done, "branch": branch, "checks": results}),
        code,
    ))
}
