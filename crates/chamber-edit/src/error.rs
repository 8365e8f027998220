//! The one error type of the edit engine. Its messages are read by the
//! model that wrote the edit: each says what failed, where (file, hunk or
//! block, line numbers) and what to change so that the next attempt works.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::matcher::MatchLevel;

/// The patch formats the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchFormat {
    /// `*** Begin Patch` ... `*** End Patch`.
    ApplyPatch,
    /// `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` blocks.
    SearchReplace,
    /// A unified diff (`---`/`+++`/`@@`), git's flavour included.
    UnifiedDiff,
}

impl fmt::Display for PatchFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatchFormat::ApplyPatch => "apply_patch",
            PatchFormat::SearchReplace => "search/replace",
            PatchFormat::UnifiedDiff => "unified diff",
        })
    }
}

/// What kind of piece of an edit a [`Site`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A hunk of an `apply_patch` or unified diff (numbered within its file).
    Hunk,
    /// A search/replace block (numbered within the whole request).
    Block,
}

/// Where in an edit something went wrong: a file and the 1-based number of
/// the hunk or block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Site {
    /// The file the hunk or block edits, relative to the root.
    pub path: PathBuf,
    /// Whether [`Site::index`] counts hunks or blocks.
    pub unit: Unit,
    /// 1-based number of the hunk or block.
    pub index: usize,
}

impl Site {
    /// The `index`-th hunk of `path`.
    pub fn hunk(path: impl Into<PathBuf>, index: usize) -> Site {
        Site {
            path: path.into(),
            unit: Unit::Hunk,
            index,
        }
    }

    /// The `index`-th search/replace block, which edits `path`.
    pub fn block(path: impl Into<PathBuf>, index: usize) -> Site {
        Site {
            path: path.into(),
            unit: Unit::Block,
            index,
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Hunk => "hunk",
            Unit::Block => "block",
        };
        write!(f, "{}, {unit} {}", self.path.display(), self.index)
    }
}

/// A range of lines of a file, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineSpan {
    /// First line (1-based).
    pub start: usize,
    /// Last line (1-based, inclusive).
    pub end: usize,
}

impl fmt::Display for LineSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "line {}", self.start)
        } else {
            write!(f, "lines {}-{}", self.start, self.end)
        }
    }
}

/// Why an edit could not be planned or written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The patch text does not follow its format.
    #[error("parse error at {format} line {line}: {message}")]
    Parse {
        /// The format being read.
        format: PatchFormat,
        /// 1-based line of the patch text where reading failed.
        line: usize,
        /// What was expected there.
        message: String,
    },
    /// The patch parsed but names no file operation.
    #[error(
        "the {format} contains no file operations, so nothing was changed; \
         include at least one file with its changes"
    )]
    EmptyPatch {
        /// The format that was read.
        format: PatchFormat,
    },
    /// The lines to replace are nowhere in the file, even leniently.
    #[error("{site}: the lines to replace were not found in the file. {}", not_found_help(.closest, .diff))]
    NotFound {
        /// The hunk or block.
        site: Site,
        /// The region of the file most similar to the expected lines.
        closest: Option<LineSpan>,
        /// A unified diff from the expected lines (`-`) to that region (`+`).
        diff: String,
    },
    /// The lines to replace occur in several places.
    #[error(
        "{site}: the lines to replace match {} places (compared {level}); nothing was \
         changed. Add more context lines so the match is unique: candidates at lines {}",
        .candidates.len(), join_lines(.candidates)
    )]
    Ambiguous {
        /// The hunk or block.
        site: Site,
        /// The cascade level at which the candidates were found.
        level: MatchLevel,
        /// 1-based first lines of the candidate places.
        candidates: Vec<usize>,
    },
    /// The `@@ <context>` line of an `apply_patch` hunk is not in the file.
    #[error(
        "{site}: the context line `@@ {anchor}` was not found in the file{}; copy a line \
         that exists (a function or class signature) or drop it and add context lines instead",
        after_line(*.after)
    )]
    AnchorNotFound {
        /// The hunk.
        site: Site,
        /// The context line's text.
        anchor: String,
        /// 1-based line after which it was searched, when not the start.
        after: Option<usize>,
    },
    /// The replacement uses elision markers (`...`) that cannot be mapped
    /// onto those of the search lines.
    #[error(
        "{site}: the search lines contain {search} elision marker(s) (`...`) but the \
         replacement contains {replace}; use the same number in the same order (each keeps \
         the lines it stands for), or none to replace the whole region"
    )]
    ElisionMismatch {
        /// The hunk or block.
        site: Site,
        /// Markers in the search lines.
        search: usize,
        /// Markers in the replacement lines.
        replace: usize,
    },
    /// An edit with no lines to search for, on a file that is not empty.
    #[error(
        "{site}: there are no lines to search for, but the file exists and is not empty; \
         include the lines around the place to change (or write the whole file another way)"
    )]
    EmptySearch {
        /// The hunk or block.
        site: Site,
    },
    /// Two hunks of one file claim overlapping lines.
    #[error(
        "{}: hunks {first} and {second} overlap (both change {span}); merge them into one \
         hunk or make their context lines distinct",
        .path.display()
    )]
    Overlap {
        /// The file.
        path: PathBuf,
        /// 1-based number of the earlier hunk.
        first: usize,
        /// 1-based number of the later hunk.
        second: usize,
        /// The lines both claim.
        span: LineSpan,
    },
    /// The file an operation needs does not exist.
    #[error("cannot {action} {}: the file does not exist{}", .path.display(), missing_hint(.action))]
    FileNotFound {
        /// The file.
        path: PathBuf,
        /// What was attempted ("update", "delete", ...).
        action: &'static str,
    },
    /// A diff creates a file that already exists with other content.
    #[error(
        "cannot create {}: the file already exists; diff against its current content \
         instead of /dev/null",
        .path.display()
    )]
    AlreadyExists {
        /// The file.
        path: PathBuf,
    },
    /// The path names a directory where a file is needed.
    #[error("{} is a directory, not a file; name a file inside it", .path.display())]
    IsDirectory {
        /// The path.
        path: PathBuf,
    },
    /// The file is not UTF-8 text, so it cannot be patched line by line.
    #[error("{} is not UTF-8 text; it cannot be edited with a text patch", .path.display())]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// The path is absolute, escapes the root or is otherwise unusable.
    #[error("invalid path {path:?}: {reason}; use a path relative to the workspace root")]
    InvalidPath {
        /// The path as written.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// What the patch needs is not supported (binary diffs, ...).
    #[error("{}: {what}", .path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is not supported and what to do instead.
        what: String,
    },
    /// A file changed on disk between planning and writing the change.
    #[error(
        "{} changed on disk after the edit was prepared; nothing was written. Re-read the \
         file and make the edit again",
        .path.display()
    )]
    ChangedOnDisk {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done ("read", "write", ...).
        action: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing failed and restoring the previous state failed too.
    #[error(
        "{source}\nrestoring the previous state also failed; check these files by hand: {}",
        join_paths(.paths)
    )]
    RollbackFailed {
        /// The failure that started the rollback.
        source: Box<EditError>,
        /// Files that could not be restored.
        paths: Vec<PathBuf>,
    },
    /// In sequential mode, an operation failed after earlier ones were
    /// written (and kept).
    #[error(
        "{source}\n(the operations before it were applied and kept: {}; fix the failed \
         operation and send only what remains)",
        join_paths(.applied)
    )]
    PartiallyApplied {
        /// Files changed by the operations that succeeded.
        applied: Vec<PathBuf>,
        /// The failure.
        source: Box<EditError>,
    },
}

impl EditError {
    /// An [`EditError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> EditError {
        EditError::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// The error itself, or the failure inside an [`EditError::PartiallyApplied`].
    pub fn root_cause(&self) -> &EditError {
        match self {
            EditError::PartiallyApplied { source, .. } => source.root_cause(),
            other => other,
        }
    }
}

fn not_found_help(closest: &Option<LineSpan>, diff: &str) -> String {
    match closest {
        Some(span) if !diff.is_empty() => format!(
            "The closest region is {span}; diff of expected (-) vs actual (+):\n{diff}\n\
             Copy the lines exactly from the file (re-read it if unsure) and retry."
        ),
        Some(span) => format!(
            "The closest region is {span}. Copy the lines exactly from the file (re-read it \
             if unsure) and retry."
        ),
        None => "The file has no similar region (is it the right file?); re-read it and \
                 retry."
            .to_owned(),
    }
}

fn after_line(after: Option<usize>) -> String {
    after.map_or_else(String::new, |line| format!(" after line {line}"))
}

fn missing_hint(action: &str) -> &'static str {
    match action {
        "update" | "move" => "; check the path, or create the file with an add operation",
        "edit" => "; check the path, or create the file with a block whose search part is empty",
        _ => "; check the path",
    }
}

fn join_lines(lines: &[usize]) -> String {
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
