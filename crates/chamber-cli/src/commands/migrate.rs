//! `chamber migrate make "<title>"`: parses, calls
//! `chamber_runtime::migrate::make` and prints what was created.

use std::path::PathBuf;

use chamber_runtime::migrate::{self, MakeRequest, Method};
use serde_json::Value;

use crate::cli_scaffold::MigrateAction;
use crate::exit::CliError;
use crate::output::{Output, style};

/// Runs one `chamber migrate` subcommand in the project at `root`.
pub async fn migrate(
    root: PathBuf,
    action: MigrateAction,
    out: &Output,
) -> Result<Value, CliError> {
    let MigrateAction::Make {
        title,
        tool,
        app,
        dir,
        no_test,
    } = action;
    let req = MakeRequest {
        root,
        title: title.join(" "),
        tool,
        app,
        dir,
        with_test: !no_test,
    };
    let made = migrate::make(&req).await?;
    let how = if made.detected { "detected" } else { "--tool" };
    out.line(format!(
        "{} ({how}): migration {}",
        Output::styled(style::HEAD, made.tool.name()),
        made.name
    ));
    if let Some(command) = &made.command {
        out.line(format!("ran: {}", migrate::command_line(command)));
        if let Some(output) = made.tool_output.as_deref().filter(|o| !o.is_empty()) {
            for line in output.lines() {
                out.line(Output::styled(style::DIM, format!("  │ {line}")));
            }
        }
    }
    for file in &made.files {
        out.line(format!("  {} {file}", Output::styled(style::OK, "created")));
    }
    if made.method == Method::Tool && made.files.is_empty() {
        out.line("  (the tool reported no new file in the migrations directory)");
    }
    if let Some(program) = &made.missing_program {
        out.line(Output::styled(
            style::WARN,
            format!(
                "{program} is not installed: Chamber wrote the files {} would have, in its naming scheme",
                made.tool.name()
            ),
        ));
    }
    if let Some(test) = &made.test {
        let what = if test.written {
            "added"
        } else {
            "kept (already there)"
        };
        out.line(format!("test {what}: {} — run: {}", test.path, test.run));
    }
    Ok(serde_json::to_value(&made).unwrap_or(Value::Null))
}
