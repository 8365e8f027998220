//! Applying a unified diff to a directory, all or nothing: every file is
//! planned in memory first; only when all of them apply is anything written.

use std::collections::HashMap;
use std::path::{Component, Path};

use diffy::patch_set::{FileMode, FileOperation, ParseOptions, PatchKind, PatchSet};

use super::{FileProblem, PatchError};
use crate::journal::{FileChange, FileImage, Journal};

/// One file's planned state after a change (`after: None` deletes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// The new content, or `None` to delete the file.
    pub after: Option<FileImage>,
}

/// Plans `diff` (git or plain unified format, `a/`/`b/` prefixes optional)
/// against the files under `root`. Hunks may have moved (they are searched
/// for near their line numbers) but must match exactly. Returns every
/// problem at once, changing nothing.
pub fn plan_diff(root: &Path, diff: &str) -> Result<Vec<PlannedFile>, PatchError> {
    let opts = if diff.lines().any(|l| l.starts_with("diff --git ")) {
        ParseOptions::gitdiff()
    } else {
        ParseOptions::unidiff()
    };
    let patches = PatchSet::parse_bytes(diff.as_bytes(), opts)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PatchError::Invalid(format!("cannot parse the diff: {e}")))?;
    if patches.is_empty() {
        return Err(PatchError::Invalid("the diff changes no files".into()));
    }
    let mut plan = Plan::new(root);
    for file in &patches {
        let executable = match file.new_mode() {
            Some(FileMode::Executable) => Some(true),
            Some(FileMode::Regular) => Some(false),
            _ => None,
        };
        let hunks = match file.patch() {
            PatchKind::Text(p) => p,
            PatchKind::Binary(_) => {
                let path = first_path(file.operation());
                plan.problem(&path, "binary patches are not supported");
                continue;
            }
        };
        match file.operation() {
            FileOperation::Create(p) => {
                let path = strip(p);
                match plan.current(&path) {
                    Ok(None) => plan.set(&path, apply_to(b"", hunks), executable),
                    Ok(Some(_)) => plan.problem(&path, "already exists"),
                    Err(e) => plan.problem(&path, &e),
                }
            }
            FileOperation::Delete(p) => {
                let path = strip(p);
                match plan.current(&path) {
                    Ok(Some(cur)) => match diffy::apply_bytes(&cur.bytes, hunks) {
                        Ok(rest) if rest.is_empty() => plan.delete(&path),
                        _ => plan.problem(&path, "its content differs from what the patch deletes"),
                    },
                    Ok(None) => plan.problem(&path, "does not exist"),
                    Err(e) => plan.problem(&path, &e),
                }
            }
            FileOperation::Modify { original, modified }
            | FileOperation::Rename {
                from: original,
                to: modified,
            }
            | FileOperation::Copy {
                from: original,
                to: modified,
            } => {
                let (from, to) = (strip(original), strip(modified));
                let copy = matches!(file.operation(), FileOperation::Copy { .. });
                match plan.current(&from) {
                    Ok(Some(cur)) => {
                        let result = diffy::apply_bytes(&cur.bytes, hunks)
                            .map_err(|e| format!("{e}: the lines around it have changed"));
                        if from != to && !copy {
                            plan.delete(&from);
                        }
                        plan.set(&to, result, executable.or(Some(cur.executable)));
                    }
                    Ok(None) => plan.problem(&from, "does not exist"),
                    Err(e) => plan.problem(&from, &e),
                }
            }
        }
    }
    plan.finish()
}

/// Applies hunks to a base, with the error as text.
fn apply_to(base: &[u8], hunks: &diffy::Patch<'_, [u8]>) -> Result<Vec<u8>, String> {
    diffy::apply_bytes(base, hunks).map_err(|e| e.to_string())
}

/// A diff path without its `a/` or `b/` prefix, as text.
fn strip(path: &[u8]) -> String {
    let text = String::from_utf8_lossy(path);
    match text.strip_prefix("a/").or_else(|| text.strip_prefix("b/")) {
        Some(rest) => rest.to_string(),
        None => text.into_owned(),
    }
}

fn first_path(op: &FileOperation<'_, [u8]>) -> String {
    match op {
        FileOperation::Create(p) | FileOperation::Delete(p) => strip(p),
        FileOperation::Modify { modified: p, .. }
        | FileOperation::Rename { to: p, .. }
        | FileOperation::Copy { to: p, .. } => strip(p),
    }
}

/// Whether a patch may touch `path`: relative, inside the root, not in `.git`.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    let p = Path::new(path);
    if path.is_empty() || p.is_absolute() {
        return Err("not a relative path".into());
    }
    for (i, comp) in p.components().enumerate() {
        match comp {
            Component::Normal(name) if i == 0 && name == ".git" => {
                return Err("inside .git".into());
            }
            Component::Normal(_) => {}
            _ => return Err("leaves the project or is not normalised".into()),
        }
    }
    Ok(())
}

/// Files planned so far (later sections see earlier ones) and problems found.
struct Plan<'r> {
    root: &'r Path,
    order: Vec<String>,
    files: HashMap<String, Option<FileImage>>,
    problems: Vec<FileProblem>,
}

impl<'r> Plan<'r> {
    fn new(root: &'r Path) -> Self {
        Self {
            root,
            order: Vec::new(),
            files: HashMap::new(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, path: &str, reason: &str) {
        self.problems.push(FileProblem {
            path: path.to_string(),
            reason: reason.to_string(),
        });
    }

    /// The file as planned so far, else as on disk.
    fn current(&self, path: &str) -> Result<Option<FileImage>, String> {
        check_path(path)?;
        if let Some(planned) = self.files.get(path) {
            return Ok(planned.clone());
        }
        FileImage::read(&self.root.join(path)).map_err(|e| e.to_string())
    }

    fn put(&mut self, path: &str, image: Option<FileImage>) {
        if !self.files.contains_key(path) {
            self.order.push(path.to_string());
        }
        self.files.insert(path.to_string(), image);
    }

    fn set(&mut self, path: &str, bytes: Result<Vec<u8>, String>, executable: Option<bool>) {
        if let Err(e) = check_path(path) {
            return self.problem(path, &e);
        }
        match bytes {
            Ok(bytes) => self.put(
                path,
                Some(FileImage {
                    bytes,
                    executable: executable.unwrap_or(false),
                }),
            ),
            Err(e) => self.problem(path, &e),
        }
    }

    fn delete(&mut self, path: &str) {
        self.put(path, None);
    }

    fn finish(mut self) -> Result<Vec<PlannedFile>, PatchError> {
        if !self.problems.is_empty() {
            return Err(PatchError::DoesNotApply(self.problems));
        }
        Ok(self
            .order
            .iter()
            .map(|path| PlannedFile {
                path: path.clone(),
                after: self.files.remove(path).flatten(),
            })
            .collect())
    }
}

/// Writes planned files under `root` and returns what changed (before and
/// after). When a write fails, the files already written are put back.
pub fn write_planned(root: &Path, planned: &[PlannedFile]) -> Result<Vec<FileChange>, PatchError> {
    let journal = Journal::new(root);
    for file in planned {
        check_path(&file.path).map_err(|e| PatchError::Invalid(format!("{}: {e}", file.path)))?;
        journal
            .before_change(&root.join(&file.path))
            .map_err(|e| PatchError::io(format!("cannot read {}", file.path), e))?;
    }
    for file in planned {
        let path = root.join(&file.path);
        let written = match &file.after {
            Some(image) => image.write(&path),
            None => match std::fs::remove_file(&path) {
                Ok(()) => {
                    remove_empty_parents(root, &path);
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = written {
            // Best effort: the original error is the one to report.
            let _ = journal.revert();
            return Err(PatchError::io(format!("cannot write {}", file.path), e));
        }
    }
    Ok(journal.finish_call())
}

/// Removes the now-empty directories above a deleted file, up to `root`.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::patches::unified_diff;

    fn img(text: &str) -> Option<FileImage> {
        Some(FileImage {
            bytes: text.as_bytes().to_vec(),
            executable: false,
        })
    }

    #[test]
    fn our_own_diffs_round_trip_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("keep.txt"), "1\n2\n3\n4\n5\n6\n7\n8\n").unwrap();
        std::fs::write(root.join("gone.txt"), "bye\n").unwrap();
        let diff = unified_diff(&[
            FileChange {
                path: "keep.txt".into(),
                before: img("1\n2\n3\n4\n5\n6\n7\n8\n"),
                after: img("1\n2\nthree\n4\n5\n6\n7\n8\n"),
            },
            FileChange {
                path: "dir/new.txt".into(),
                before: None,
                after: img("hi\n"),
            },
            FileChange {
                path: "gone.txt".into(),
                before: img("bye\n"),
                after: None,
            },
        ]);
        // A line inserted above moves the hunk; it still applies.
        std::fs::write(root.join("keep.txt"), "0\n1\n2\n3\n4\n5\n6\n7\n8\n").unwrap();
        let planned = plan_diff(root, &diff).unwrap();
        assert_eq!(planned.len(), 3);
        let changes = write_planned(root, &planned).unwrap();
        assert_eq!(changes.len(), 3);
        assert_eq!(
            std::fs::read_to_string(root.join("keep.txt")).unwrap(),
            "0\n1\n2\nthree\n4\n5\n6\n7\n8\n"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("dir/new.txt")).unwrap(),
            "hi\n"
        );
        assert!(!root.join("gone.txt").exists());
        // Applying again fails for every file and changes nothing.
        match plan_diff(root, &diff) {
            Err(PatchError::DoesNotApply(problems)) => {
                assert_eq!(problems.len(), 3, "{problems:?}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_outside_the_project_are_refused() {
        assert!(check_path("../x").is_err());
        assert!(check_path("/etc/passwd").is_err());
        assert!(check_path(".git/config").is_err());
        assert!(check_path("src/a.rs").is_ok());
    }
}
