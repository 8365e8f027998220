//! How `chamber task` prints tasks for people (the `--json` envelope
//! carries the same records whole), and the mapping of API refusals to
//! exit statuses.

use chamber_server::ApiError;

use crate::exit::{CliError, status};
use crate::output::Output;

/// One line for a task record (as JSON, from the store or the API).
pub fn task_line(t: &serde_json::Value) -> String {
    let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
    let id = s("id");
    let short = id.get(..8).unwrap_or(&id).to_string();
    let mut prompt = s("prompt").replace('\n', " ");
    if prompt.chars().count() > 60 {
        prompt = prompt.chars().take(57).collect::<String>() + "...";
    }
    format!(
        "{short}  {:<17} {:<8} attempt {}/{}  {prompt}",
        s("state"),
        s("queue"),
        t["attempts"],
        t["max_attempts"]
    )
}

/// Prints a task's details.
pub fn print_task(t: &serde_json::Value, out: &Output) {
    out.line(task_line(t));
    let fields = [
        ("id", "id"),
        ("repo", "repo"),
        ("run", "run_id"),
        ("error", "last_error"),
        ("cancel", "cancel_reason"),
        ("created", "created_at"),
        ("finished", "finished_at"),
    ];
    for (label, key) in fields {
        if let Some(v) = t[key].as_str() {
            out.line(format!("  {label:<9} {v}"));
        }
    }
    if let Some(b) = t["result"]["branch"].as_str() {
        out.line(format!("  branch    {b}"));
    }
    if let Some(c) = t["result"]["commit"].as_str() {
        out.line(format!("  commit    {c}"));
    }
}

/// An API refusal as the CLI reports it.
pub fn api_error(e: ApiError) -> CliError {
    let exit = match e.status.as_u16() {
        404 => status::NOT_FOUND,
        409 => status::INVALID_STATE,
        401 | 403 | 422 | 400 | 413 | 415 => status::CONFIG,
        _ => status::INTERNAL,
    };
    CliError {
        code: e.code,
        message: e.message,
        hint: e.hint,
        exit,
    }
}
