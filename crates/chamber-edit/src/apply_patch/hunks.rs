//! Locating the hunks of one `*** Update File` in the file.
//!
//! Hunks are ordered: each is searched after the end of the previous one,
//! and `@@ <context>` lines move the start further, to just after the first
//! line equal to the context (leniently compared) from there. Within that
//! region the matching cascade must find exactly one place. When it finds
//! several and the hunk has a context line, the one place inside the
//! context line's block (the lines after it that are indented deeper, up to
//! and including the first line that is not) is taken, if there is exactly
//! one there. A hunk not found in its region is searched in the whole file
//! (still uniquely) if it has no context line: models sometimes list hunks
//! out of order, and the overlap check keeps that safe. A hunk whose last lines are blank context
//! is retried without them (the file may simply end there).

use std::path::Path;

use super::parser::Chunk;
use crate::error::{EditError, Site};
use crate::matcher::{self, Located, MatchFailure, MatchOptions, find_line, indent, is_blank};
use crate::splice::Edit;

/// The edits of `chunks` on `lines`.
pub(crate) fn locate_chunks(
    path: &Path,
    lines: &[String],
    chunks: &[Chunk],
) -> Result<Vec<Edit>, EditError> {
    let mut edits = Vec::with_capacity(chunks.len());
    let mut cursor = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        let site = Site::hunk(path, i + 1);
        let mut from = cursor;
        let mut scope = None;
        for anchor in &chunk.anchors {
            let Some(at) = find_line(lines, anchor, from) else {
                let after = (from > 0).then_some(from);
                return Err(EditError::AnchorNotFound {
                    site,
                    anchor: anchor.clone(),
                    after,
                });
            };
            scope = Some(block_of(lines, at));
            from = at + 1;
        }
        if chunk.old.is_empty() {
            // A pure addition goes right after its context line, or at the
            // end of the file.
            let at = if chunk.anchors.is_empty() || chunk.at_eof {
                lines.len()
            } else {
                from
            };
            edits.push(Edit {
                hunk: i + 1,
                start: at,
                end: at,
                lines: chunk.new.clone(),
            });
            cursor = at;
            continue;
        }
        let found = locate_chunk(lines, chunk, from, scope).map_err(|f| f.into_error(site))?;
        cursor = found.end;
        edits.push(Edit {
            hunk: i + 1,
            start: found.start,
            end: found.end,
            lines: found.replacement,
        });
    }
    Ok(edits)
}

/// The lines `(start, end)` a context line at `at` governs: those after it
/// indented deeper, and the first one that is not.
fn block_of(lines: &[String], at: usize) -> (usize, usize) {
    let depth = indent(&lines[at]).chars().count();
    let end = (at + 1..lines.len())
        .find(|&j| !is_blank(&lines[j]) && indent(&lines[j]).chars().count() <= depth)
        .map_or(lines.len(), |j| j + 1);
    (at + 1, end)
}

fn locate_chunk(
    lines: &[String],
    chunk: &Chunk,
    from: usize,
    scope: Option<(usize, usize)>,
) -> Result<Located, MatchFailure> {
    let opts = MatchOptions {
        from,
        at_end: chunk.at_eof,
        ..MatchOptions::default()
    };
    let first = match attempt(lines, &chunk.old, &chunk.new, &opts) {
        Ok(found) => return Ok(found),
        Err(e) => e,
    };
    if let (MatchFailure::Ambiguous { .. }, Some((start, end))) = (&first, scope) {
        let scoped = MatchOptions {
            from: start,
            to: Some(end),
            ..opts.clone()
        };
        if let Ok(found) = attempt(lines, &chunk.old, &chunk.new, &scoped) {
            return Ok(found);
        }
    }
    if matches!(first, MatchFailure::NotFound { .. }) && from > 0 && chunk.anchors.is_empty() {
        let anywhere = MatchOptions { from: 0, ..opts };
        if let Ok(found) = attempt(lines, &chunk.old, &chunk.new, &anywhere) {
            return Ok(found);
        }
    }
    Err(first)
}

/// The cascade, retried without trailing blank context lines when nothing
/// is found.
fn attempt(
    lines: &[String],
    old: &[String],
    new: &[String],
    opts: &MatchOptions,
) -> Result<Located, MatchFailure> {
    let first = match matcher::locate(lines, old, new, opts) {
        Ok(found) => return Ok(found),
        Err(e) => e,
    };
    let blank_tail = |v: &[String]| v.iter().rev().take_while(|l| is_blank(l)).count();
    let common = blank_tail(old).min(blank_tail(new));
    if common == 0 || common == old.len() || !matches!(first, MatchFailure::NotFound { .. }) {
        return Err(first);
    }
    matcher::locate(
        lines,
        &old[..old.len() - common],
        &new[..new.len() - common],
        opts,
    )
    .map_err(|_| first)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn chunk(anchors: &[&str], old: &[&str], new: &[&str]) -> Chunk {
        Chunk {
            anchors: strings(anchors),
            old: strings(old),
            new: strings(new),
            at_eof: false,
        }
    }

    #[test]
    fn anchor_scopes_an_ambiguous_hunk() {
        let file = strings(&[
            "def a():", "    pass", "def b():", "    pass", "def c():", "    pass",
        ]);
        let edits = locate_chunks(
            Path::new("f.py"),
            &file,
            &[chunk(&["def b():"], &["    pass"], &["    return 2"])],
        )
        .unwrap();
        assert_eq!((edits[0].start, edits[0].end), (3, 4));
        let err = locate_chunks(
            Path::new("f.py"),
            &file,
            &[chunk(&[], &["    pass"], &["    return 2"])],
        )
        .unwrap_err();
        assert!(matches!(err, EditError::Ambiguous { .. }), "{err}");
    }

    #[test]
    fn missing_anchor_is_reported() {
        let file = strings(&["a"]);
        let err =
            locate_chunks(Path::new("f"), &file, &[chunk(&["nope"], &["a"], &["b"])]).unwrap_err();
        assert!(err.to_string().contains("`@@ nope` was not found"), "{err}");
    }

    #[test]
    fn hunks_out_of_order_still_apply() {
        let file = strings(&["one", "two", "three"]);
        let chunks = [chunk(&[], &["three"], &["3"]), chunk(&[], &["one"], &["1"])];
        let edits = locate_chunks(Path::new("f"), &file, &chunks).unwrap();
        assert_eq!(edits[1].start, 0);
    }

    #[test]
    fn trailing_blank_context_is_forgiven() {
        let file = strings(&["x", "last"]);
        let edits = locate_chunks(
            Path::new("f"),
            &file,
            &[chunk(&[], &["last", ""], &["LAST", ""])],
        )
        .unwrap();
        assert_eq!(
            (edits[0].start, edits[0].end, edits[0].lines.clone()),
            (1, 2, strings(&["LAST"]))
        );
    }

    #[test]
    fn eof_hunk_must_end_the_file() {
        let file = strings(&["a", "b", "a"]);
        let mut c = chunk(&[], &["a"], &["z"]);
        c.at_eof = true;
        let edits = locate_chunks(Path::new("f"), &file, &[c]).unwrap();
        assert_eq!(edits[0].start, 2);
    }
}
