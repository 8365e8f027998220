//! `read_file`, `write_file` and `delete_file`: the plain file tools.

use std::io;

use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::atomic::write_atomic;
use crate::context::ToolContext;
use crate::paths::resolve;
use crate::result::{changed, failed, looks_binary, success};
use crate::specs::ToolArgs;

/// Most lines `read_file` returns in one call.
const MAX_LINES: usize = 2000;
/// Longest line `read_file` shows in full.
const MAX_LINE_CHARS: usize = 2000;

/// Arguments of `read_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadFileArgs {
    /// File to read, relative to the workspace root.
    pub path: String,
    /// First line to show, 1-based (default 1).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub start_line: Option<u64>,
    /// Last line to show, inclusive (default: 2000 lines after start_line).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub end_line: Option<u64>,
}

impl ToolArgs for ReadFileArgs {
    fn check(&self) -> Result<(), String> {
        if self.start_line == Some(0) {
            return Err("start_line is 1-based; use 1 for the first line".into());
        }
        if self.end_line == Some(0) {
            return Err("end_line is 1-based; use 1 for the first line".into());
        }
        if let (Some(s), Some(e)) = (self.start_line, self.end_line)
            && e < s
        {
            return Err(format!("end_line {e} is before start_line {s}"));
        }
        Ok(())
    }
}

/// Arguments of `write_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WriteFileArgs {
    /// File to create or overwrite, relative to the workspace root.
    pub path: String,
    /// The complete new content of the file.
    pub content: String,
}

impl ToolArgs for WriteFileArgs {}

/// Arguments of `delete_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteFileArgs {
    /// File to delete, relative to the workspace root.
    pub path: String,
}

impl ToolArgs for DeleteFileArgs {}

/// The error for a missing file, pointing the model at `list_files`.
pub(crate) fn not_found(path: &str) -> String {
    format!("file \"{path}\" does not exist; use list_files to see which files exist")
}

/// Reads a text file the tools may change, with errors written for the model.
pub(crate) async fn read_text(path: &std::path::Path, shown: &str) -> Result<String, String> {
    match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_dir() => {
            return Err(format!(
                "\"{shown}\" is a directory, not a file; use list_files to see its contents"
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(not_found(shown)),
        Err(e) => return Err(format!("cannot read \"{shown}\": {e}")),
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read \"{shown}\": {e}"))?;
    if looks_binary(&bytes) {
        return Err(format!(
            "\"{shown}\" is a binary file ({} bytes); it cannot be shown or edited as text",
            bytes.len()
        ));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Runs `read_file`.
pub(crate) async fn read_file(ctx: &ToolContext, args: ReadFileArgs) -> ToolResult {
    let resolved = match resolve(&ctx.root, &args.path) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let text = match read_text(&resolved.target, &args.path).await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    if total == 0 {
        return success(format!("[\"{}\" is empty]", args.path));
    }
    let start = usize::try_from(args.start_line.unwrap_or(1)).unwrap_or(usize::MAX);
    if start > total {
        return failed(format!(
            "start_line {start} is past the end of \"{}\", which has {total} lines",
            args.path
        ));
    }
    let wanted_end = args
        .end_line
        .map(|e| usize::try_from(e).unwrap_or(usize::MAX))
        .unwrap_or(usize::MAX)
        .min(total);
    let end = wanted_end.min(start + MAX_LINES - 1);
    let mut out = String::new();
    for (n, line) in lines[start - 1..end].iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let shown = cap_line(line);
        out.push_str(&format!("{:>6}\t{shown}\n", start + n));
    }
    if end < wanted_end {
        out.push_str(&format!(
            "[showing lines {start}-{end} of {total}; call read_file with start_line={} to read further]\n",
            end + 1
        ));
    }
    success(out)
}

/// A line cut to `MAX_LINE_CHARS` characters, with a note when cut.
fn cap_line(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        None => line.to_string(),
        Some((cut, _)) => {
            format!(
                "{}… [line truncated; {} characters in all]",
                &line[..cut],
                line.chars().count()
            )
        }
    }
}

/// Content wrapped whole in one Markdown code fence (```` ```python … ``` ````)
/// loses the fence: models, small ones above all, often send file content
/// that way. Markdown files, and content with anything outside the fence,
/// are written as given.
pub(crate) fn strip_code_fence<'a>(path: &str, content: &'a str) -> std::borrow::Cow<'a, str> {
    let markdown = [".md", ".markdown", ".mdx", ".rst", ".txt"]
        .iter()
        .any(|ext| path.to_ascii_lowercase().ends_with(ext));
    let trimmed = content.trim();
    if markdown || !trimmed.starts_with("```") || !trimmed.ends_with("```") || trimmed.len() < 6 {
        return content.into();
    }
    let inner = &trimmed[3..trimmed.len() - 3];
    let Some((info, body)) = inner.split_once('\n') else {
        return content.into();
    };
    if info.contains(char::is_whitespace) || body.contains("\n```") {
        return content.into();
    }
    let mut body = body.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    body.into()
}

/// Runs `write_file`.
pub(crate) async fn write_file(ctx: &ToolContext, args: WriteFileArgs) -> ToolResult {
    let resolved = match resolve(&ctx.root, &args.path) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    if resolved.rel == "."
        || tokio::fs::metadata(&resolved.target)
            .await
            .is_ok_and(|m| m.is_dir())
    {
        return failed(format!(
            "\"{}\" is a directory; write_file needs a file path such as \"{}/name.ext\"",
            args.path,
            args.path.trim_end_matches('/')
        ));
    }
    let target = resolved.target.clone();
    let content = strip_code_fence(&resolved.rel, &args.content);
    let existing = tokio::fs::read(&target).await.ok();
    if existing.as_deref() == Some(content.as_bytes()) {
        return failed(format!(
            "\"{}\" already has exactly this content; nothing changed. Write the new content, or use edit_file for a small change",
            args.path
        ));
    }
    if ctx.syntax_check {
        let before = existing
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok());
        if let Err(e) =
            chamber_edit::syntax::check_edit(std::path::Path::new(&resolved.rel), before, &content)
        {
            return failed(e.to_string());
        }
    }
    let bytes = content.as_bytes().to_vec();
    if let Err(e) = ctx.before_change(&target, Some(&bytes)).await {
        return failed(e);
    }
    let written = tokio::task::spawn_blocking(move || write_atomic(&target, &bytes)).await;
    match written {
        Ok(Ok(())) => changed(
            format!(
                "wrote {} ({} lines, {} bytes)",
                resolved.rel,
                content.lines().count(),
                content.len()
            ),
            vec![resolved.rel],
        ),
        Ok(Err(e)) => failed(format!("cannot write \"{}\": {e}", args.path)),
        Err(e) => failed(format!("cannot write \"{}\": {e}", args.path)),
    }
}

/// Runs `delete_file`.
pub(crate) async fn delete_file(ctx: &ToolContext, args: DeleteFileArgs) -> ToolResult {
    let resolved = match resolve(&ctx.root, &args.path) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    // Look at the link itself: deleting a symlink removes the link, not its target.
    match tokio::fs::symlink_metadata(&resolved.link).await {
        Ok(meta) if meta.is_dir() => {
            return failed(format!(
                "\"{}\" is a directory; delete_file removes single files only (use shell to remove a directory)",
                args.path
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return failed(not_found(&args.path)),
        Err(e) => return failed(format!("cannot delete \"{}\": {e}", args.path)),
    }
    if let Err(e) = ctx.before_change(&resolved.link, None).await {
        return failed(e);
    }
    match tokio::fs::remove_file(&resolved.link).await {
        Ok(()) => changed(format!("deleted {}", resolved.rel), vec![resolved.rel]),
        Err(e) => failed(format!("cannot delete \"{}\": {e}", args.path)),
    }
}

#[cfg(test)]
mod fence_tests {
    use super::strip_code_fence;

    #[test]
    fn a_whole_fenced_file_loses_its_fence() {
        let fenced = "```python\ndef greet(name):\n    return 'hi'\n```";
        assert_eq!(
            strip_code_fence("calc.py", fenced),
            "def greet(name):\n    return 'hi'\n"
        );
        assert_eq!(
            strip_code_fence("a.rs", "```\nfn main() {}\n```\n"),
            "fn main() {}\n"
        );
        // Markdown keeps it; so does content with text around or inside fences.
        assert_eq!(strip_code_fence("README.md", fenced), fenced);
        let mixed = "intro\n```\ncode\n```";
        assert_eq!(strip_code_fence("x.py", mixed), mixed);
        let two = "```\na\n```\n```\nb\n```";
        assert_eq!(strip_code_fence("x.py", two), two);
        assert_eq!(strip_code_fence("x.py", "plain"), "plain");
    }
}
