//! Applying the located hunks of one file: checked for overlaps, then
//! spliced in from the bottom up so that earlier line numbers stay valid.

use std::path::Path;

use crate::document::Document;
use crate::error::{EditError, LineSpan};

/// Lines `start..end` (0-based, of the original file) become `lines`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    /// 1-based number of the hunk or block that produced it.
    pub(crate) hunk: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) lines: Vec<String>,
}

/// Applies `edits` (all located against the current `doc`) to `doc`.
/// Two edits that claim a common line are refused; insertions at the same
/// place keep their hunk order.
pub(crate) fn apply_edits(
    doc: &mut Document,
    mut edits: Vec<Edit>,
    path: &Path,
) -> Result<(), EditError> {
    edits.sort_by_key(|e| (e.start, e.end, e.hunk));
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.start < a.end {
            let (first, second) = if a.hunk < b.hunk {
                (a.hunk, b.hunk)
            } else {
                (b.hunk, a.hunk)
            };
            return Err(EditError::Overlap {
                path: path.to_path_buf(),
                first,
                second,
                span: LineSpan {
                    start: b.start + 1,
                    end: a.end.min(b.end).max(b.start + 1),
                },
            });
        }
    }
    for edit in edits.into_iter().rev() {
        doc.splice(edit.start, edit.end, edit.lines);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn edit(hunk: usize, start: usize, end: usize, lines: &[&str]) -> Edit {
        Edit {
            hunk,
            start,
            end,
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    #[test]
    fn applies_bottom_up() {
        let mut doc = Document::parse("a\nb\nc\nd\n");
        let edits = vec![edit(1, 0, 1, &["A", "A2"]), edit(2, 2, 3, &[])];
        apply_edits(&mut doc, edits, Path::new("f")).unwrap();
        assert_eq!(doc.render(), "A\nA2\nb\nd\n");
    }

    #[test]
    fn overlap_is_refused() {
        let mut doc = Document::parse("a\nb\nc\n");
        let err = apply_edits(
            &mut doc,
            vec![edit(1, 0, 2, &[]), edit(2, 1, 3, &[])],
            Path::new("f"),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                EditError::Overlap {
                    first: 1,
                    second: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(doc.render(), "a\nb\nc\n");
    }

    #[test]
    fn insertions_keep_order() {
        let mut doc = Document::parse("a\n");
        apply_edits(
            &mut doc,
            vec![edit(2, 1, 1, &["y"]), edit(1, 1, 1, &["x"])],
            Path::new("f"),
        )
        .unwrap();
        assert_eq!(doc.render(), "a\nx\ny\n");
    }
}
