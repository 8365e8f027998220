use chamber_protocol::{Plan, Step, Task};

/// System prompt for planning. Short on purpose: small local models follow
/// short prompts better, and every token costs.
pub const PLAN_SYSTEM: &str = "You are the planner of Chamber, a coding agent. \
Write a short plan (1 to 6 steps) for the user's task. Another agent carries out \
each step with these tools: read_file, list_files, search, write_file, edit_file, \
delete_file, shell. Answer with only a JSON object: \
{\"title\": \"<one line naming the change>\", \"steps\": [{\"id\": \"1\", \"title\": \"...\", \
\"detail\": \"...\", \"kind\": \"analyze|edit|command|test|other\", \"depends_on\": [], \"notes\": null}]}";

/// System prompt for acting on one step.
pub const ACT_SYSTEM: &str = "You are Chamber, a coding agent. Carry out the CURRENT STEP \
of the plan by calling tools. Paths are relative to the project root. Make real changes \
with the tools; do not just describe them. Do only the current step. When it is done, \
reply with a short summary of what you did and call no tool.";

/// The user message that asks for a plan.
pub fn plan_request(task: &Task, context: &str) -> String {
    format!("# Task\n{}\n\n{}", task.prompt.trim(), context)
}

/// The user message that asks for a new plan after a failure.
pub fn replan_request(
    task: &Task,
    context: &str,
    done: &[(String, String)],
    failure: &str,
) -> String {
    let mut text = format!("# Task\n{}\n\n", task.prompt.trim());
    if !done.is_empty() {
        text.push_str("# Already done\n");
        for (title, summary) in done {
            text.push_str(&format!("- {title}: {summary}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "# What failed\n{failure}\n\nPlan ONLY the remaining work, taking another approach \
         where the last one failed.\n\n{context}"
    ));
    text
}

/// The user message that starts work on a step. What stays the same for
/// the whole run comes first (the project context with its instruction
/// files, then the task), what changes from step to step last (the plan's
/// progress marks, what is done, the current step, `focus`), so a server's
/// prompt cache reuses the long common part across steps.
pub fn step_request(
    task: &Task,
    plan: &Plan,
    step: &Step,
    done: &[(String, String)],
    context: &str,
    focus: &str,
) -> String {
    let mut text = String::new();
    if !context.trim().is_empty() {
        text.push_str("# Project\n");
        text.push_str(context.trim_end());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "# Task\n{}\n\n# Plan: {}\n",
        task.prompt.trim(),
        plan.title
    ));
    for (i, s) in plan.steps.iter().enumerate() {
        let mark = if s.id == step.id { "->" } else { "  " };
        text.push_str(&format!("{mark} {}. {}\n", i + 1, s.title));
    }
    if !done.is_empty() {
        text.push_str("\n# Done so far\n");
        for (title, summary) in done {
            text.push_str(&format!("- {title}: {summary}\n"));
        }
    }
    text.push_str(&format!(
        "\n# CURRENT STEP: {}\n{}\n",
        step.title, step.detail
    ));
    if let Some(notes) = &step.notes {
        text.push_str(&format!("Notes: {notes}\n"));
    }
    if !focus.is_empty() {
        text.push('\n');
        text.push_str(focus);
        text.push('\n');
    }
    text
}

/// Feedback when a plan answer could not be used.
pub fn plan_retry(error: &str) -> String {
    format!(
        "That plan could not be used: {error}. Reply with only the JSON object, \
         with a non-empty \"title\" and at least one step."
    )
}

/// Feedback when the model answered with nothing at all.
pub const EMPTY_ANSWER: &str = "Your answer was empty. Call a tool to make progress, or reply with a summary if the step is done.";

/// Feedback when a small model ends an edit step without changing a file.
pub const NOTHING_WRITTEN: &str =
    "This step must change files, but no file was changed yet. Call write_file or edit_file now.";

/// Feedback when a small model ends a command step without running one.
pub const NOTHING_RUN: &str = "This step must run a command, but none ran yet. Call shell now.";

/// Feedback when a small model ends a step without calling any tool.
pub const NOTHING_DONE: &str = "Nothing was done in this step yet. Call a tool to do it.";

/// Feedback when a small model ends a command step whose last command failed.
pub const COMMAND_FAILED: &str =
    "The last command failed. Fix the cause (edit_file), then run it again with shell.";

/// The result a small model gets for repeating its previous call exactly.
pub const REPEATED_CALL: &str = "You made this exact call in your previous turn; its result is above and has not changed. Do the next thing the step needs instead.";
