//! The text form of search/replace blocks:
//!
//! ```text
//! path/to/file.py
//! <<<<<<< SEARCH
//! lines to find
//! =======
//! lines to put instead
//! >>>>>>> REPLACE
//! ```
//!
//! Markers may carry surrounding whitespace and use five or more `<`, `=`
//! or `>` (the words are case-insensitive). The path is the nearest
//! non-blank line before the `SEARCH` marker, skipping code fences and
//! markdown decoration (`**`, backticks, `#`, a trailing `:`); when there
//! is none, or it reads like prose (it contains whitespace) and an earlier
//! block named a file, the block edits the previous block's file.

use std::path::PathBuf;

use super::SearchReplace;
use crate::document::split_lines;
use crate::error::{EditError, PatchFormat};

fn error(line: usize, message: impl Into<String>) -> EditError {
    EditError::Parse {
        format: PatchFormat::SearchReplace,
        line,
        message: message.into(),
    }
}

fn is_marker(line: &str, ch: char, word: &str) -> bool {
    let t = line.trim();
    let body = t.trim_start_matches(ch);
    t.len() - body.len() >= 5 && body.trim().eq_ignore_ascii_case(word)
}

pub(crate) fn is_search(line: &str) -> bool {
    is_marker(line, '<', "SEARCH")
}

fn is_divider(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 5 && t.chars().all(|c| c == '=')
}

fn is_replace(line: &str) -> bool {
    is_marker(line, '>', "REPLACE")
}

/// Parses search/replace blocks written as text.
pub fn parse_search_replace(text: &str) -> Result<Vec<SearchReplace>, EditError> {
    let lines = split_lines(text);
    let mut blocks = Vec::new();
    let mut previous: Option<String> = None;
    let mut since = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if is_replace(line) {
            return Err(error(
                i + 1,
                format!(
                    "{:?} without a `<<<<<<< SEARCH` line before it",
                    line.trim()
                ),
            ));
        }
        if !is_search(line) {
            i += 1;
            continue;
        }
        let path = match (path_before(&lines[since..i]), &previous) {
            (Some(p), Some(prev)) if p.chars().any(char::is_whitespace) => prev.clone(),
            (Some(p), _) => p,
            (None, Some(prev)) => prev.clone(),
            (None, None) => {
                return Err(error(
                    i + 1,
                    "no file path before `<<<<<<< SEARCH`; put the file's path on the line above it",
                ));
            }
        };
        let opened = i + 1;
        let (search, after_search) = section(&lines, i + 1, is_divider, opened, "=======")?;
        let (replace, after_replace) = section(
            &lines,
            after_search + 1,
            is_replace,
            opened,
            ">>>>>>> REPLACE",
        )?;
        blocks.push(SearchReplace {
            path: PathBuf::from(&path),
            search,
            replace,
        });
        previous = Some(path);
        i = after_replace + 1;
        since = i;
    }
    if blocks.is_empty() {
        return Err(EditError::EmptyPatch {
            format: PatchFormat::SearchReplace,
        });
    }
    Ok(blocks)
}

/// The lines from `start` up to the first line where `end` holds, joined
/// as text, and that line's index.
fn section(
    lines: &[String],
    start: usize,
    end: fn(&str) -> bool,
    opened: usize,
    wanted: &str,
) -> Result<(String, usize), EditError> {
    let mut text = String::new();
    for (j, line) in lines.iter().enumerate().skip(start) {
        if end(line) {
            return Ok((text, j));
        }
        if is_search(line) || (wanted == "=======" && is_replace(line)) {
            return Err(error(
                j + 1,
                format!("the block opened at line {opened} has no `{wanted}` line before this one"),
            ));
        }
        text.push_str(line);
        text.push('\n');
    }
    Err(error(
        lines.len().max(1),
        format!(
            "the block opened at line {opened} is not closed: `{wanted}` is missing (was it cut off?)"
        ),
    ))
}

/// The path named on the nearest meaningful line of `lines` (which precede
/// a `SEARCH` marker).
fn path_before(lines: &[String]) -> Option<String> {
    let line = lines
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("```"))?;
    let path = line
        .trim_start_matches('#')
        .trim()
        .trim_matches(|c| c == '*' || c == '`')
        .trim_end_matches(':')
        .trim_matches(|c| c == '*' || c == '`')
        .trim();
    (!path.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_for_several_files() {
        let text = "src/a.rs\n```rust\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n```\n\n\
                    <<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\
                    **b.txt**\n<<<<<<< SEARCH\n=======\nhello\n>>>>>>> REPLACE\n";
        let blocks = parse_search_replace(text).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(
            blocks[0],
            SearchReplace {
                path: "src/a.rs".into(),
                search: "old\n".into(),
                replace: "new\n".into()
            }
        );
        assert_eq!(
            blocks[1].path,
            PathBuf::from("src/a.rs"),
            "path omitted: same file"
        );
        assert_eq!(blocks[2].path, PathBuf::from("b.txt"));
        assert_eq!(blocks[2].search, "");
    }

    #[test]
    fn tolerates_padded_markers_and_crlf() {
        let text = "f.txt\r\n  <<<<<<< search  \r\na\r\n ======= \r\nb\r\n>>>>>>>   REPLACE\r\n";
        let blocks = parse_search_replace(text).unwrap();
        assert_eq!(
            (blocks[0].search.as_str(), blocks[0].replace.as_str()),
            ("a\n", "b\n")
        );
    }

    #[test]
    fn prose_between_blocks_keeps_the_previous_file() {
        let text = "f.txt\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\nThen change this too:\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n";
        let blocks = parse_search_replace(text).unwrap();
        assert_eq!(blocks[1].path, PathBuf::from("f.txt"));
    }

    #[test]
    fn reports_unclosed_and_missing_path() {
        let err = parse_search_replace("f\n<<<<<<< SEARCH\na\n=======\nb\n").unwrap_err();
        assert!(
            err.to_string().contains(">>>>>>> REPLACE` is missing"),
            "{err}"
        );
        let err =
            parse_search_replace("<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n").unwrap_err();
        assert!(err.to_string().contains("no file path"), "{err}");
        let err = parse_search_replace("f\n<<<<<<< SEARCH\na\n>>>>>>> REPLACE\n").unwrap_err();
        assert!(err.to_string().contains("line 4"), "{err}");
        assert!(matches!(
            parse_search_replace("nothing here"),
            Err(EditError::EmptyPatch { .. })
        ));
    }
}
