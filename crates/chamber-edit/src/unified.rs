//! Unified diffs (`---`/`+++`/`@@`, git's `diff --git` flavour included),
//! applied tolerantly and safely.
//!
//! Each hunk's old side (context and `-` lines) is the search and its new
//! side (context and `+` lines) the replacement; the matching cascade finds
//! it in the file, so wrong line numbers, whitespace drift and CRLF files
//! do not matter. The header's old start line is only a tie-breaker (see
//! [`crate::matcher`]). A hunk that is not found is retried with up to
//! three context lines dropped from each end (like `patch`'s fuzz), for
//! context the model invented. Hunks of one file are located independently
//! in the original text and applied bottom-up; overlapping hunks are an
//! error. A hunk without any old line can only fill an empty file: there
//! is nothing to anchor it elsewhere.

mod parse;

use std::path::{Path, PathBuf};

use crate::changeset::paths::clean;
use crate::changeset::{ChangeSet, Plan};
use crate::document::Document;
use crate::error::{EditError, PatchFormat, Site};
use crate::matcher::{self, Located, MatchFailure, MatchLevel, MatchOptions};
use crate::splice::{Edit, apply_edits};

use parse::{FilePatch, Hunk, Tag};

/// Most context lines dropped from each end of a hunk that is not found.
const MAX_FUZZ: usize = 3;

/// Parses a unified diff and computes its changes against the tree under
/// `root`, writing nothing.
pub fn plan_unified_diff(root: &Path, text: &str) -> Result<ChangeSet, EditError> {
    let files = parse::parse(text)?;
    if files.is_empty() {
        return Err(EditError::EmptyPatch {
            format: PatchFormat::UnifiedDiff,
        });
    }
    let mut plan = Plan::new(root);
    for file in &files {
        apply_file(&mut plan, file)?;
    }
    Ok(plan.finish())
}

/// Parses `text` as a unified diff without applying it, to check its form.
pub fn check_unified_diff(text: &str) -> Result<(), EditError> {
    parse::parse(text).map(|_| ())
}

/// The paths of a section with git's `a/` and `b/` prefixes removed (when
/// the section uses them).
fn paths(file: &FilePatch) -> (Option<String>, Option<String>) {
    let prefixed =
        |p: &Option<String>, prefix: &str| p.as_deref().is_none_or(|p| p.starts_with(prefix));
    let any = file
        .old_path
        .as_deref()
        .is_some_and(|p| p.starts_with("a/"))
        || file
            .new_path
            .as_deref()
            .is_some_and(|p| p.starts_with("b/"));
    let strip = any && prefixed(&file.old_path, "a/") && prefixed(&file.new_path, "b/");
    let cut = |p: &Option<String>| {
        p.as_deref().map(|p| {
            if strip {
                p.get(2..).unwrap_or(p).to_owned()
            } else {
                p.to_owned()
            }
        })
    };
    (cut(&file.old_path), cut(&file.new_path))
}

fn apply_file(plan: &mut Plan<'_>, file: &FilePatch) -> Result<(), EditError> {
    let (old, new) = paths(file);
    let old = old.map(|p| clean(&p)).transpose()?;
    let new = new.map(|p| clean(&p)).transpose()?;
    let shown = new.clone().or_else(|| old.clone()).unwrap_or_default();
    if file.binary {
        return Err(EditError::Unsupported {
            path: shown,
            what: "binary diffs cannot be applied; write the file another way".to_owned(),
        });
    }
    match (old, new) {
        (None, None) => Err(EditError::Parse {
            format: PatchFormat::UnifiedDiff,
            line: file.line,
            message: "a file section names no path (both sides are /dev/null)".to_owned(),
        }),
        (None, Some(path)) => create(plan, &path, file),
        (Some(path), _) if file.deleted => delete(plan, &path, file),
        (Some(path), None) => delete(plan, &path, file),
        (Some(path), Some(_)) if file.new_file => create(plan, &path, file),
        (Some(path), Some(to)) => update(plan, &path, (to != path).then_some(to), file),
    }
}

fn create(plan: &mut Plan<'_>, path: &Path, file: &FilePatch) -> Result<(), EditError> {
    let lines: Vec<String> = file.hunks.iter().flat_map(Hunk::new_side).collect();
    let mut doc = Document::parse("");
    doc.splice(0, 0, lines);
    doc.set_final_newline(!file.hunks.iter().any(|h| h.new_no_eol));
    let content = doc.render();
    match plan.read(path)? {
        Some(existing) if !existing.is_empty() && existing != content => {
            Err(EditError::AlreadyExists {
                path: path.to_path_buf(),
            })
        }
        _ => plan.add(path, content),
    }
}

fn delete(plan: &mut Plan<'_>, path: &Path, file: &FilePatch) -> Result<(), EditError> {
    let Some(text) = plan.read(path).or_else(|e| match e {
        EditError::NotText { .. } => Ok(Some(String::new())),
        other => Err(other),
    })?
    else {
        return Err(EditError::FileNotFound {
            path: path.to_path_buf(),
            action: "delete",
        });
    };
    let removed: Vec<String> = file.hunks.iter().flat_map(Hunk::old).collect();
    if !removed.is_empty() {
        // The diff must remove what the file holds, not something else.
        let doc = Document::parse(&text);
        let opts = MatchOptions {
            max_level: MatchLevel::Punctuation,
            ..MatchOptions::default()
        };
        let failure = match matcher::locate(doc.lines(), &removed, &[] as &[String], &opts) {
            Ok(found) if found.start == 0 && found.end == doc.lines().len() => None,
            Ok(_) => Some(MatchFailure::NotFound {
                closest: None,
                diff: "(the removed lines are in the file but are not all of it; a deletion \
                       must remove every line)"
                    .to_owned(),
            }),
            Err(failure) => Some(failure),
        };
        if let Some(failure) = failure {
            return Err(failure.into_error(Site::hunk(path, 1)));
        }
    }
    plan.delete(path)
}

fn update(
    plan: &mut Plan<'_>,
    path: &Path,
    move_to: Option<PathBuf>,
    file: &FilePatch,
) -> Result<(), EditError> {
    let Some(text) = plan.read(path)? else {
        return Err(EditError::FileNotFound {
            path: path.to_path_buf(),
            action: "update",
        });
    };
    if file.hunks.is_empty() {
        // A rename, or a mode change this engine has nothing to do for.
        return match move_to {
            Some(_) => plan.update(path, text, move_to.as_deref()),
            None => Ok(()),
        };
    }
    let mut doc = Document::parse(&text);
    let total = doc.lines().len();
    let mut edits = Vec::with_capacity(file.hunks.len());
    let mut final_newline = doc.final_newline();
    for (k, hunk) in file.hunks.iter().enumerate() {
        let site = Site::hunk(path, k + 1);
        let found = locate_hunk(doc.lines(), hunk).map_err(|f| f.into_error(site.clone()))?;
        if found.end == total {
            if hunk.new_no_eol {
                final_newline = false;
            } else if hunk.old_no_eol {
                final_newline = true;
            }
        }
        edits.push(Edit {
            hunk: k + 1,
            start: found.start,
            end: found.end,
            lines: found.replacement,
        });
    }
    apply_edits(&mut doc, edits, path)?;
    doc.set_final_newline(final_newline);
    plan.update(path, doc.render(), move_to.as_deref())
}

/// Locates one hunk: as written, then with trailing blank context lines
/// and up to [`MAX_FUZZ`] context lines at each end dropped.
fn locate_hunk(lines: &[String], hunk: &Hunk) -> Result<Located, MatchFailure> {
    let old = hunk.old();
    let new = hunk.new_side();
    if old.is_empty() {
        if lines.is_empty() {
            return Ok(Located {
                start: 0,
                end: 0,
                level: MatchLevel::Exact,
                score: 1.0,
                replacement: new,
            });
        }
        return Err(MatchFailure::EmptySearch);
    }
    let opts = MatchOptions {
        hint: hunk.old_start.filter(|&n| n > 0),
        ..MatchOptions::default()
    };
    let first = match matcher::locate(lines, &old, &new, &opts) {
        Ok(found) => return Ok(found),
        Err(failure @ MatchFailure::NotFound { .. }) => failure,
        Err(other) => return Err(other),
    };
    let lead = hunk
        .lines
        .iter()
        .take_while(|(t, _)| *t == Tag::Context)
        .count();
    let trail = hunk
        .lines
        .iter()
        .rev()
        .take_while(|(t, _)| *t == Tag::Context)
        .count();
    for fuzz in 1..=MAX_FUZZ {
        if fuzz > lead.max(trail) {
            break;
        }
        let (drop_lead, drop_trail) = (fuzz.min(lead), fuzz.min(trail));
        if drop_lead + drop_trail >= hunk.lines.len() {
            break;
        }
        let kept = &hunk.lines[drop_lead..hunk.lines.len() - drop_trail];
        let trimmed = Hunk {
            lines: kept.to_vec(),
            ..Hunk::default()
        };
        let (old, new) = (trimmed.old(), trimmed.new_side());
        if old.is_empty() {
            break;
        }
        let hint = opts.hint.map(|h| h + drop_lead);
        let fuzzed = MatchOptions {
            hint,
            ..opts.clone()
        };
        match matcher::locate(lines, &old, &new, &fuzzed) {
            Ok(found) => return Ok(found),
            Err(MatchFailure::NotFound { .. }) => {}
            Err(_) => break,
        }
    }
    Err(first)
}

#[cfg(test)]
mod tests;
