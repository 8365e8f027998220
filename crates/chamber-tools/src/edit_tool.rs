//! `edit_file`: exact search-and-replace, with hints that help a model fix a
//! near miss instead of guessing.

use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::atomic::write_atomic;
use crate::context::ToolContext;
use crate::fs_tools::read_text;
use crate::patch_tools::{EditItem, MultiEditArgs, PatchOp, patch_edit};
use crate::paths::resolve;
use crate::result::{changed, failed};
use crate::specs::ToolArgs;

/// Arguments of `edit_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditFileArgs {
    /// File to edit, relative to the workspace root.
    pub path: String,
    /// Exact text to replace, including whitespace and indentation; it must occur exactly once unless replace_all is true.
    pub old_string: String,
    /// Text to put in its place.
    pub new_string: String,
    /// Replace every occurrence instead of requiring exactly one (default false).
    #[serde(default)]
    pub replace_all: Option<bool>,
}

impl ToolArgs for EditFileArgs {
    fn check(&self) -> Result<(), String> {
        if self.old_string.is_empty() {
            return Err(
                "old_string is empty; to create or overwrite a whole file use write_file".into(),
            );
        }
        if self.old_string == self.new_string {
            return Err("old_string and new_string are identical; nothing would change".into());
        }
        Ok(())
    }
}

/// Runs `edit_file`.
pub(crate) async fn edit_file(ctx: &ToolContext, args: EditFileArgs) -> ToolResult {
    let resolved = match resolve(&ctx.root, &args.path) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let text = match read_text(&resolved.target, &args.path).await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let replace_all = args.replace_all.unwrap_or(false);
    let (old, new) = match pick_line_endings(&text, &args.old_string, &args.new_string) {
        Some(pair) => pair,
        // Not there verbatim: the matching cascade (whitespace, indentation,
        // punctuation, elision, fuzzy) finds the one place or explains why not.
        None if !replace_all => {
            let op = PatchOp::MultiEdit(MultiEditArgs {
                edits: vec![EditItem {
                    path: args.path,
                    old_string: args.old_string,
                    new_string: args.new_string,
                }],
            });
            return patch_edit(ctx, op).await;
        }
        None => return failed(not_found_message(&args.path, &text, &args.old_string)),
    };
    let starts: Vec<usize> = text.match_indices(old.as_str()).map(|(i, _)| i).collect();
    if starts.len() > 1 && !replace_all {
        let lines: Vec<String> = starts
            .iter()
            .map(|i| line_of(&text, *i).to_string())
            .collect();
        return failed(format!(
            "old_string matches {} times in \"{}\" (at lines {}); include more surrounding lines in old_string so it matches exactly once, or set replace_all to true",
            starts.len(),
            args.path,
            lines.join(", ")
        ));
    }
    let updated = if replace_all {
        text.replace(&old, &new)
    } else {
        text.replacen(&old, &new, 1)
    };
    if ctx.syntax_check
        && let Err(e) = chamber_edit::syntax::check_edit(
            std::path::Path::new(&resolved.rel),
            Some(&text),
            &updated,
        )
    {
        return failed(e.to_string());
    }
    let target = resolved.target.clone();
    let bytes = updated.into_bytes();
    if let Err(e) = ctx.before_change(&target, Some(&bytes)).await {
        return failed(e);
    }
    match tokio::task::spawn_blocking(move || write_atomic(&target, &bytes)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return failed(format!("cannot write \"{}\": {e}", args.path)),
        Err(e) => return failed(format!("cannot write \"{}\": {e}", args.path)),
    }
    // Line numbers after the edit: each earlier replacement shifts later ones.
    let delta = new.matches('\n').count() as isize - old.matches('\n').count() as isize;
    let new_lines = new.matches('\n').count();
    let spans: Vec<String> = starts
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let first = (line_of(&text, *i) as isize + delta * k as isize).max(1) as usize;
            let last = first + new_lines;
            if last > first {
                format!("{first}-{last}")
            } else {
                first.to_string()
            }
        })
        .collect();
    let noun = if starts.len() == 1 {
        "occurrence"
    } else {
        "occurrences"
    };
    changed(
        format!(
            "edited {}: replaced {} {noun} (now at line {})",
            resolved.rel,
            starts.len(),
            spans.join(", ")
        ),
        vec![resolved.rel],
    )
}

/// The strings to use, adapting `\n` to `\r\n` for files with Windows line
/// endings; `None` when old_string does not occur either way.
fn pick_line_endings(text: &str, old: &str, new: &str) -> Option<(String, String)> {
    if text.contains(old) {
        return Some((old.to_string(), new.to_string()));
    }
    if text.contains("\r\n") && old.contains('\n') && !old.contains("\r\n") {
        let crlf_old = old.replace('\n', "\r\n");
        if text.contains(&crlf_old) {
            return Some((crlf_old, new.replace("\r\n", "\n").replace('\n', "\r\n")));
        }
    }
    None
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The error for zero matches, with the most useful hint we can find.
fn not_found_message(path: &str, text: &str, old: &str) -> String {
    let mut msg = format!("old_string was not found in \"{path}\"");
    if let Some(line) = whitespace_insensitive_match(text, old) {
        msg.push_str(&format!(
            "; text that differs only in whitespace or indentation starts at line {line}. Copy the exact text (use read_file to see it) and try again"
        ));
        return msg;
    }
    let first = old
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let hits: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !first.is_empty() && l.contains(first))
        .map(|(n, _)| (n + 1).to_string())
        .take(5)
        .collect();
    if hits.is_empty() {
        msg.push_str(&format!(
            "; even its first line, \"{}\", does not appear. Use read_file to see the current content",
            shorten(first)
        ));
    } else {
        msg.push_str(&format!(
            "; its first line, \"{}\", appears at line {}, but the lines after it differ. Use read_file to see the current content",
            shorten(first),
            hits.join(", ")
        ));
    }
    msg
}

/// The line where a whitespace-insensitive match of `old` starts, if any.
fn whitespace_insensitive_match(text: &str, old: &str) -> Option<usize> {
    let wanted: Vec<String> = old
        .lines()
        .map(collapse)
        .skip_while(|l| l.is_empty())
        .collect::<Vec<_>>();
    let wanted: Vec<&String> = {
        let end = wanted.iter().rposition(|l| !l.is_empty())? + 1;
        wanted[..end].iter().collect()
    };
    let have: Vec<String> = text.lines().map(collapse).collect();
    if wanted.len() == 1 {
        // One line: it may be part of a longer line.
        return have
            .iter()
            .position(|l| l.contains(wanted[0].as_str()))
            .map(|i| i + 1);
    }
    have.windows(wanted.len())
        .position(|w| w.iter().zip(&wanted).all(|(a, b)| a == *b))
        .map(|i| i + 1)
}

/// A line with runs of whitespace collapsed to one space and ends trimmed.
fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A snippet short enough to quote in an error.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_hint_finds_reindented_block() {
        let text = "a\n    fn x() {\n        1\n    }\n";
        assert_eq!(
            whitespace_insensitive_match(text, "fn x() {\n  1\n}"),
            Some(2)
        );
        assert_eq!(whitespace_insensitive_match(text, "fn y()"), None);
    }

    #[test]
    fn crlf_files_accept_lf_old_string() {
        let (old, new) = pick_line_endings("a\r\nb\r\n", "a\nb", "c\nd").unwrap();
        assert_eq!(old, "a\r\nb");
        assert_eq!(new, "c\r\nd");
    }
}
