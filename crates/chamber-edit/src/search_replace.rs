//! Search/replace blocks: "replace these lines of this file with those".
//!
//! Blocks come structured ([`SearchReplace`], e.g. from a tool call's JSON)
//! or as text in the classic block syntax ([`parse_search_replace`]). They
//! are planned in order, each against the file as the blocks before it left
//! it, and each through the matching cascade:
//! - an empty search on a file that does not exist creates it (on an
//!   existing empty file it fills it; on a non-empty one it is refused);
//! - the cascade runs up to the elision level; if that finds nothing, a
//!   search that is an exact substring of the file, once, is replaced as
//!   such (searches that start or end mid-line); only then is the fuzzy
//!   level tried, so a fuzzy whole-line match never wins over an exact
//!   mid-line one.

pub(crate) mod parse;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::changeset::paths::clean;
use crate::changeset::{ChangeSet, Plan};
use crate::document::{Document, split_lines};
use crate::error::{EditError, PatchFormat, Site};
use crate::matcher::{self, MatchFailure, MatchLevel, MatchOptions};

pub use parse::parse_search_replace;

/// One search/replace block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchReplace {
    /// The file, relative to the root.
    pub path: PathBuf,
    /// The lines to find (empty: create the file).
    pub search: String,
    /// The lines to put in their place.
    pub replace: String,
}

/// Computes the changes of `blocks` against the tree under `root`, writing
/// nothing.
pub fn plan_search_replace(root: &Path, blocks: &[SearchReplace]) -> Result<ChangeSet, EditError> {
    if blocks.is_empty() {
        return Err(EditError::EmptyPatch {
            format: PatchFormat::SearchReplace,
        });
    }
    let mut plan = Plan::new(root);
    for (i, block) in blocks.iter().enumerate() {
        let path = clean(&block.path.to_string_lossy())?;
        let site = Site::block(&path, i + 1);
        let empty_search = block.search.trim().is_empty();
        match plan.read(&path)? {
            None if empty_search => plan.add(&path, whole_file(&block.replace))?,
            None => {
                return Err(EditError::FileNotFound {
                    path,
                    action: "edit",
                });
            }
            Some(text) if empty_search => {
                if !text.trim().is_empty() {
                    return Err(EditError::EmptySearch { site });
                }
                plan.update(&path, whole_file(&block.replace), None)?;
            }
            Some(text) => {
                let new = replace_in(&text, block).map_err(|f| f.into_error(site))?;
                plan.update(&path, new, None)?;
            }
        }
    }
    Ok(plan.finish())
}

/// Text written as a whole file: ends with a newline unless empty.
fn whole_file(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// `text` with the block applied.
fn replace_in(text: &str, block: &SearchReplace) -> Result<String, MatchFailure> {
    let mut doc = Document::parse(text);
    let search = split_lines(&block.search);
    let replace = split_lines(&block.replace);
    let strict = MatchOptions {
        max_level: MatchLevel::Elision,
        ..MatchOptions::default()
    };
    let failure = match matcher::locate(doc.lines(), &search, &replace, &strict) {
        Ok(found) => {
            doc.splice(found.start, found.end, found.replacement);
            return Ok(doc.render());
        }
        Err(failure @ MatchFailure::NotFound { .. }) => failure,
        Err(other) => return Err(other),
    };
    if let Some(result) = substring(text, &block.search, &block.replace)? {
        return Ok(result);
    }
    match matcher::locate(doc.lines(), &search, &replace, &MatchOptions::default()) {
        Ok(found) => {
            doc.splice(found.start, found.end, found.replacement);
            Ok(doc.render())
        }
        Err(MatchFailure::NotFound { .. }) => Err(failure),
        Err(other) => Err(other),
    }
}

/// Replaces the one exact occurrence of `search` in `text` (with the
/// file's CRLF terminators if it uses them); `None` when there is none,
/// ambiguous when there are several.
fn substring(text: &str, search: &str, replace: &str) -> Result<Option<String>, MatchFailure> {
    // The replacement ends like the search does, so that lines do not merge.
    let replace = match (search.ends_with('\n'), replace.ends_with('\n')) {
        (true, false) if !replace.is_empty() => format!("{replace}\n"),
        (false, true) => replace
            .strip_suffix("\r\n")
            .or_else(|| replace.strip_suffix('\n'))
            .unwrap_or(replace)
            .to_owned(),
        _ => replace.to_owned(),
    };
    let crlf = text.contains("\r\n") && !search.contains("\r\n");
    let (search, replace) = if crlf {
        (search.replace('\n', "\r\n"), replace.replace('\n', "\r\n"))
    } else {
        (search.to_owned(), replace)
    };
    if search.trim().is_empty() {
        return Ok(None);
    }
    let starts: Vec<usize> = text
        .match_indices(search.as_str())
        .map(|(i, _)| i)
        .collect();
    match starts[..] {
        [] => Ok(None),
        [at] => {
            let mut out = String::with_capacity(text.len() + replace.len());
            out.push_str(&text[..at]);
            out.push_str(&replace);
            out.push_str(&text[at + search.len()..]);
            Ok(Some(out))
        }
        _ => {
            let line_of = |at: usize| text[..at].matches('\n').count() + 1;
            let candidates = starts.into_iter().map(line_of).collect();
            Err(MatchFailure::Ambiguous {
                level: MatchLevel::Exact,
                candidates,
            })
        }
    }
}

#[cfg(test)]
mod tests;
