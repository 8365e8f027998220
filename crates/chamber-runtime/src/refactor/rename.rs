//! Renaming an identifier across the repository with the symbol engine:
//! every identifier node spelled the old way, in every parsed file (never
//! inside strings or comments).

use std::path::Path;

use chamber_edit::symbols::{SymbolError, rename_symbol};
use chamber_edit::syntax::Lang;
use chamber_edit::{ChangeSet, FileChange};

use super::{Planned, refused, source_files};
use crate::error::RuntimeError;

/// Plans renaming `old` to `new` in every source file under `root`.
pub fn plan_rename(root: &Path, old: &str, new: &str) -> Result<Planned, RuntimeError> {
    let mut changes = Vec::new();
    let mut total = 0;
    for path in source_files(root) {
        let Some(lang) = Lang::from_path(&path) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(root.join(&path)) else {
            continue;
        };
        if !text.contains(old) {
            continue;
        }
        match rename_symbol(lang, &text, old, new) {
            Ok(renamed) => {
                total += renamed.occurrences;
                changes.push(FileChange::Update {
                    path,
                    move_to: None,
                    previous: text,
                    content: renamed.text,
                });
            }
            Err(SymbolError::NoOccurrences { .. }) => {}
            Err(e) => {
                return Err(refused(
                    "refactor_refused",
                    format!("cannot rename in {}: {e}", path.display()),
                    "pick a valid identifier that is not a keyword",
                ));
            }
        }
    }
    if changes.is_empty() {
        return Err(refused(
            "unknown_symbol",
            format!("no identifier named {old:?} in any source file"),
            "`chamber symbols QUERY` lists the project's symbols",
        ));
    }
    let files = changes.len();
    Ok(Planned {
        changes: ChangeSet::new(changes),
        summary: format!("renamed {total} occurrence(s) of {old} to {new} in {files} file(s)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_across_files_but_not_in_strings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "def total(x):\n    return x\n").unwrap();
        std::fs::write(
            dir.path().join("b.py"),
            "from a import total\nprint(total(1), 'total')\n",
        )
        .unwrap();
        let planned = plan_rename(dir.path(), "total", "sum_of").unwrap();
        assert_eq!(planned.changes.changes().len(), 2);
        planned.changes.apply(dir.path()).unwrap();
        let b = std::fs::read_to_string(dir.path().join("b.py")).unwrap();
        assert_eq!(b, "from a import sum_of\nprint(sum_of(1), 'total')\n");
        let err = plan_rename(dir.path(), "nothing_here", "x").unwrap_err();
        assert!(err.to_string().contains("no identifier named"), "{err}");
    }
}
