//! Bringing one branch's result back: a 3-way merge per file of the
//! branch's tree into the run's tree, against the tree both started from.
//! All or nothing: a conflict in any file leaves the run's tree untouched.

use std::path::Path;

use chamber_tools::{Git, TreeChangeKind, TreeScope};

use crate::AgentError;

/// The outcome of planning one branch's merge.
pub(crate) enum Merge {
    /// Clean: the files to write, not written yet.
    Clean(MergePlan),
    /// Conflicting: the files the step changed, and the first conflict.
    Conflict { files: Vec<String>, detail: String },
}

/// A clean merge, planned and not yet written.
pub(crate) struct MergePlan {
    /// The project-relative paths the step changed.
    pub files: Vec<String>,
    resolved: Vec<Resolved>,
}

/// One file's merged content: `None` deletes it.
struct Resolved {
    path: String,
    content: Option<Image>,
}

/// Plans the merge of the changes from `base_tree` to `branch_tree` into
/// the working tree of `git` (the run's), within `scope`. Planning again
/// after a part was written gives the same end: a file already at the
/// branch's content stays as it is.
pub(crate) fn plan_merge(
    git: &Git,
    scope: &TreeScope,
    base_tree: &str,
    branch_tree: &str,
) -> Result<Merge, AgentError> {
    let changes = git.diff_trees(base_tree, branch_tree, scope)?;
    let files: Vec<String> = changes
        .iter()
        .map(|c| scope.project_path(&c.path).to_string())
        .collect();
    let mut resolved = Vec::new();
    for change in &changes {
        let base = git.file_in_tree(base_tree, &change.path)?;
        let theirs = match change.kind {
            TreeChangeKind::Deleted => None,
            _ => git.file_in_tree(branch_tree, &change.path)?,
        };
        let ours = read_file(&git.root().join(&change.path))?;
        match three_way(base.as_ref(), ours.as_ref(), theirs.as_ref()) {
            Ok(content) => resolved.push(Resolved {
                path: change.path.clone(),
                content,
            }),
            Err(why) => {
                return Ok(Merge::Conflict {
                    files,
                    detail: format!("{}: {why}", scope.project_path(&change.path)),
                });
            }
        }
    }
    Ok(Merge::Clean(MergePlan { files, resolved }))
}

impl MergePlan {
    /// Writes the merged files into the working tree of `git` (each write
    /// atomic).
    pub(crate) fn write(self, git: &Git) -> Result<(), AgentError> {
        for r in self.resolved {
            write_file(&git.root().join(&r.path), r.content)?;
        }
        Ok(())
    }
}

type Image = (Vec<u8>, bool);

/// The merged image of one file, or why it conflicts.
fn three_way(
    base: Option<&Image>,
    ours: Option<&Image>,
    theirs: Option<&Image>,
) -> Result<Option<Image>, String> {
    let bytes = |i: Option<&Image>| i.map(|(b, _)| b.clone());
    if bytes(ours) == bytes(theirs) {
        return Ok(ours.cloned());
    }
    if bytes(ours) == bytes(base) {
        return Ok(theirs.cloned());
    }
    if bytes(theirs) == bytes(base) {
        return Ok(ours.cloned());
    }
    match (base, ours, theirs) {
        (base, Some((ours, exec)), Some((theirs, _))) => {
            let empty = Vec::new();
            let base = base.map_or(&empty, |(b, _)| b);
            diffy::merge_bytes(base, ours, theirs)
                .map(|merged| Some((merged, *exec)))
                .map_err(|_| "both changed the same lines".to_string())
        }
        _ => Err("one side deleted the file, the other changed it".into()),
    }
}

fn read_file(path: &Path) -> Result<Option<Image>, AgentError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some((bytes, is_executable(path)))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AgentError::io(format!("cannot read {}", path.display()), e)),
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    false
}

fn write_file(path: &Path, content: Option<Image>) -> Result<(), AgentError> {
    let Some((bytes, exec)) = content else {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AgentError::io(
                format!("cannot remove {}", path.display()),
                e,
            )),
            _ => Ok(()),
        };
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| AgentError::io(format!("cannot create {}", parent.display()), e))?;
    }
    chamber_tools::atomic::write_atomic(path, &bytes)
        .map_err(|e| AgentError::io(format!("cannot write {}", path.display()), e))?;
    #[cfg(unix)]
    if exec {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
    }
    #[cfg(not(unix))]
    let _ = exec;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(s: &str) -> Option<Image> {
        Some((s.as_bytes().to_vec(), false))
    }

    #[test]
    fn separate_edits_merge_and_the_same_lines_conflict() {
        let base = img("a\nb\nc\nd\ne\n");
        let ours = img("A\nb\nc\nd\ne\n");
        let theirs = img("a\nb\nc\nd\nE\n");
        let merged = three_way(base.as_ref(), ours.as_ref(), theirs.as_ref()).unwrap();
        assert_eq!(merged, img("A\nb\nc\nd\nE\n"));
        let other = img("a\nB\nc\nd\ne\n");
        let clash = img("a\nX\nc\nd\ne\n");
        assert!(three_way(base.as_ref(), other.as_ref(), clash.as_ref()).is_err());
        // Only the branch changed it: the branch wins; a new file is added.
        assert_eq!(
            three_way(base.as_ref(), base.as_ref(), theirs.as_ref()).unwrap(),
            theirs
        );
        assert_eq!(three_way(None, None, theirs.as_ref()).unwrap(), theirs);
        // Deleted in the branch, untouched here: deleted.
        assert_eq!(three_way(base.as_ref(), base.as_ref(), None).unwrap(), None);
        assert!(three_way(base.as_ref(), ours.as_ref(), None).is_err());
    }
}
