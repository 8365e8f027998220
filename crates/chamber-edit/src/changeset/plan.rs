//! Planning: the tree as the change set so far would leave it, read from
//! disk on first use, so that each operation of a patch sees the effect of
//! the ones before it without anything being written.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::paths::resolve;
use super::{ChangeSet, FileChange, Observed};
use crate::error::EditError;

#[derive(Debug, Clone)]
enum Entry {
    Text(String),
    Binary,
    Absent,
}

/// The planned state of the tree under a root.
#[derive(Debug)]
pub(crate) struct Plan<'r> {
    root: &'r Path,
    state: HashMap<PathBuf, Entry>,
    observed: Vec<(PathBuf, Observed)>,
    changes: Vec<FileChange>,
}

impl<'r> Plan<'r> {
    /// An empty plan over `root`.
    pub(crate) fn new(root: &'r Path) -> Plan<'r> {
        Plan {
            root,
            state: HashMap::new(),
            observed: Vec::new(),
            changes: Vec::new(),
        }
    }

    fn entry(&mut self, rel: &Path) -> Result<Entry, EditError> {
        if let Some(entry) = self.state.get(rel) {
            return Ok(entry.clone());
        }
        let abs = resolve(self.root, rel)?;
        let (entry, observed) = match fs::metadata(&abs) {
            Ok(meta) if meta.is_dir() => {
                return Err(EditError::IsDirectory {
                    path: rel.to_path_buf(),
                });
            }
            Ok(_) => {
                let bytes = fs::read(&abs).map_err(|e| EditError::io(rel, "read", e))?;
                let entry = match String::from_utf8(bytes.clone()) {
                    Ok(text) => Entry::Text(text),
                    Err(_) => Entry::Binary,
                };
                (entry, Observed::File(bytes))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Entry::Absent, Observed::Absent),
            Err(e) => return Err(EditError::io(rel, "read", e)),
        };
        self.observed.push((rel.to_path_buf(), observed));
        self.state.insert(rel.to_path_buf(), entry.clone());
        Ok(entry)
    }

    /// The planned text of `rel`: `None` when absent, an error when it is a
    /// directory or not UTF-8 text.
    pub(crate) fn read(&mut self, rel: &Path) -> Result<Option<String>, EditError> {
        match self.entry(rel)? {
            Entry::Text(text) => Ok(Some(text)),
            Entry::Binary => Err(EditError::NotText {
                path: rel.to_path_buf(),
            }),
            Entry::Absent => Ok(None),
        }
    }

    /// Creates or overwrites `rel`.
    pub(crate) fn add(&mut self, rel: &Path, content: String) -> Result<(), EditError> {
        let previous = match self.entry(rel)? {
            Entry::Text(text) => Some(text),
            Entry::Binary | Entry::Absent => None,
        };
        self.state
            .insert(rel.to_path_buf(), Entry::Text(content.clone()));
        self.changes.push(FileChange::Add {
            path: rel.to_path_buf(),
            content,
            previous,
        });
        Ok(())
    }

    /// Deletes `rel`, which must exist.
    pub(crate) fn delete(&mut self, rel: &Path) -> Result<(), EditError> {
        let previous = match self.entry(rel)? {
            Entry::Text(text) => Some(text),
            Entry::Binary => None,
            Entry::Absent => {
                return Err(EditError::FileNotFound {
                    path: rel.to_path_buf(),
                    action: "delete",
                });
            }
        };
        self.state.insert(rel.to_path_buf(), Entry::Absent);
        self.changes.push(FileChange::Delete {
            path: rel.to_path_buf(),
            previous,
        });
        Ok(())
    }

    /// Replaces the text of `rel` (which must exist as text) with `content`
    /// and moves it to `move_to` if given.
    pub(crate) fn update(
        &mut self,
        rel: &Path,
        content: String,
        move_to: Option<&Path>,
    ) -> Result<(), EditError> {
        let Some(previous) = self.read(rel)? else {
            return Err(EditError::FileNotFound {
                path: rel.to_path_buf(),
                action: "update",
            });
        };
        let move_to = move_to.filter(|to| *to != rel).map(Path::to_path_buf);
        match &move_to {
            Some(to) => {
                // Reading the destination records its state and refuses a
                // directory there.
                self.entry(to)?;
                self.state.insert(rel.to_path_buf(), Entry::Absent);
                self.state.insert(to.clone(), Entry::Text(content.clone()));
            }
            None => {
                self.state
                    .insert(rel.to_path_buf(), Entry::Text(content.clone()));
            }
        }
        self.changes.push(FileChange::Update {
            path: rel.to_path_buf(),
            move_to,
            previous,
            content,
        });
        Ok(())
    }

    /// The change set planned so far.
    pub(crate) fn finish(self) -> ChangeSet {
        ChangeSet::planned(self.changes, self.observed)
    }
}
