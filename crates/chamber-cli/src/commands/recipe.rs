//! `chamber recipe list | show | run`: the front end of the runtime's
//! recipes. Loading, parameters, rendering and checks live in
//! `chamber_runtime::recipes`; this parses, prints and chains the run.

use std::time::Duration;

use chamber_runtime::recipes::{self, Finish, Recipe, RecipeBook};
use chamber_runtime::{Act, Setup};
use serde_json::json;

use crate::cli_recipe::{RecipeAction, RecipeRunArgs};
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Runs one `chamber recipe` subcommand.
pub async fn recipe(
    setup: &Setup,
    action: RecipeAction,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let book = recipes::load_book(&setup.root, &setup.dirs.user_config, setup.project_trusted)?;
    match action {
        RecipeAction::List => Ok((list(&book, out), status::OK)),
        RecipeAction::Show { name } => Ok((show(book.find(&name)?, out), status::OK)),
        RecipeAction::Run(args) => run(setup, &book, args, out).await,
    }
}

fn list(book: &RecipeBook, out: &Output) -> serde_json::Value {
    let width = book.recipes.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in &book.recipes {
        out.line(format!(
            "{}  {}  {}",
            Output::styled(style::HEAD, format!("{:width$}", r.name)),
            r.description,
            Output::styled(style::DIM, format!("({})", r.source.label())),
        ));
    }
    json!({
        "recipes": book.recipes.iter().map(|r| json!({
            "name": r.name,
            "description": r.description,
            "source": r.source,
            "params": r.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "plugins": book.plugins.iter().map(|p| json!({
            "name": p.name,
            "description": p.description,
            "dir": p.dir,
        })).collect::<Vec<_>>(),
    })
}

fn show(recipe: &Recipe, out: &Output) -> serde_json::Value {
    out.line(format!(
        "{}  {}",
        Output::styled(style::HEAD, &recipe.name),
        Output::styled(style::DIM, format!("({})", recipe.source.label()))
    ));
    out.line(recipe.description.clone());
    if !recipe.params.is_empty() {
        out.line(format!("\n{}", Output::styled(style::HEAD, "Parameters:")));
        for p in &recipe.params {
            let mut line = format!("  {} ({:?})", p.name, p.kind).to_lowercase();
            if p.required && p.default.is_none() {
                line.push_str(" required");
            }
            if let Some(d) = &p.default {
                line.push_str(&format!(" default {d:?}"));
            }
            if !p.choices.is_empty() {
                line.push_str(&format!(" one of {}", p.choices.join("|")));
            }
            out.line(format!("{line}  {}", p.description));
        }
    }
    if !recipe.steps.is_empty() {
        out.line(format!("\n{}", Output::styled(style::HEAD, "Steps:")));
        for (i, s) in recipe.steps.iter().enumerate() {
            let fixed = match (&s.run, &s.action, &s.template) {
                (Some(run), _, _) => format!("  [runs: {run}]"),
                (_, Some(call), _) => format!("  [calls: {}]", call.tool),
                (_, _, Some(t)) => format!("  [writes {} from a template]", t.path),
                _ => String::new(),
            };
            out.line(format!(
                "  {}. {}{}",
                i + 1,
                s.title,
                Output::styled(style::OK, fixed)
            ));
        }
    }
    if !recipe.checks.is_empty() {
        out.line(format!("\n{}", Output::styled(style::HEAD, "Checks:")));
        for c in &recipe.checks {
            out.line(format!("  $ {}", c.run));
        }
    }
    if !recipe.tools.is_empty() || !recipe.lanes.is_empty() {
        out.line(format!(
            "\nneeds tools: {}; writes: {}",
            recipe.tools.join(", "),
            recipe.lanes.join(", ")
        ));
    }
    serde_json::to_value(recipe).unwrap_or(json!(null))
}

/// Splits `name=value` parameters.
pub(crate) fn parse_params(raw: &[String]) -> Result<Vec<(String, String)>, CliError> {
    raw.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| {
                    CliError::new(
                        "bad_param",
                        format!("--param {p:?}: expected NAME=VALUE"),
                        Some("for example --param path=src/app.py"),
                        status::USAGE,
                    )
                })
        })
        .collect()
}

async fn run(
    setup: &Setup,
    book: &RecipeBook,
    args: RecipeRunArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let params = parse_params(&args.params)?;
    let (recipe, ready) = recipes::prepare(
        book,
        &args.name,
        &params,
        &setup.root,
        &setup.loaded.config.test,
    )?;
    // The recipe's write lanes are enforced by the gate, as a lane of its
    // own (unless the person chose a lane).
    let mut setup = setup.clone();
    let mut flags = args.flags.clone();
    if !recipe.lanes.is_empty() && flags.lane.is_none() {
        let lane = format!("recipe:{}", recipe.name);
        setup
            .loaded
            .config
            .paths
            .lanes
            .insert(lane.clone(), recipe.lanes.clone());
        flags.lane = Some(lane);
    }
    let setup = &setup;
    let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
    let offered = engine.registry.names();
    let missing: Vec<&String> = recipe
        .tools
        .iter()
        .filter(|t| !offered.contains(t))
        .collect();
    if !missing.is_empty() {
        return Err(CliError::new(
            "recipe_needs_tools",
            format!(
                "recipe {} needs tools this project does not offer: {}",
                recipe.name,
                missing
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("`chamber doctor` says why a tool is not offered"),
            status::CONFIG,
        ));
    }
    // The pull request's run is fixed before the recipe's own run exists.
    let pr_run = match recipe.finish {
        Some(Finish::OpenPr) if !args.plan_only => {
            let wanted = params
                .iter()
                .find(|(k, _)| k == "run")
                .map(|(_, v)| v.as_str())
                .filter(|v| *v != "last");
            let store = setup.store().await?;
            let (run, _) = super::pr::run_with_branch(&store, wanted).await?;
            Some(run.id)
        }
        _ => None,
    };
    let act = match ready.plan.clone() {
        Some(plan) => Act::Preset {
            prompt: ready.prompt.clone(),
            plan: Box::new(plan),
            plan_only: args.plan_only,
            branch: None,
        },
        None => Act::New {
            prompt: ready.prompt.clone(),
            plan_only: args.plan_only,
            dry_run: false,
        },
    };
    let (mut payload, code) = super::run::act(&mut engine, act, &flags, out).await?;
    payload["recipe"] = json!(recipe.name);
    let completed = payload["status"] == "completed";
    if code != status::OK || args.plan_only || !completed {
        return Ok((payload, code));
    }
    let run_id = payload["run_id"].as_str().unwrap_or_default().to_string();
    let mut code = code;
    let mut answer = None;
    if let Some(schema) = &ready.answer_schema {
        let text = recipes::final_answer(&engine.store, &run_id)
            .await?
            .unwrap_or_default();
        match recipes::check_answer(schema, &text) {
            Ok(value) => {
                out.line(format!("\n{}", Output::styled(style::HEAD, "Answer:")));
                out.line(serde_json::to_string_pretty(&value).unwrap_or_default());
                payload["answer"] = value.clone();
                answer = Some(value);
            }
            Err(why) => {
                out.line(format!("{} {why}", Output::styled(style::BAD, "✘")));
                payload["answer_error"] = json!(why);
                code = status::RUN_FAILED;
            }
        }
    }
    if !ready.checks.is_empty() {
        let dir = payload["worktree"]
            .as_str()
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| setup.root.clone());
        let timeout = Duration::from_secs(setup.loaded.config.test.timeout_secs.max(1));
        let results = recipes::run_checks(&dir, &ready.checks, timeout).await;
        if !print_checks(&results, out) && code == status::OK {
            code = status::TESTS_FAILED;
        }
        payload["checks"] = serde_json::to_value(&results).unwrap_or(json!([]));
    }
    if let (Some(run), Some(answer), true) = (pr_run, answer, code == status::OK) {
        let draft = params.iter().any(|(k, v)| k == "draft" && v == "true");
        let pr = super::pr::PrOpenArgs {
            run: Some(run),
            title: answer["title"].as_str().map(String::from),
            draft,
            base: None,
            remote: "origin".into(),
            description: answer["body"].as_str().map(String::from),
        };
        payload["pull_request"] = super::pr::open(setup, pr, out).await?;
    }
    Ok((payload, code))
}

/// Prints each check with its mark (and a failing one's output);
/// whether all passed.
pub(crate) fn print_checks(results: &[recipes::CheckResult], out: &Output) -> bool {
    if !results.is_empty() {
        out.line(format!("\n{}", Output::styled(style::HEAD, "Checks:")));
    }
    for r in results {
        let mark = if r.passed {
            Output::styled(style::OK, "✔")
        } else {
            Output::styled(style::BAD, "✘")
        };
        out.line(format!("  {mark} {}", r.name));
        if !r.passed && !r.output.is_empty() {
            out.line(Output::styled(style::DIM, indent(&r.output)));
        }
    }
    results.iter().all(|r| r.passed)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
