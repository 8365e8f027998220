//! `chamber bench exercism --repo DIR --set FILE`: Exercism practice
//! exercises solved two ways with the same model, server and settings:
//! by `chamber run --yes` in a repo holding the stub, the tests and the
//! instructions, and by the model alone given the ideal prompt (all of it
//! in one message, the whole file back). Each try is judged by the
//! exercise's own tests, restored first; a retry is told the failures.
//! Chamber's solve rate over the model's alone is the harness's efficiency.

mod alone_mode;
mod chamber_mode;
mod exercise;
mod judge;
mod report;

use std::time::Duration;

use serde_json::{Value, json};

use crate::cli::{ExercismArgs, ExercismMode, GlobalArgs};
use crate::commands::bench::model_flags;
use crate::commands::bench_process::io_err;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use alone_mode::AloneSolver;
use chamber_mode::ChamberSolver;
use report::ExerciseResult;

/// The exercises of the set (narrowed by `--only`), each read from the checkout.
fn exercises(args: &ExercismArgs) -> Result<Vec<exercise::Exercise>, CliError> {
    let repo = args
        .repo
        .canonicalize()
        .unwrap_or_else(|_| args.repo.clone());
    if !repo.join("exercises/practice").is_dir() {
        return Err(CliError::new(
            "not_found",
            format!("{} has no exercises/practice folder", args.repo.display()),
            Some("--repo is a checkout of exercism/python"),
            status::NOT_FOUND,
        ));
    }
    let mut slugs = exercise::read_set(&args.set)?;
    if !args.only.is_empty() {
        if let Some(missing) = args.only.iter().find(|o| !slugs.contains(o)) {
            return Err(CliError::new(
                "bad_input",
                format!("--only {missing}: not in the set {}", args.set.display()),
                None,
                status::CONFIG,
            ));
        }
        slugs.retain(|s| args.only.contains(s));
    }
    slugs
        .iter()
        .map(|slug| exercise::load(&repo, slug))
        .collect()
}

/// Runs the benchmark, printing a row per exercise and the totals; the
/// payload holds the settings, every try and the totals.
pub async fn exercism(
    args: ExercismArgs,
    global: &GlobalArgs,
    out: &Output,
) -> Result<Value, CliError> {
    let exercises = exercises(&args)?;
    let runner = judge::detect().await?;
    let scratch = tempfile::Builder::new()
        .prefix("chamber-exercism-")
        .tempdir()
        .map_err(io_err("cannot make a temp dir".into()))?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let quiet = out.is_quiet() || out.is_json();
    // The model `chamber run` would pick in a fresh repo: user config,
    // environment and flags, no project config.
    let fresh = scratch.path().join("resolve");
    std::fs::create_dir_all(&fresh).map_err(io_err("cannot make a temp dir".into()))?;
    let setup = crate::setup::resolve(&GlobalArgs {
        dir: Some(fresh),
        ..global.clone()
    })?;
    let choice = setup.provider_choice()?;
    let alone = if args.mode == ExercismMode::Chamber {
        None
    } else {
        let config = &setup.loaded.config;
        let (provider, choice, _server) =
            setup.provider(config, &crate::setup::notice(quiet)).await?;
        Some(AloneSolver {
            provider,
            model: choice.model,
            idle: Duration::from_secs(config.provider.idle_timeout_secs.max(1)),
            timeout,
            tries: args.tries,
            runner,
        })
    };
    let chamber = if args.mode == ExercismMode::Alone {
        None
    } else {
        Some(ChamberSolver {
            exe: std::env::current_exe()
                .map_err(io_err("cannot find the chamber binary".into()))?,
            model_flags: model_flags(global),
            run_args: args.run_args.clone(),
            timeout,
            tries: args.tries,
            runner,
        })
    };
    let settings = json!({
        "repo": args.repo,
        "set": args.set,
        "mode": format!("{:?}", args.mode).to_lowercase(),
        "tries": args.tries,
        "timeout_secs": timeout.as_secs(),
        "judge": runner,
        "provider": choice.provider,
        "model": choice.model,
        "temperature": "provider default",
        "run_args": args.run_args,
        "instructions_file": exercise::INSTRUCTIONS,
    });
    out.line(report::header());
    let mut results = Vec::new();
    for ex in &exercises {
        if !quiet {
            eprintln!("» {}", ex.slug);
        }
        let mut result = ExerciseResult {
            exercise: ex.slug.clone(),
            ..Default::default()
        };
        if let Some(solver) = &alone {
            result.alone = Some(solver.solve(ex, scratch.path()).await?);
        }
        if let Some(solver) = &chamber {
            result.chamber = Some(solver.solve(ex, scratch.path()).await?);
        }
        out.line(report::row(&result));
        results.push(result);
    }
    let mut totals = json!({});
    let chamber_total = chamber.is_some().then(|| {
        report::totals(
            results.iter().filter_map(|r| r.chamber.as_ref()),
            args.tries,
        )
    });
    let alone_total = alone
        .is_some()
        .then(|| report::totals(results.iter().filter_map(|r| r.alone.as_ref()), args.tries));
    for (mode, total) in [("chamber", &chamber_total), ("alone", &alone_total)] {
        if let Some(total) = total {
            out.line(Output::styled(
                style::HEAD,
                report::totals_line(mode, total, args.tries),
            ));
            totals[mode] = total.clone();
        }
    }
    if let (Some(c), Some(a)) = (&chamber_total, &alone_total) {
        let ratio = report::ratio(c, a, args.tries);
        out.line(Output::styled(
            style::HEAD,
            report::ratio_line(&ratio, args.tries),
        ));
        totals["ratio"] = ratio;
    }
    let report = json!({"settings": settings, "exercises": results, "totals": totals});
    if let Some(path) = &args.json_out {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        chamber_tools::atomic::write_atomic(path, text.as_bytes())
            .map_err(io_err(format!("cannot write {}", path.display())))?;
        out.line(format!("report: {}", path.display()));
    }
    Ok(report)
}
