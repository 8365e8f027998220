//! The messages of a direct-mode attempt. What stays the same comes first
//! (the system prompt, then the task with its documents, tests and files),
//! and each round only appends, so a local server's prompt cache reuses
//! the prefix.

use std::path::Path;

use chamber_verify::{HintLimits, TestRun, hints};

use super::answer::fence_tag;
use super::targets::Focus;

/// The system prompt of direct mode: one job, one output format.
pub const DIRECT_SYSTEM: &str = "You are an expert programmer. You are given a task, the \
project's files that matter for it and its tests. You answer with the complete new content of \
the one file you are asked for, in a single fenced code block, and nothing else. Write working, \
complete code: never leave `pass`, TODO or placeholders. Do not change the tests.";

/// Largest piece of a file shown as context.
const SHOWN_FILE_CAP: usize = 12 * 1024;
/// Characters of raw test output shown when no failure could be parsed.
const OUTPUT_TAIL: usize = 1500;
/// Failures shown with their source line.
const MAX_SOURCE_LINES: usize = 6;

/// The first user message: the task, its documents and instruction files,
/// the tests, the other targets, then the file asked for.
pub fn first_request(
    dir: &Path,
    task: &str,
    instructions: &[(String, String)],
    focus: &Focus,
    target: &str,
) -> String {
    let mut text = format!("{}\n", task.trim());
    for (name, body) in instructions {
        text.push_str(&format!("\nNotes from {name}:\n{}\n", body.trim_end()));
    }
    for doc in &focus.documents {
        if let Some(body) = read_capped(dir, doc) {
            text.push_str(&format!("\nThe document `{doc}`:\n{}\n", body.trim_end()));
        }
    }
    for test in &focus.tests {
        if let Some(body) = read_capped(dir, test) {
            text.push_str(&format!(
                "\nThe tests in `{test}` (they must pass unchanged):\n{}\n",
                fenced(test, &body)
            ));
        }
    }
    for (other, _) in focus.targets.iter().filter(|(p, _)| p != target) {
        if let Some(body) = read_capped(dir, other) {
            text.push_str(&format!(
                "\nThe file `{other}`:\n{}\n",
                fenced(other, &body)
            ));
        }
    }
    match read_capped(dir, target) {
        Some(body) => text.push_str(&format!(
            "\nThe current content of `{target}`:\n{}\n",
            fenced(target, &body)
        )),
        None => text.push_str(&format!("\n`{target}` does not exist yet.\n")),
    }
    text.push_str(&ask_for(target));
    text
}

/// The request for `target` that closes every user message.
pub fn ask_for(target: &str) -> String {
    format!(
        "\nWrite the complete new content of `{target}`. Reply with one ```{} code block holding the whole file, and nothing else.\n",
        fence_tag(ext_of(target))
    )
}

/// The message after a round whose tests failed: what failed, the source
/// line of each failure, and the file to write next.
pub fn feedback(dir: &Path, run: &TestRun, failing: u32, target: &str) -> String {
    let mut text = format!(
        "The tests fail ({failing} failing) with your `{target}`. Command: `{}`\n",
        run.command
    );
    let h = hints(&run.report, HintLimits::default());
    if h.lines.is_empty() {
        let chars: Vec<char> = run.output.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(OUTPUT_TAIL)..]
            .iter()
            .collect();
        text.push_str(&format!("```\n{}\n```\n", tail.trim_end()));
    } else {
        text.push_str(&h.text());
        text.push('\n');
        let mut shown = 0;
        for f in &run.report.failures {
            let (Some(file), Some(line)) = (&f.file, f.line) else {
                continue;
            };
            if shown == MAX_SOURCE_LINES {
                break;
            }
            if let Some(source) = source_line(dir, file, line) {
                text.push_str(&format!("{file}:{line}: {}\n", source.trim()));
                shown += 1;
            }
        }
    }
    text.push_str(&format!(
        "Fix `{target}` so that every test passes.{}",
        ask_for(target)
    ));
    text
}

/// The message after a write the tools refused (a syntax error).
pub fn refused(target: &str, error: &str) -> String {
    format!(
        "`{target}` was not written: {}\nFix it.{}",
        error.trim(),
        ask_for(target)
    )
}

/// A file's extension.
pub fn ext_of(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(_, e)| e)
}

fn fenced(path: &str, body: &str) -> String {
    format!("```{}\n{}\n```", fence_tag(ext_of(path)), body.trim_end())
}

fn read_capped(dir: &Path, path: &str) -> Option<String> {
    let mut text = std::fs::read_to_string(dir.join(path)).ok()?;
    if text.len() > SHOWN_FILE_CAP {
        let mut cut = SHOWN_FILE_CAP;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n[… truncated]");
    }
    Some(text)
}

fn source_line(dir: &Path, file: &str, line: u32) -> Option<String> {
    if file.starts_with('/') || file.split('/').any(|p| p == "..") {
        return None;
    }
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    text.lines()
        .nth(line.checked_sub(1)? as usize)
        .map(str::to_string)
}
