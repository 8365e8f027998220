//! Calls a killed run left unfinished: on resume each one is settled from
//! what was recorded before the kill, so nothing is done twice.
//!
//! - A call that never started runs normally.
//! - A command (`shell`) that started is never run again: the model is told
//!   it was interrupted and may or may not have taken effect, with the output
//!   captured so far.
//! - A file edit announced its writes (`edit_intended`: the sha256 of each
//!   file before and after) before making them. A file at its post-image was
//!   written; at its pre-image, it was not; anything else stops the resume
//!   with a message naming the file. A single-file edit found written is done
//!   (its result is recorded, not re-run). Otherwise the files already
//!   written are put back to their pre-images and the call runs once, whole.

use chamber_protocol::{EventKind, ToolResult, ToolStatus};
use chamber_tools::patches::sha256_hex;
use chamber_tools::{FileChange, FileImage, Risk};

use crate::checkpoint::StepChanges;
use crate::engine::Engine;
use crate::executor::execute_call;
use crate::options::RunOptions;
use crate::recorder::Recorder;
use crate::replay::{PendingCall, RecordedIntent};
use crate::{AgentError, Approver};

/// Tools that may write several files in one call: a partial one is redone whole.
const MULTI_FILE_TOOLS: &[&str] = &["apply_patch", "apply_diff", "multi_edit"];

/// Where one announced file stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    /// Still as before the write.
    Before,
    /// As the write left it.
    After,
}

/// Settles one unfinished call of a resumed step and returns its result.
pub(crate) async fn settle_pending(
    engine: &Engine,
    rec: &mut Recorder,
    workspace: &std::path::Path,
    changes: &mut StepChanges,
    pending: &PendingCall,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<ToolResult, AgentError> {
    let call = &pending.call;
    if !pending.started {
        return execute_call(engine, rec, workspace, changes, call, approver, opts).await;
    }
    let risk = engine.registry.risk(&call.name);
    let finished = |result: ToolResult| EventKind::ToolFinished {
        step_id: changes.step_id().to_string(),
        call_id: call.id.clone(),
        name: call.name.clone(),
        result,
    };
    if risk == Some(Risk::Exec) || (risk != Some(Risk::Write) && pending.intents.is_empty()) {
        if risk == Some(Risk::Read) {
            // Reading twice changes nothing.
            return execute_call(engine, rec, workspace, changes, call, approver, opts).await;
        }
        let result = ToolResult::failure(ToolStatus::Error, interrupted_text(&pending.output));
        rec.emit(finished(result.clone())).await?;
        return Ok(result);
    }
    let mut states = Vec::with_capacity(pending.intents.len());
    for intent in &pending.intents {
        states.push(state_of(workspace, intent)?);
    }
    let all_written = !states.is_empty() && states.iter().all(|s| *s == FileState::After);
    if all_written && !MULTI_FILE_TOOLS.contains(&call.name.as_str()) {
        let store = changes.patch_store();
        let mut made = Vec::new();
        for intent in &pending.intents {
            made.push(FileChange {
                path: intent.path.clone(),
                before: image(&store, intent.before_sha256.as_deref())?,
                after: image(&store, intent.after_sha256.as_deref())?,
            });
        }
        let result = ToolResult {
            status: ToolStatus::Ok,
            stdout: format!(
                "done: the edit was made before the interruption (checked on resume): {}",
                pending
                    .intents
                    .iter()
                    .map(|i| i.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            artifacts: pending.intents.iter().map(|i| i.path.clone()).collect(),
            ..Default::default()
        };
        rec.emit(finished(result.clone())).await?;
        changes.record_changes(rec, call, &made).await?;
        return Ok(result);
    }
    // Partly written (or a multi-file edit that may have had more to write):
    // back to the pre-images, then the call runs once, whole.
    let store = changes.patch_store();
    for (intent, state) in pending.intents.iter().zip(&states).rev() {
        if *state == FileState::After {
            let before = image(&store, intent.before_sha256.as_deref())?;
            put_back(workspace, &intent.path, before)?;
        }
    }
    execute_call(engine, rec, workspace, changes, call, approver, opts).await
}

/// What the model reads for a command that was cut off by the stop.
fn interrupted_text(output: &str) -> String {
    let output = output.trim_end();
    let shown = if output.is_empty() {
        "(none)".to_string()
    } else {
        let start = output.char_indices().rev().nth(4000).map_or(0, |(i, _)| i);
        output[start..].to_string()
    };
    format!(
        "interrupted: this call started, but Chamber was stopped before it finished, so it may or may not have taken effect. It was not run again. Check its effect (for example with read_file or a harmless command) before deciding to repeat it. Output captured before the stop:\n{shown}"
    )
}

/// Compares the file now with the announced pre- and post-image.
fn state_of(workspace: &std::path::Path, intent: &RecordedIntent) -> Result<FileState, AgentError> {
    let path = workspace.join(&intent.path);
    let now = FileImage::read(&path)
        .map_err(|e| AgentError::io(format!("cannot read {}", intent.path), e))?
        .map(|image| sha256_hex(&image.bytes));
    if now == intent.after_sha256 {
        Ok(FileState::After)
    } else if now == intent.before_sha256 {
        Ok(FileState::Before)
    } else {
        Err(AgentError::InvalidState(format!(
            "cannot resume safely: {} was being changed when the run stopped, and it now matches neither its content before that edit nor after it (it was changed since). Put it back as it was (see `chamber patch list` and `git diff`), or finish the edit yourself, then resume again",
            intent.path
        )))
    }
}

/// A recorded side of an intent, read from the blob store.
fn image(
    store: &chamber_tools::patches::PatchStore,
    sha: Option<&str>,
) -> Result<Option<FileImage>, AgentError> {
    let Some(sha) = sha else { return Ok(None) };
    let bytes = store.blob(sha)?.ok_or_else(|| {
        AgentError::InvalidState(format!(
            "cannot resume safely: the recovery copy {sha} is missing from {}",
            store.dir().display()
        ))
    })?;
    Ok(Some(FileImage {
        bytes,
        executable: false,
    }))
}

/// Writes a pre-image back (or removes a file that did not exist).
fn put_back(
    workspace: &std::path::Path,
    rel: &str,
    before: Option<FileImage>,
) -> Result<(), AgentError> {
    let path = workspace.join(rel);
    let done = match before {
        Some(image) => {
            let executable = FileImage::read(&path)
                .ok()
                .flatten()
                .is_some_and(|i| i.executable);
            FileImage {
                executable,
                ..image
            }
            .write(&path)
        }
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    };
    done.map_err(|e| AgentError::io(format!("cannot put {rel} back"), e))
}
