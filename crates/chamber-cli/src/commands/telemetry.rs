//! `chamber telemetry on|off|show|clear`, and the record each other
//! command appends when telemetry is on. The setting and the file live in
//! `chamber_runtime::telemetry`; nothing here talks to a network.

use std::time::Duration;

use chamber_config::Dirs;
use chamber_runtime::telemetry::{self, Record, RunFacts, Setting};
use serde_json::{Value, json};
use toml_edit::value;

use crate::cli_telemetry::TelemetryAction;
use crate::commands::config_edit;
use crate::exit::CliError;
use crate::output::{Output, style};

/// Said by `show` and `on`, in words and in JSON.
const LOCAL_ONLY: &str = "Nothing leaves this machine: Chamber has no code that sends telemetry anywhere; the records stay in this file until `chamber telemetry clear`.";

/// Runs one `chamber telemetry` subcommand (no project or config needed
/// beyond the user's).
pub fn telemetry(action: TelemetryAction, out: &Output) -> Result<Value, CliError> {
    let dirs = Dirs::from_process_env();
    match action {
        TelemetryAction::On => set(&dirs, true, out),
        TelemetryAction::Off => set(&dirs, false, out),
        TelemetryAction::Show { last } => show(&dirs, last, out),
        TelemetryAction::Clear => clear(&dirs, out),
    }
}

/// Appends this invocation's record when telemetry is on. Failures are
/// ignored: telemetry never changes a command's outcome. The telemetry
/// commands themselves are not recorded (so `clear` leaves nothing).
pub fn record_invocation(command: &'static str, exit: i32, duration: Duration, facts: RunFacts) {
    if command.starts_with("telemetry") {
        return;
    }
    let record = Record::new(command, exit, duration, facts);
    let dirs = Dirs::from_process_env();
    if let Err(e) = telemetry::record(&dirs, &telemetry::process_env(), &record) {
        tracing::debug!("telemetry record not kept: {e}");
    }
}

/// The counts of a run's payload (its plan's steps, its shell commands).
pub fn run_facts(payload: &Value) -> RunFacts {
    if payload.get("run_id").is_none() {
        return RunFacts::default();
    }
    let count = |v: &Value| v.as_array().and_then(|a| u32::try_from(a.len()).ok());
    RunFacts {
        steps: count(&payload["plan"]["steps"]),
        shell_commands: count(&payload["commands"]),
    }
}

fn describe(s: &Setting) -> String {
    let state = if s.enabled { "on" } else { "off" };
    format!("{state} ({})", s.source)
}

fn set(dirs: &Dirs, enabled: bool, out: &Output) -> Result<Value, CliError> {
    let path = &dirs.user_config;
    let mut doc = config_edit::read(path)?;
    config_edit::section(&mut doc, "telemetry")?["enabled"] = value(enabled);
    config_edit::write(path, &doc)?;
    let effective = telemetry::setting(dirs, &telemetry::process_env())?;
    let log = dirs.telemetry();
    if enabled {
        out.line(format!(
            "telemetry on ([telemetry] enabled = true in {}): each command appends one record to {} — the command's name, exit status, duration, Chamber version and OS, and for runs the step and shell-command counts; never arguments, paths, names or environment values.",
            path.display(),
            log.display()
        ));
        out.line(LOCAL_ONLY);
    } else {
        let kept = telemetry::read(&log)?.lines.len();
        out.line(format!(
            "telemetry off ([telemetry] enabled = false in {}); the {kept} record(s) already kept stay in {} until `chamber telemetry clear`.",
            path.display(),
            log.display()
        ));
    }
    if effective.enabled != enabled {
        out.line(Output::styled(
            style::WARN,
            format!(
                "note: {} overrides it in this environment, so telemetry is {}",
                effective.source,
                describe(&effective)
            ),
        ));
    }
    Ok(json!({
        "enabled": enabled,
        "config": path.display().to_string(),
        "file": log.display().to_string(),
        "effective": effective,
    }))
}

fn show(dirs: &Dirs, last: Option<usize>, out: &Output) -> Result<Value, CliError> {
    let setting = telemetry::setting(dirs, &telemetry::process_env())?;
    let path = dirs.telemetry();
    let log = telemetry::read(&path)?;
    let start = last.map_or(0, |n| log.lines.len().saturating_sub(n));
    let shown = &log.lines[start..];
    out.line(format!("telemetry: {}", describe(&setting)));
    out.line(format!("file:      {}", path.display()));
    let mut count = format!("records:   {}", log.lines.len());
    if shown.len() < log.lines.len() {
        count.push_str(&format!(" (the last {} shown)", shown.len()));
    }
    if log.unreadable > 0 {
        count.push_str(&format!(
            "; {} unreadable line(s) skipped (a write cut short)",
            log.unreadable
        ));
    }
    out.line(count);
    for line in shown {
        out.line(line);
    }
    out.line(Output::styled(style::DIM, LOCAL_ONLY));
    let records: Vec<Value> = shown
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(json!({
        "enabled": setting.enabled,
        "source": setting.source,
        "file": path.display().to_string(),
        "count": log.lines.len(),
        "shown": records.len(),
        "unreadable": log.unreadable,
        "records": records,
        "local_only": LOCAL_ONLY,
    }))
}

fn clear(dirs: &Dirs, out: &Output) -> Result<Value, CliError> {
    let path = dirs.telemetry();
    let existed = path.exists();
    let deleted = telemetry::clear(&path)?;
    if existed {
        out.line(format!("deleted {} ({deleted} record(s))", path.display()));
    } else {
        out.line(format!(
            "nothing to delete: {} does not exist",
            path.display()
        ));
    }
    Ok(json!({
        "file": path.display().to_string(),
        "existed": existed,
        "deleted": deleted,
    }))
}
