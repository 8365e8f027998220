//! `chamber undo`: restore the project to before a run's last steps.

use std::io::{BufRead, IsTerminal, Write};

use chamber_agent::{UndoAction, UndoPlan, UndoRequest, apply_undo, plan_undo};
use chamber_protocol::CheckpointKind;
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// Plans the undo, shows it, asks (unless `--yes`), restores, reports.
pub async fn undo(
    setup: &Setup,
    run: Option<String>,
    steps: u32,
    yes: bool,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let store = setup.store().await?;
    let request = UndoRequest {
        project: setup.root.clone(),
        run,
        steps,
    };
    let plan = plan_undo(&store, &request).await?;
    let steps_text = describe_steps(&plan);
    if plan.files.is_empty() {
        out.line(format!(
            "nothing to undo: the files are already as they were {steps_text} of run {}",
            plan.run_id
        ));
        return Ok(json!({"undo": plan, "patch_id": null}));
    }
    if !yes {
        let interactive = std::io::stdin().is_terminal() && !out.is_json();
        if !interactive {
            return Err(CliError::new(
                "needs_confirmation",
                format!(
                    "undo would change {} file(s) of run {}; it needs confirmation",
                    plan.files.len(),
                    plan.run_id
                ),
                Some("rerun with --yes, or in a terminal to be asked"),
                status::INVALID_STATE,
            ));
        }
        show_files(&plan, out, false);
        if !confirm(&format!(
            "Restore {} file(s) to {steps_text}? [y/N] ",
            plan.files.len()
        )) {
            return Err(CliError::new(
                "declined",
                "undo declined; nothing was changed",
                None,
                status::INVALID_STATE,
            ));
        }
    }
    let report = apply_undo(&store, plan).await?;
    let plan = &report.plan;
    out.line(format!(
        "{} run {} {steps_text} (checkpoint {})",
        Output::styled(style::OK, "undone:"),
        plan.run_id,
        plan.checkpoint.id
    ));
    show_files(plan, out, true);
    if plan.checkpoint.kind == CheckpointKind::Files {
        out.line(Output::styled(
            style::WARN,
            "note: without git only files written by Chamber's tools are restored; changes made by shell commands are not",
        ));
    }
    if let (Some(commit), Some(branch)) = (&plan.commit, &plan.branch) {
        out.line(Output::styled(
            style::WARN,
            format!(
                "note: the run's commit {} on {branch} stays in history; the restored files are uncommitted changes (commit them, or `git reset` to move the branch yourself)",
                &commit[..commit.len().min(10)]
            ),
        ));
    }
    if let Some(id) = &report.patch_id {
        out.line(format!(
            "recorded as patch {id}; `chamber patch rollback {id}` redoes what was undone"
        ));
    }
    Ok(json!({"undo": report.plan, "patch_id": report.patch_id}))
}

/// "before step 2" or "before steps 2, 3".
fn describe_steps(plan: &UndoPlan) -> String {
    match plan.step_ids.as_slice() {
        [one] => format!("before step {one}"),
        many => format!("before steps {}", many.join(", ")),
    }
}

fn show_files(plan: &UndoPlan, out: &Output, done: bool) {
    for file in &plan.files {
        let verb = match (file.action, done) {
            (UndoAction::Restore, true) => "restored",
            (UndoAction::Remove, true) => "removed ",
            (UndoAction::Restore, false) => "restore ",
            (UndoAction::Remove, false) => "remove  ",
        };
        out.line(format!("  {verb} {}", file.path));
    }
}

/// Asks on stderr, reads the answer from stdin.
fn confirm(prompt: &str) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
