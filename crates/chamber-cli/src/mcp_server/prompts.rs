//! The prompts Chamber serves: task templates a client's user can pick
//! ("fix the failing tests", "implement …", "review my changes"), each
//! telling the client's agent which Chamber tools to use.

use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};

/// Every prompt.
pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "fix_failing_tests",
            Some("Run the project's tests and have Chamber fix what fails, on a branch"),
            None,
        ),
        Prompt::new(
            "implement",
            Some("Have Chamber implement a request: plan, edit, test and commit on a branch"),
            Some(vec![
                PromptArgument::new("request")
                    .with_description("What to build or change, in plain words")
                    .with_required(true),
            ]),
        ),
        Prompt::new(
            "review_changes",
            Some(
                "Review the uncommitted changes for secrets, protected paths, leftovers and missing tests",
            ),
            None,
        ),
    ]
}

/// One prompt filled with its arguments.
pub fn get(
    name: &str,
    arguments: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<GetPromptResult, ErrorData> {
    let text = match name {
        "fix_failing_tests" => "Call Chamber's run_tests tool. If tests fail, call chamber_run with prompt \"Make the failing tests pass without weakening them\", verify=true and wait=true, then report the branch, the files changed and the final test result.".to_string(),
        "implement" => {
            let request = arguments
                .and_then(|a| a.get("request"))
                .and_then(|v| v.as_str())
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| {
                    ErrorData::invalid_params("the implement prompt needs a request", None)
                })?;
            format!(
                "Call Chamber's chamber_run tool with prompt {request:?}, verify=true and wait=true. When it ends, report the task's state, its branch and summary; if it waits for an approval, show it and use chamber_approve once the user decides."
            )
        }
        "review_changes" => "Call Chamber's review tool on the uncommitted changes and summarise its findings by severity, with the file and line of each.".to_string(),
        other => {
            return Err(ErrorData::invalid_params(
                format!("no prompt named {other:?}"),
                None,
            ));
        }
    };
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(
        Role::User,
        text,
    )]))
}
