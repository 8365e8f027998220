//! `chamber completions SHELL` and `chamber man`: shell completion scripts
//! and man pages generated from the clap definitions, so they never drift
//! from the real arguments.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use serde_json::json;

use crate::cli::Cli;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Prints the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<i32, CliError> {
    let mut cmd = Cli::command();
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut cmd, "chamber", &mut text);
    print_bytes(&text)?;
    Ok(status::OK)
}

/// Prints the top man page, or writes one page per visible command into
/// `dir` (`chamber.1`, `chamber-run.1`, `chamber-model-install.1`, …).
pub fn man(dir: Option<&Path>, out: &Output) -> Result<i32, CliError> {
    let mut cmd = Cli::command();
    cmd.build();
    let Some(dir) = dir else {
        print_bytes(&render(&cmd)?)?;
        return Ok(status::OK);
    };
    std::fs::create_dir_all(dir).map_err(|e| CliError::write_failed(dir, &e))?;
    let mut written = Vec::new();
    write_pages(&cmd, "chamber", dir, &mut written)?;
    out.line(format!(
        "wrote {} man pages to {}",
        written.len(),
        dir.display()
    ));
    out.success(json!({ "written": written }), json!({}));
    Ok(status::OK)
}

fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<String>,
) -> Result<(), CliError> {
    let page = cmd.clone().name(name.to_string());
    let path = dir.join(format!("{name}.1"));
    chamber_tools::atomic::write_atomic(&path, &render(&page)?)
        .map_err(|e| CliError::write_failed(&path, &e))?;
    written.push(path.display().to_string());
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}

fn render(cmd: &clap::Command) -> Result<Vec<u8>, CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot render the man page: {e}"),
                None,
                status::INTERNAL,
            )
        })?;
    Ok(page)
}

fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // `chamber man | head` closing the pipe early is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::new(
            "io_failed",
            format!("cannot write to stdout: {e}"),
            None,
            status::INTERNAL,
        )),
        _ => Ok(()),
    }
}

/// `chamber schemas [DIR]`: writes the protocol's JSON Schemas.
pub fn write_schemas(dir: &std::path::Path, out: &Output) -> Result<i32, CliError> {
    let mut written = Vec::new();
    for (name, schema) in chamber_protocol::all_schemas() {
        let path = dir.join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        chamber_tools::atomic::write_atomic(&path, text.as_bytes()).map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot write {}: {e}", path.display()),
                None,
                status::INTERNAL,
            )
        })?;
        out.line(format!("wrote {}", path.display()));
        written.push(path.display().to_string());
    }
    out.success(json!({ "written": written }), json!({}));
    Ok(status::OK)
}
