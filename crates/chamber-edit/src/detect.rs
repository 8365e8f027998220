//! Telling the three patch formats apart, for front ends that take a patch
//! from a person (`chamber patch apply`) rather than from a tool call whose
//! name says the format.

use std::path::Path;

use crate::changeset::ChangeSet;
use crate::error::{EditError, PatchFormat};

/// The format `text` is written in: an `apply_patch` envelope when a line
/// reads `*** Begin Patch` (surrounding whitespace allowed), search/replace
/// blocks when a line is a `<<<<<<< SEARCH` marker, else a unified diff.
pub fn detect_format(text: &str) -> PatchFormat {
    if text
        .lines()
        .any(|l| l.trim() == crate::apply_patch::parser::BEGIN)
    {
        PatchFormat::ApplyPatch
    } else if text.lines().any(crate::search_replace::parse::is_search) {
        PatchFormat::SearchReplace
    } else {
        PatchFormat::UnifiedDiff
    }
}

/// Detects the format of `text` and computes its changes against the tree
/// under `root` through the same matching engine, writing nothing.
pub fn plan_patch_text(root: &Path, text: &str) -> Result<(PatchFormat, ChangeSet), EditError> {
    let format = detect_format(text);
    let set = match format {
        PatchFormat::ApplyPatch => crate::plan_apply_patch(root, text)?,
        PatchFormat::SearchReplace => {
            let blocks = crate::parse_search_replace(text)?;
            crate::plan_search_replace(root, &blocks)?
        }
        PatchFormat::UnifiedDiff => crate::plan_unified_diff(root, text)?,
    };
    Ok((format, set))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart() {
        assert_eq!(
            detect_format("*** Begin Patch\n*** Add File: a\n+x\n*** End Patch\n"),
            PatchFormat::ApplyPatch
        );
        assert_eq!(
            detect_format("  *** Begin Patch  \n*** End Patch\n"),
            PatchFormat::ApplyPatch
        );
        assert_eq!(
            detect_format("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"),
            PatchFormat::SearchReplace
        );
        assert_eq!(
            detect_format("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n"),
            PatchFormat::UnifiedDiff
        );
        assert_eq!(detect_format(""), PatchFormat::UnifiedDiff);
    }

    #[test]
    fn each_format_plans_through_the_engine() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), "one\ntwo\n").unwrap();
        for text in [
            "*** Begin Patch\n*** Update File: f.txt\n@@\n-two\n+2\n*** End Patch\n",
            "f.txt\n<<<<<<< SEARCH\ntwo\n=======\n2\n>>>>>>> REPLACE\n",
            "--- a/f.txt\n+++ b/f.txt\n@@ -2 +2 @@\n-two\n+2\n",
        ] {
            let (_, set) = plan_patch_text(dir.path(), text).unwrap();
            assert_eq!(set.changes().len(), 1, "{text}");
        }
    }
}
