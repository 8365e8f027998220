//! Carries out a step mapped by rule: its fixed calls go through the same
//! pipeline as a model's (policy, approval, checkpoint, events), and no
//! model turn is taken.

use chamber_protocol::{StepAction, ToolCall, ToolResult, ToolStatus, new_id};

use crate::checkpoint::StepChanges;
use crate::engine::Engine;
use crate::executor::{self, StepOutcome};
use crate::options::RunOptions;
use crate::recorder::Recorder;
use crate::{AgentError, Approver};

/// Most characters of a read file or command output a rule step's summary
/// carries to later steps.
const SUMMARY_OUTPUT_CHARS: usize = 4000;

impl Engine {
    /// Runs `action`'s calls in order; the first failure fails the step
    /// with its output, so a re-plan sees what went wrong.
    pub(crate) async fn run_rule_step(
        &self,
        rec: &mut Recorder,
        workspace: &std::path::Path,
        action: &StepAction,
        changes: &mut StepChanges,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<StepOutcome, AgentError> {
        let rule = action.rule.as_str();
        if action.calls.is_empty() {
            let said = match rule {
                "commit" => "nothing to run: the harness commits every step's changes",
                "read_missing" => {
                    "the file does not exist yet, so there is nothing to read; a later step creates it"
                }
                _ => "nothing to run",
            };
            return Ok(StepOutcome::Done(format!("by rule `{rule}`: {said}")));
        }
        let mut said = Vec::new();
        for fixed in &action.calls {
            let call = ToolCall {
                id: new_id(),
                name: fixed.tool.clone(),
                arguments: fixed.arguments.to_string(),
            };
            let result =
                executor::execute_call(self, rec, workspace, changes, &call, approver, opts)
                    .await?;
            let what = describe(&fixed.tool, &fixed.arguments);
            if result.status != ToolStatus::Ok {
                return Ok(StepOutcome::Failed(format!(
                    "by rule `{rule}`: {what} failed{}",
                    output_of(&result)
                )));
            }
            said.push(format!("{what} succeeded{}", output_of(&result)));
        }
        Ok(StepOutcome::Done(format!(
            "by rule `{rule}`, without a model turn: {}",
            said.join("; ")
        )))
    }
}

/// One line naming a call: the command for `shell`, the path for file tools.
fn describe(tool: &str, arguments: &serde_json::Value) -> String {
    let arg = |k: &str| {
        arguments
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    match tool {
        "shell" => format!("`{}`", arg("command")),
        "read_file" | "write_file" | "delete_file" => format!("{tool} `{}`", arg("path")),
        "package_add" => format!("package_add `{}`", arg("name")),
        _ => tool.to_string(),
    }
}

/// The tail of a result's output (or its error), for a summary.
fn output_of(result: &ToolResult) -> String {
    let mut text = result.stdout.trim_end().to_string();
    if !result.stderr.trim().is_empty() {
        text.push('\n');
        text.push_str(result.stderr.trim_end());
    }
    if let Some(error) = &result.error {
        text.push('\n');
        text.push_str(error);
    }
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let count = text.chars().count();
    let tail: String = if count > SUMMARY_OUTPUT_CHARS {
        let skipped: String = text.chars().skip(count - SUMMARY_OUTPUT_CHARS).collect();
        format!("…{skipped}")
    } else {
        text.to_string()
    };
    format!(":\n{tail}")
}
