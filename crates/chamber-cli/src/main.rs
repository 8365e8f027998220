//! The `chamber` binary: parses commands, sets up logging, builds the engine
//! and prints results. All behaviour lives in the library crates.

mod approver;
mod cli;
mod cli_actions;
mod cli_flags;
mod cli_mcp;
mod cli_names;
mod cli_recipe;
mod cli_refactor;
mod cli_scaffold;
mod cli_service;
mod cli_telemetry;
mod commands;
mod diff_view;
mod disk_full;
mod exit;
mod failure;
mod install_progress;
mod logging;
mod mcp_server;
mod output;
mod printer;
mod render;
mod run_flags;
mod setup;
mod tui;
mod workbench;

use clap::Parser;
use serde_json::json;

use crate::cli::{
    BudgetAction, Cli, Command, ConfigAction, ModelAction, ProviderAction, RunsAction,
};
use crate::commands::run::Act;
use crate::exit::{CliError, status};
use crate::output::Output;

fn main() {
    let started = std::time::Instant::now();
    // The sandbox helper must start before any thread exists (user
    // namespaces refuse multi-threaded callers), so before clap and tokio.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == chamber_tools::sandbox::HELPER_ARG)
    {
        std::process::exit(chamber_tools::sandbox::helper_main(&args[2..]));
    }
    if let Ok(exe) = std::env::current_exe() {
        chamber_tools::sandbox::set_helper(exe);
    }
    // `chamber` alone opens the TUI in a terminal; `--no-ui`, or a stdout
    // or stdin that is not a terminal, keeps the plain CLI (its help).
    if args.len() == 1 {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
            args.push("ui".into());
        }
    } else if args.len() == 2 && args[1] == "--no-ui" {
        args.truncate(1);
        args.push("help".into());
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => failure::usage(e, &args),
    };
    let name = cli.command.name();
    let mut facts = chamber_runtime::telemetry::RunFacts::default();
    let out = Output::new(
        cli.global.json,
        cli.global.quiet,
        cli.global.verbose,
        cli.command.name(),
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.failure(&CliError::new(
                "internal",
                format!("cannot start the async runtime: {e}"),
                None,
                status::INTERNAL,
            ));
            std::process::exit(status::INTERNAL);
        }
    };
    // A foreground server handles Ctrl-C itself, to stop llama-server cleanly;
    // `test --watch` too, to exit with its last run's status.
    let handles_signals = matches!(
        cli.command,
        Command::Model {
            action: ModelAction::Serve { .. }
        } | Command::Test { watch: true, .. }
            | Command::Index { watch: true }
            | Command::Ui { .. }
    );
    let code = runtime.block_on(async {
        if handles_signals {
            return match dispatch(cli, &out, &mut facts).await {
                Ok(code) => code,
                Err(e) => {
                    let e = disk_full::reclassify(e);
                    out.failure(&e);
                    e.exit
                }
            };
        }
        tokio::select! {
            result = dispatch(cli, &out, &mut facts) => match result {
                Ok(code) => code,
                Err(e) => {
                    let e = disk_full::reclassify(e);
                    out.failure(&e);
                    e.exit
                }
            },
            _ = tokio::signal::ctrl_c() => {
                out.failure(&CliError::new(
                    "interrupted",
                    "interrupted",
                    Some("the run shows as interrupted in `chamber runs list`; `chamber resume <id>` continues it"),
                    status::INTERRUPTED,
                ));
                status::INTERRUPTED
            }
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    commands::telemetry::record_invocation(name, code, started.elapsed(), facts);
    std::process::exit(code);
}

async fn dispatch(
    cli: Cli,
    out: &Output,
    facts: &mut chamber_runtime::telemetry::RunFacts,
) -> Result<i32, CliError> {
    if let Command::Schemas { out: dir } = &cli.command {
        return commands::shell_docs::write_schemas(dir, out);
    }
    // Generated from the argument definitions; no project or config needed.
    match &cli.command {
        Command::Completions { shell } => return commands::shell_docs::completions(*shell),
        Command::Man { out: dir } => return commands::shell_docs::man(dir.as_deref(), out),
        _ => {}
    }
    // A per-user setting: no project, and a broken project config does not matter.
    if let Command::Telemetry { action } = cli.command {
        let payload = commands::telemetry::telemetry(action, out)?;
        out.success(payload, json!({"exit_code": status::OK}));
        return Ok(status::OK);
    }
    let setup = crate::setup::resolve(&cli.global)?;
    let _log_guard = logging::init(&setup, cli.global.verbose, cli.global.quiet);
    let meta = json!({"project": setup.root.display().to_string()});
    let command = match workbench::dispatch(&setup, &cli.global, cli.command, out).await? {
        workbench::Routed::Done((payload, code)) => {
            return Ok(report(out, facts, meta, payload, code));
        }
        workbench::Routed::Other(command) => *command,
    };
    let (payload, code) = match command {
        Command::Init => (commands::init::init(&setup.root, out)?, status::OK),
        Command::Ab {
            task,
            providers,
            strategy,
            timeout,
        } => {
            let args = chamber_bench::ab::AbOptions {
                task,
                providers,
                strategy,
                timeout: std::time::Duration::from_secs(timeout),
            };
            commands::ab::ab(&setup, args, out).await?
        }
        Command::Status => (commands::status::status(&setup, out).await?, status::OK),
        Command::Config {
            action: ConfigAction::Show,
        } => (commands::config_show::show(&setup, out), status::OK),
        Command::Runs {
            action: RunsAction::List { limit, all },
        } => (
            commands::runs::list(&setup, limit, all, out).await?,
            status::OK,
        ),
        Command::Runs {
            action: RunsAction::Show { run_id },
        } => (
            commands::runs::show(&setup.store().await?, &run_id, out).await?,
            status::OK,
        ),
        Command::Undo { run, steps, yes } => (
            commands::undo::undo(&setup, run, steps, yes, out).await?,
            status::OK,
        ),
        Command::ApplyGuarded {
            run_id,
            yes,
            prompt,
        } => {
            commands::guarded::apply_guarded(
                &setup,
                &setup.store().await?,
                &run_id,
                yes,
                prompt,
                out,
            )
            .await?
        }
        Command::Reject { run_id, reason } => (
            commands::guarded::reject(
                &setup,
                &setup.store().await?,
                &run_id,
                reason.as_deref(),
                out,
            )
            .await?,
            status::OK,
        ),
        Command::Patch { action } => (
            commands::patch::patch(&setup, action, out).await?,
            status::OK,
        ),
        Command::TailEvents { follow, run, lines } => {
            commands::tail::tail(&setup.store().await?, follow, run, lines, out).await?;
            return Ok(status::OK);
        }
        Command::Plan(args) => {
            let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
            let act = Act::New {
                prompt: commands::mcp::task_text(&setup, &args).await?,
                plan_only: true,
                dry_run: false,
            };
            commands::run::act(&mut engine, act, &Default::default(), out).await?
        }
        Command::Run(args) => {
            let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
            let act = Act::New {
                prompt: commands::mcp::task_text(&setup, &args.task).await?,
                plan_only: false,
                dry_run: args.dry_run,
            };
            commands::run::act(&mut engine, act, &args.flags, out).await?
        }
        Command::Apply { plan_id, run } => {
            let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
            commands::run::act(&mut engine, Act::Apply(plan_id), &run, out).await?
        }
        Command::Resume { run_id, run } => {
            let mut setup = setup;
            setup
                .pin_run_provider(&run_id, &crate::setup::overrides(&cli.global))
                .await?;
            let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
            commands::run::act(&mut engine, Act::Resume(run_id), &run, out).await?
        }
        Command::Doctor => commands::doctor::doctor(&setup, out).await?,
        // Handled above, before the project is resolved.
        Command::Telemetry { .. } => return Ok(status::OK),
        Command::Serve(args) => (
            commands::service::serve::serve(&setup, args, out).await?,
            status::OK,
        ),
        Command::Worker(args) => (
            commands::service::serve::worker(&setup, args, out).await?,
            status::OK,
        ),
        Command::Token { action } => (
            commands::service::token::token(&setup.store().await?, action, out).await?,
            status::OK,
        ),
        Command::Task { action } => commands::service::task::task(&setup, action, out).await?,
        Command::Mcp { action } => commands::mcp::mcp(&setup, action, out).await?,
        Command::Sandbox {
            action:
                cli::SandboxAction::Run {
                    network,
                    cwd,
                    timeout,
                    command,
                },
        } => {
            let args = commands::sandbox::RunArgs {
                command,
                network,
                cwd,
                timeout,
            };
            commands::sandbox::run(&setup, args, out).await?
        }
        Command::Provider {
            action: ProviderAction::List,
        } => (commands::provider::list(&setup, out)?, status::OK),
        Command::Provider {
            action: ProviderAction::Set { name, user },
        } => (
            commands::config_set::provider_set(
                &setup,
                &name,
                cli.global.model.as_deref(),
                user,
                out,
            )?,
            status::OK,
        ),
        Command::Budget {
            action:
                BudgetAction::Set {
                    cost,
                    latency,
                    tokens,
                    user,
                },
        } => {
            let limits = commands::config_set::Limits {
                cost,
                time: latency,
                tokens,
            };
            (
                commands::config_set::budget_set(&setup, limits, user, out)?,
                status::OK,
            )
        }
        Command::Budget {
            action: BudgetAction::Show,
        } => (commands::config_set::budget_show(&setup, out), status::OK),
        Command::Provider {
            action: ProviderAction::Test { name },
        } => (
            commands::provider::test(&setup, &name, cli.global.model.as_deref(), out).await?,
            status::OK,
        ),
        Command::Stats { run, since } => (
            commands::stats::stats(&setup.store().await?, run, since, out).await?,
            status::OK,
        ),
        Command::Bench { action } => {
            commands::bench::dispatch::bench(&setup, &cli.global, action, out).await?
        }
        Command::Index { watch } => commands::index::index(&setup, watch, out).await?,
        Command::Search { query, limit } => {
            commands::search::search(&setup, &query.join(" "), limit as usize, out).await?
        }
        Command::Symbols { target } => commands::symbols::symbols(&setup, &target, out).await?,
        Command::Map { tokens, task } => (
            commands::map::map(&setup, tokens, task.as_deref(), out).await?,
            status::OK,
        ),
        Command::Context { task } => (
            commands::context_cmd::context(&setup, &task.join(" "), out).await?,
            status::OK,
        ),
        Command::Explain { target } => (
            commands::explain::explain(&setup, &target, out).await?,
            status::OK,
        ),
        Command::Model { action } => (
            commands::model_action::model(&setup, action, out).await?,
            status::OK,
        ),
        Command::Test { timeout, watch } => {
            commands::test::test(&setup, timeout, watch, out).await?
        }
        Command::Fix(args) => {
            let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
            commands::fix::fix(&mut engine, &args, out).await?
        }
        Command::Commit {
            message,
            signoff,
            run,
        } => {
            let args = commands::commit::CommitArgs {
                message,
                signoff,
                run,
            };
            (
                commands::commit::commit(&setup, args, out).await?,
                status::OK,
            )
        }
        Command::Pr {
            action:
                cli::PrAction::Open {
                    run,
                    title,
                    draft,
                    base,
                    remote,
                },
        } => {
            let args = commands::pr::PrOpenArgs {
                run,
                title,
                draft,
                base,
                remote,
                description: None,
            };
            (commands::pr::open(&setup, args, out).await?, status::OK)
        }
        Command::Pr {
            action: cli::PrAction::Update { run, remote, flags },
        } => {
            let args = commands::pr_update::PrUpdateArgs { run, remote, flags };
            commands::pr_update::update(&setup, args, out).await?
        }
        Command::Review {
            diff,
            run,
            staged,
            no_model,
        } => {
            let source = match (diff, run) {
                (Some(path), _) => commands::review::Source::File(path),
                (None, Some(id)) => commands::review::Source::Run(id),
                (None, None) if staged => commands::review::Source::Staged,
                (None, None) => commands::review::Source::WorkingTree,
            };
            commands::review::review(&setup, source, no_model, out).await?
        }
        Command::Policy {
            action:
                cli::PolicyAction::Check {
                    command,
                    run_branch,
                    branch,
                    mode,
                    yes,
                },
        } => {
            let args = commands::policy::CheckArgs {
                command,
                run_branch,
                branch,
                mode,
                yes,
            };
            commands::policy::check(&setup, args, out)?
        }
        Command::Policy {
            action:
                cli::PolicyAction::Guard {
                    check,
                    install_hook,
                    force,
                },
        } => {
            let mode = if install_hook {
                commands::policy_guard::Mode::InstallHook { force }
            } else if check {
                commands::policy_guard::Mode::Check
            } else {
                commands::policy_guard::Mode::List
            };
            commands::policy_guard::guard(&setup, mode, out)?
        }
        Command::Schemas { .. } | Command::Completions { .. } | Command::Man { .. } => {
            return Ok(status::OK);
        }
        // Run by `workbench::dispatch` above.
        Command::Edit { .. }
        | Command::Refactor { .. }
        | Command::Doc { .. }
        | Command::Migrate { .. }
        | Command::Api { .. }
        | Command::Recipe { .. }
        | Command::Agent { .. }
        | Command::Chat { .. }
        | Command::Ui { .. } => return Ok(status::OK),
    };
    Ok(report(out, facts, meta, payload, code))
}

/// Prints the envelope of a command that ran (an error envelope that keeps
/// the payload when it did not succeed; human output was already printed)
/// and keeps its facts for telemetry; returns its exit status.
fn report(
    out: &Output,
    facts: &mut chamber_runtime::telemetry::RunFacts,
    mut meta: serde_json::Value,
    payload: serde_json::Value,
    code: i32,
) -> i32 {
    *facts = commands::telemetry::run_facts(&payload);
    meta["exit_code"] = json!(code);
    if code == status::OK {
        out.success(payload, meta);
    } else {
        let err = failure::of_outcome(code, &payload);
        out.unsuccessful(payload, meta, &err);
    }
    code
}
