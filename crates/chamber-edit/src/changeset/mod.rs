//! Change sets: every patch format is first turned into an ordered list of
//! file changes computed in memory against the current tree, which can be
//! previewed as a diff and then written all-or-nothing.

mod commit;
pub(crate) mod paths;
mod plan;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::error::EditError;

pub(crate) use plan::Plan;

/// One change to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Creates `path` with `content`, or overwrites it.
    Add {
        /// The file, relative to the root.
        path: PathBuf,
        /// Its new content.
        content: String,
        /// The text it had, when it existed and was text.
        previous: Option<String>,
    },
    /// Deletes `path`.
    Delete {
        /// The file, relative to the root.
        path: PathBuf,
        /// The text it had (`None` when it was not UTF-8 text).
        previous: Option<String>,
    },
    /// Rewrites `path`, possibly moving it to `move_to`.
    Update {
        /// The file, relative to the root.
        path: PathBuf,
        /// Where the file goes, if it is also moved (an existing file
        /// there is overwritten).
        move_to: Option<PathBuf>,
        /// Its text before the change.
        previous: String,
        /// Its text after the change.
        content: String,
    },
}

impl FileChange {
    /// The file the change starts from.
    pub fn path(&self) -> &Path {
        match self {
            FileChange::Add { path, .. }
            | FileChange::Delete { path, .. }
            | FileChange::Update { path, .. } => path,
        }
    }
}

/// The disk state of a file when the change was planned, checked again
/// before writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Observed {
    Absent,
    File(Vec<u8>),
}

/// An ordered set of file changes, computed but not yet written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    changes: Vec<FileChange>,
    /// Disk states seen while planning (first sight of each path).
    observed: Vec<(PathBuf, Observed)>,
}

impl ChangeSet {
    /// A change set made of `changes`. Unlike one planned from a patch, it
    /// does not check before writing that the files are still as they were.
    pub fn new(changes: Vec<FileChange>) -> ChangeSet {
        ChangeSet {
            changes,
            observed: Vec::new(),
        }
    }

    pub(crate) fn planned(
        changes: Vec<FileChange>,
        observed: Vec<(PathBuf, Observed)>,
    ) -> ChangeSet {
        ChangeSet { changes, observed }
    }

    /// The changes, in order.
    pub fn changes(&self) -> &[FileChange] {
        &self.changes
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Every path the change set creates, changes, moves or deletes (move
    /// destinations included), in order of first appearance.
    pub fn touched(&self) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for change in &self.changes {
            let mut paths = vec![change.path()];
            if let FileChange::Update {
                move_to: Some(to), ..
            } = change
            {
                paths.push(to);
            }
            for p in paths {
                if seen.insert(p.to_path_buf()) {
                    out.push(p.to_path_buf());
                }
            }
        }
        out
    }

    /// Each touched path with the text it holds once the whole set is
    /// written (`None`: it no longer exists), in order of first appearance.
    /// This is what a caller announces before writing.
    pub fn final_contents(&self) -> Vec<(PathBuf, Option<String>)> {
        let mut out: Vec<(PathBuf, Option<String>)> =
            self.touched().into_iter().map(|p| (p, None)).collect();
        let mut set = |path: &Path, content: Option<&String>| {
            if let Some(slot) = out.iter_mut().find(|(p, _)| p == path) {
                slot.1 = content.cloned();
            }
        };
        for change in &self.changes {
            match change {
                FileChange::Add { path, content, .. } => set(path, Some(content)),
                FileChange::Delete { path, .. } => set(path, None),
                FileChange::Update {
                    path,
                    move_to: Some(to),
                    content,
                    ..
                } if to != path => {
                    set(path, None);
                    set(to, Some(content));
                }
                FileChange::Update { path, content, .. } => set(path, Some(content)),
            }
        }
        out
    }

    /// The whole change as a git-style unified diff (one section per
    /// change, in order). Contents are carried by the set, so no disk
    /// access is needed.
    pub fn preview(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            match change {
                FileChange::Add {
                    path,
                    content,
                    previous,
                } => {
                    let old_name = previous
                        .as_ref()
                        .map_or_else(|| "/dev/null".to_owned(), |_| side("a", path));
                    section(
                        &mut out,
                        previous.as_deref().unwrap_or(""),
                        content,
                        &old_name,
                        &side("b", path),
                    );
                }
                FileChange::Delete {
                    path,
                    previous: Some(text),
                } => {
                    section(&mut out, text, "", &side("a", path), "/dev/null");
                }
                FileChange::Delete {
                    path,
                    previous: None,
                } => {
                    out.push_str(&format!("Binary file {} deleted\n", path.display()));
                }
                FileChange::Update {
                    path,
                    move_to,
                    previous,
                    content,
                } => {
                    let to = move_to.as_deref().unwrap_or(path);
                    if previous == content && move_to.is_some() {
                        out.push_str(&format!("rename {} => {}\n", path.display(), to.display()));
                    } else {
                        section(
                            &mut out,
                            previous,
                            content,
                            &side("a", path),
                            &side("b", to),
                        );
                    }
                }
            }
        }
        out
    }

    /// Writes the change set under `root`, all or nothing: every new
    /// content goes to a temp file beside its target, then all targets are
    /// swapped in by renames, keeping the replaced files as backups until
    /// the end. If any step fails, the replaced files are put back, created
    /// files and directories are removed, and the error is returned.
    /// A planned set first checks that each file is still as planned
    /// ([`EditError::ChangedOnDisk`] otherwise).
    pub fn apply(&self, root: &Path) -> Result<(), EditError> {
        commit::commit(root, &self.changes, &self.observed)
    }
}

fn side(prefix: &str, path: &Path) -> String {
    format!("{prefix}/{}", path.display())
}

fn section(out: &mut String, old: &str, new: &str, old_name: &str, new_name: &str) {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    if text.is_empty() {
        out.push_str(&format!("--- {old_name}\n+++ {new_name}\n"));
    } else {
        out.push_str(&text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests;
