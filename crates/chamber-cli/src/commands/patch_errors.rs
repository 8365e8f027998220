//! Why a patch does not apply, told to the person who ran `chamber patch
//! apply`. The edit engine's own messages are written for the model that
//! wrote an edit ("re-read the file and retry"); these say what is wrong
//! with the patch file and what a person can do about it.

use chamber_edit::EditError;

use crate::exit::{CliError, status};

/// The error `patch apply` reports when the engine refuses a patch; nothing
/// was written.
pub fn refused(format: chamber_edit::PatchFormat, e: &EditError) -> CliError {
    let (what, hint) = explain(e);
    CliError::new(
        "patch_does_not_apply",
        format!("the patch ({format}) does not apply, so nothing was changed: {what}"),
        Some(hint),
        status::INVALID_STATE,
    )
}

/// What went wrong, and the hint.
fn explain(e: &EditError) -> (String, &'static str) {
    const CHANGED: &str = "the files differ from what the patch expects: compare them with the patch (`git diff`, `git log -p`), or make the patch again from the current files";
    match e.root_cause() {
        EditError::Parse {
            format,
            line,
            message,
        } => (
            format!("line {line} of the patch is not valid {format}: {message}"),
            "fix the patch file at that line; `chamber patch apply` reads unified diffs, `*** Begin Patch` envelopes and SEARCH/REPLACE blocks",
        ),
        EditError::EmptyPatch { .. } => (
            "the patch names no file to change".into(),
            "check that this is the right file and that it is not empty",
        ),
        EditError::NotFound {
            site,
            closest,
            diff,
        } => {
            let mut what = format!("{site}: the lines it changes are not in the file");
            match closest {
                Some(span) if !diff.is_empty() => what.push_str(&format!(
                    "; the most similar part is {span}, which differs like this (- patch, + file):\n{}",
                    diff.trim_end()
                )),
                Some(span) => what.push_str(&format!("; the most similar part is {span}")),
                None => what.push_str("; no part of the file looks like them"),
            }
            (what, CHANGED)
        }
        EditError::Ambiguous {
            site, candidates, ..
        } => (
            format!(
                "{site}: the lines it changes occur {} times (at lines {}), so the place is unclear",
                candidates.len(),
                candidates
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "add lines of context around the change in the patch so that they occur only once",
        ),
        EditError::AnchorNotFound { site, anchor, .. } => (
            format!("{site}: its `@@ {anchor}` line is not in the file"),
            CHANGED,
        ),
        EditError::FileNotFound { path, .. } => (
            format!("{} does not exist", path.display()),
            "check the path in the patch (relative to the project root), or restore the file first",
        ),
        EditError::AlreadyExists { path } => (
            format!(
                "the patch creates {}, which already exists with other content",
                path.display()
            ),
            "move the existing file away, or make the patch against its current content",
        ),
        EditError::IsDirectory { path } => (
            format!(
                "{} is a directory, and the patch treats it as a file",
                path.display()
            ),
            "check the path in the patch",
        ),
        EditError::InvalidPath { path, reason } => (
            format!("the patch names the path {path:?}, which {reason}"),
            "patches may only change files inside the project, named relative to its root",
        ),
        EditError::ChangedOnDisk { path } => (
            format!(
                "{} changed while the patch was being applied",
                path.display()
            ),
            "run the command again once nothing else is writing the file",
        ),
        other => (
            other.to_string(),
            "the message says which file; check `git status` and the patch",
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chamber_edit::{LineSpan, PatchFormat, Site};

    #[test]
    fn not_found_is_explained_without_model_advice() {
        let e = EditError::NotFound {
            site: Site::hunk("src/a.rs", 2),
            closest: Some(LineSpan { start: 3, end: 4 }),
            diff: "-x\n+y\n".into(),
        };
        let err = refused(PatchFormat::UnifiedDiff, &e);
        assert!(err.message.contains("src/a.rs, hunk 2"), "{}", err.message);
        assert!(err.message.contains("lines 3-4"), "{}", err.message);
        assert!(err.message.contains("nothing was changed"));
        let text = format!("{} {}", err.message, err.hint.unwrap_or_default());
        for model_talk in ["re-read", "retry", "Copy the lines"] {
            assert!(!text.contains(model_talk), "{text}");
        }
    }
}
