//! Reading the `apply_patch` format:
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path          (then lines prefixed `+`)
//! *** Delete File: path
//! *** Update File: path
//! *** Move to: path           (optional)
//! @@ [context line]           (one or more; the first may be omitted)
//!  context / -removed / +added
//! *** End of File             (optional: the hunk ends the file)
//! *** End Patch
//! ```
//!
//! Markers and headers are recognised with surrounding whitespace. Before
//! `*** Begin Patch` only blank lines, a heredoc opener (`<<'EOF'`) or a
//! code fence may appear, and after `*** End Patch` only blank lines, the
//! heredoc terminator or a fence; a missing `*** End Patch` is an error (the
//! patch may have been cut off). An empty line inside a hunk is an empty
//! context line, except at the end of the hunk, where it separates.

use crate::document::split_lines;
use crate::error::{EditError, PatchFormat};

/// A parsed patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Patch {
    pub(crate) ops: Vec<Op>,
}

/// One file operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    Add {
        path: String,
        lines: Vec<String>,
    },
    Delete {
        path: String,
    },
    Update {
        path: String,
        move_to: Option<String>,
        chunks: Vec<Chunk>,
    },
}

/// One hunk of an update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// `@@ <line>` context lines, outermost first.
    pub(crate) anchors: Vec<String>,
    /// Context and removed lines.
    pub(crate) old: Vec<String>,
    /// Context and added lines.
    pub(crate) new: Vec<String>,
    /// Whether the hunk must end at the end of the file.
    pub(crate) at_eof: bool,
}

impl Chunk {
    fn has_body(&self) -> bool {
        !self.old.is_empty() || !self.new.is_empty()
    }
}

pub(crate) const BEGIN: &str = "*** Begin Patch";
const END: &str = "*** End Patch";
const ADD: &str = "*** Add File:";
const DELETE: &str = "*** Delete File:";
const UPDATE: &str = "*** Update File:";
const MOVE: &str = "*** Move to:";
const EOF_MARK: &str = "*** End of File";

fn error(line: usize, message: impl Into<String>) -> EditError {
    EditError::Parse {
        format: PatchFormat::ApplyPatch,
        line,
        message: message.into(),
    }
}

/// Parses an `apply_patch` text.
pub(crate) fn parse(text: &str) -> Result<Patch, EditError> {
    let lines = split_lines(text);
    let begin = lines.iter().position(|l| l.trim() == BEGIN);
    let Some(begin) = begin else {
        return Err(error(1, format!("the patch must start with `{BEGIN}`")));
    };
    if let Some(i) = (0..begin).find(|&i| !is_wrapper(&lines[i])) {
        return Err(error(
            i + 1,
            format!("unexpected text before `{BEGIN}`: {:?}", lines[i]),
        ));
    }
    let end = lines
        .iter()
        .rposition(|l| l.trim() == END)
        .filter(|&e| e > begin);
    let Some(end) = end else {
        return Err(error(
            lines.len().max(1),
            format!("missing `{END}` at the end of the patch (was it cut off?)"),
        ));
    };
    if let Some(i) = (end + 1..lines.len()).find(|&i| !is_wrapper(&lines[i])) {
        return Err(error(
            i + 1,
            format!("unexpected text after `{END}`: {:?}", lines[i]),
        ));
    }
    let mut reader = Reader {
        lines: &lines,
        pos: begin + 1,
        end,
    };
    let mut ops = Vec::new();
    while reader.pos < end {
        let line = lines[reader.pos].trim();
        let number = reader.pos + 1;
        if line.is_empty() {
            reader.pos += 1;
        } else if let Some(path) = header_path(line, ADD, number)? {
            reader.pos += 1;
            ops.push(Op::Add {
                path,
                lines: reader.add_lines()?,
            });
        } else if let Some(path) = header_path(line, DELETE, number)? {
            reader.pos += 1;
            ops.push(Op::Delete { path });
        } else if let Some(path) = header_path(line, UPDATE, number)? {
            reader.pos += 1;
            let move_to = match reader.peek_trimmed() {
                Some(next) => header_path(next, MOVE, reader.pos + 1)?,
                None => None,
            };
            if move_to.is_some() {
                reader.pos += 1;
            }
            let chunks = reader.chunks()?;
            if chunks.is_empty() {
                return Err(error(
                    number,
                    format!(
                        "`{UPDATE} {path}` has no hunks; add `@@` hunks with the lines to change"
                    ),
                ));
            }
            ops.push(Op::Update {
                path,
                move_to,
                chunks,
            });
        } else {
            return Err(error(number, unexpected(line)));
        }
    }
    Ok(Patch { ops })
}

fn unexpected(line: &str) -> String {
    if line.starts_with("***") {
        format!(
            "unknown operation {line:?}; expected `{ADD} <path>`, `{DELETE} <path>`, \
             `{UPDATE} <path>` or `{END}`"
        )
    } else {
        format!("expected a file operation (`{ADD}`, `{DELETE}`, `{UPDATE}`), got {line:?}")
    }
}

/// Lines allowed around the patch: blank, heredoc markers, code fences.
fn is_wrapper(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.contains("<<") || t.starts_with("```") || t.trim_matches(['\'', '"']) == "EOF"
}

/// The path after `marker`, if `line` is that header.
fn header_path(line: &str, marker: &str, number: usize) -> Result<Option<String>, EditError> {
    let Some(rest) = line.strip_prefix(marker) else {
        return Ok(None);
    };
    let path = rest.trim();
    if path.is_empty() {
        return Err(error(number, format!("`{marker}` needs a path")));
    }
    Ok(Some(path.to_owned()))
}

fn is_header(line: &str) -> bool {
    let t = line.trim();
    t == END || [ADD, DELETE, UPDATE].iter().any(|m| t.starts_with(m))
}

struct Reader<'a> {
    lines: &'a [String],
    pos: usize,
    end: usize,
}

impl Reader<'_> {
    fn peek_trimmed(&self) -> Option<&str> {
        (self.pos < self.end).then(|| self.lines[self.pos].trim())
    }

    /// The `+` lines of an added file.
    fn add_lines(&mut self) -> Result<Vec<String>, EditError> {
        let mut out = Vec::new();
        let mut blanks = 0;
        while self.pos < self.end && !is_header(&self.lines[self.pos]) {
            let line = &self.lines[self.pos];
            if let Some(content) = line.strip_prefix('+') {
                out.extend(std::iter::repeat_n(String::new(), blanks));
                blanks = 0;
                out.push(content.to_owned());
            } else if line.trim().is_empty() {
                blanks += 1;
            } else {
                return Err(error(
                    self.pos + 1,
                    format!("every line of an added file must start with `+`, got {line:?}"),
                ));
            }
            self.pos += 1;
        }
        Ok(out)
    }

    /// The hunks of an update, up to the next operation.
    fn chunks(&mut self) -> Result<Vec<Chunk>, EditError> {
        let mut chunks = Vec::new();
        let mut current = Chunk::default();
        let mut header_line = self.pos + 1;
        let mut blanks: Vec<usize> = Vec::new();
        while self.pos < self.end && !is_header(&self.lines[self.pos]) {
            let line = &self.lines[self.pos];
            let trimmed = line.trim();
            let number = self.pos + 1;
            self.pos += 1;
            if let Some(rest) = trimmed.strip_prefix("@@") {
                if current.has_body() {
                    chunks.push(std::mem::take(&mut current));
                    blanks.clear();
                }
                if current.anchors.is_empty() {
                    header_line = number;
                }
                let anchor = rest.trim();
                if !anchor.is_empty() {
                    current.anchors.push(anchor.to_owned());
                }
                continue;
            }
            if trimmed == EOF_MARK {
                if !current.has_body() {
                    return Err(error(
                        number,
                        format!("`{EOF_MARK}` must follow the lines of a hunk"),
                    ));
                }
                current.at_eof = true;
                chunks.push(std::mem::take(&mut current));
                blanks.clear();
                continue;
            }
            if line.is_empty() {
                blanks.push(number);
                continue;
            }
            for _ in blanks.drain(..) {
                current.old.push(String::new());
                current.new.push(String::new());
            }
            let mut chars = line.chars();
            let tag = chars.next();
            let rest = chars.as_str();
            match tag {
                Some(' ') => {
                    current.old.push(rest.to_owned());
                    current.new.push(rest.to_owned());
                }
                Some('-') => current.old.push(rest.to_owned()),
                Some('+') => current.new.push(rest.to_owned()),
                _ => {
                    return Err(error(
                        number,
                        format!(
                            "unexpected line in a hunk: {line:?}; every hunk line must start \
                             with ' ' (context), '-' (removed) or '+' (added)"
                        ),
                    ));
                }
            }
        }
        if current.has_body() {
            chunks.push(current);
        } else if !current.anchors.is_empty() {
            return Err(error(header_line, "a hunk has a `@@` header but no lines"));
        }
        Ok(chunks)
    }
}

#[cfg(test)]
mod tests;
