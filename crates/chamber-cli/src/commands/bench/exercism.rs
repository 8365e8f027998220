//! `chamber bench exercism`: resolves the model the way `chamber run` would
//! in a fresh repo, runs the Exercism benchmark of
//! `chamber_bench::exercism` and prints its table and totals.

use std::time::Duration;

use chamber_bench::exercism::{AloneModel, Exercism, ExercismOptions, Mode, Solvers};
use serde_json::Value;

use super::{Screen, chamber_bin, model_flags, write_json_out};
use crate::cli::{ExercismArgs, ExercismMode, GlobalArgs};
use crate::exit::{CliError, status};
use crate::output::Output;

/// Runs the benchmark, printing a row per exercise and the totals; the
/// payload holds the settings, every try and the totals.
pub async fn exercism(
    args: ExercismArgs,
    global: &GlobalArgs,
    out: &Output,
) -> Result<Value, CliError> {
    let mode = match args.mode {
        ExercismMode::Chamber => Mode::Chamber,
        ExercismMode::Alone => Mode::Alone,
        ExercismMode::Both => Mode::Both,
    };
    let bench = Exercism::prepare(ExercismOptions {
        repo: args.repo,
        set: args.set,
        mode,
        tries: args.tries,
        timeout_secs: args.timeout,
        only: args.only,
        run_args: args.run_args,
    })
    .await?;
    let quiet = out.is_quiet() || out.is_json();
    // The model `chamber run` would pick in a fresh repo: user config,
    // environment and flags, no project config.
    let fresh = bench.scratch().join("resolve");
    std::fs::create_dir_all(&fresh).map_err(|e| {
        CliError::new(
            "io_failed",
            format!("cannot make a temp dir: {e}"),
            None,
            status::INTERNAL,
        )
    })?;
    let setup = crate::setup::resolve(&GlobalArgs {
        dir: Some(fresh),
        ..global.clone()
    })?;
    let choice = setup.provider_choice()?;
    let alone = if mode == Mode::Chamber {
        None
    } else {
        let config = &setup.loaded.config;
        let (provider, choice, _server) =
            setup.provider(config, &crate::setup::notice(quiet)).await?;
        Some(AloneModel {
            provider,
            model: choice.model,
            idle: Duration::from_secs(config.provider.idle_timeout_secs.max(1)),
        })
    };
    let chamber = if mode == Mode::Alone {
        None
    } else {
        Some(chamber_bin(model_flags(global))?)
    };
    let screen = Screen::new(out, true);
    out.line(chamber_bench::exercism::header(&screen));
    let report = bench
        .run(
            Solvers { alone, chamber },
            &choice.provider,
            &choice.model,
            &screen,
        )
        .await?;
    for line in report.summary(&screen) {
        out.line(line);
    }
    let report = report.to_json();
    write_json_out(args.json_out.as_deref(), &report, out)?;
    Ok(report)
}
