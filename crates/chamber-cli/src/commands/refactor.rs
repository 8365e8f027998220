//! `chamber refactor rename|move|extract|inline`: deterministic refactors
//! are previewed as one diff, applied all or nothing once approved, then
//! the tests run; extract and inline go through a staged model run.

use std::io::{BufRead, IsTerminal, Write};

use chamber_runtime::refactor::{self, Planned};
use chamber_runtime::{Setup, edit_request};
use serde_json::json;

use crate::cli_refactor::{RefactorAction, RefactorOpts};
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Runs one refactor.
pub async fn refactor(
    setup: &Setup,
    action: RefactorAction,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    match action {
        RefactorAction::Rename { old, new, opts } => {
            let planned = refactor::plan_rename(&setup.root, &old, &new)?;
            apply(setup, planned, &opts, out).await
        }
        RefactorAction::Move {
            symbol,
            from,
            to,
            opts,
        } => {
            let planned = refactor::plan_move(&setup.root, &symbol, &from, &to)?;
            apply(setup, planned, &opts, out).await
        }
        RefactorAction::Extract { target, name, opts } => {
            let t = edit_request::target(&setup.root, &target)?;
            let Some((a, b)) = t.lines else {
                return Err(CliError::new(
                    "bad_target",
                    "extract needs lines: FILE:START-END",
                    Some("for example: chamber refactor extract app.py:10-24 parse_row"),
                    status::USAGE,
                ));
            };
            let (_, block) = edit_request::edit_plan(&setup.root, &t, "");
            let lines = block.steps[0].detail.clone();
            let (prompt, plan) = refactor::model_plan(
                &format!("Extract lines {a}-{b} of {} into a function {name}", t.path),
                &format!(
                    "Move those lines into a new function `{name}` (its parameters are the names they read, its result what later code uses) and call it where they were.{lines}"
                ),
            );
            super::staged::run_staged(setup, prompt, plan, &opts.flags, opts.preview, out).await
        }
        RefactorAction::Inline { symbol, file, opts } => {
            let text = std::fs::read_to_string(setup.root.join(&file)).map_err(|e| {
                CliError::new(
                    "bad_target",
                    format!("cannot read {file}: {e}"),
                    None,
                    status::CONFIG,
                )
            })?;
            let lang = chamber_edit::syntax::Lang::from_path(std::path::Path::new(&file));
            if let Some(lang) = lang
                && chamber_edit::symbols::find_symbol(lang, &text, &symbol).is_err()
            {
                return Err(CliError::new(
                    "unknown_symbol",
                    format!("no function {symbol} in {file}"),
                    Some("`chamber symbols QUERY` lists the symbols"),
                    status::CONFIG,
                ));
            }
            let (prompt, plan) = refactor::model_plan(
                &format!("Inline {symbol} from {file} into its callers"),
                &format!(
                    "Replace every call of `{symbol}` with its body (arguments substituted), in every file, then delete `{symbol}` from {file}."
                ),
            );
            super::staged::run_staged(setup, prompt, plan, &opts.flags, opts.preview, out).await
        }
    }
}

/// Shows the diff, asks (unless --yes), applies all or nothing, runs the
/// tests.
async fn apply(
    setup: &Setup,
    planned: Planned,
    opts: &RefactorOpts,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let diff = planned.changes.preview();
    let files: Vec<String> = planned
        .changes
        .touched()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    out.line(crate::diff_view::colored(diff.trim_end()));
    out.line(planned.summary.clone());
    let mut payload =
        json!({"summary": planned.summary, "files": files, "diff": diff, "applied": false});
    if opts.preview {
        return Ok((payload, status::OK));
    }
    if !opts.flags.yes && !confirm(opts.flags.prompt) {
        out.line("not applied; --yes applies without asking");
        return Ok((payload, status::NEEDS_APPROVAL));
    }
    planned.changes.apply(&setup.root).map_err(|e| {
        CliError::new(
            "apply_failed",
            format!("nothing was written: {e}"),
            Some("the files changed meanwhile, or cannot be written; run it again"),
            status::INTERNAL,
        )
    })?;
    payload["applied"] = json!(true);
    out.line(format!(
        "{} applied to {} file(s)",
        Output::styled(style::OK, "✔"),
        files.len()
    ));
    if opts.no_test {
        return Ok((payload, status::OK));
    }
    let timeout = setup.loaded.config.test.timeout_secs;
    match chamber_runtime::detect_tests(&setup.loaded.config.test, &setup.root) {
        Ok(found) => {
            let (report, run) =
                super::test::run_once(&setup.root, &found[0], &found[1..], timeout, out).await?;
            payload["tests"] = report;
            Ok((payload, super::test::exit_code(&run)))
        }
        Err(e) => {
            out.line(Output::styled(style::WARN, format!("tests not run: {e}")));
            Ok((payload, status::OK))
        }
    }
}

/// Asks on the terminal whether to apply; no terminal (and no --prompt)
/// means no.
fn confirm(prompt: bool) -> bool {
    if !prompt && !std::io::stdin().is_terminal() {
        return false;
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "Apply? [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}
