//! Checkpoints without git: before a step's tools first change a file, its
//! content (or its absence) is saved under
//! `.chamber/checkpoints/<run>/<checkpoint>/` with a `manifest.json`.
//! Only tool writes are covered; changes made by shell commands are not.

use std::path::{Path, PathBuf};

use chamber_tools::{FileChange, FileImage};
use serde::{Deserialize, Serialize};

use crate::AgentError;

/// Where checkpoints live, relative to the project.
pub const CHECKPOINT_DIR: &str = ".chamber/checkpoints";

/// One saved file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedFile {
    /// Path relative to the project.
    pub path: String,
    /// Whether the file existed (its content is under `files/<path>`).
    pub existed: bool,
    /// Whether it was executable.
    #[serde(default)]
    pub executable: bool,
}

/// `manifest.json`: the files saved, in the order first changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The saved files.
    pub files: Vec<SavedFile>,
}

/// A files checkpoint's directory.
#[derive(Debug, Clone)]
pub struct FileCheckpoint {
    dir: PathBuf,
}

impl FileCheckpoint {
    /// The checkpoint at `rel_dir` (relative to the project).
    pub fn at(project: &Path, rel_dir: &str) -> Self {
        Self {
            dir: project.join(rel_dir),
        }
    }

    /// The directory for a new checkpoint, relative to the project.
    pub fn rel_dir(run_id: &str, checkpoint_id: &str) -> String {
        format!("{CHECKPOINT_DIR}/{run_id}/{checkpoint_id}")
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    /// The manifest; empty when nothing was saved yet.
    pub fn manifest(&self) -> Result<Manifest, AgentError> {
        let path = self.manifest_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                AgentError::InvalidState(format!("{} is damaged: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(AgentError::io(format!("cannot read {}", path.display()), e)),
        }
    }

    /// Creates the directory and an empty manifest.
    pub fn create(&self) -> Result<(), AgentError> {
        self.write_manifest(&Manifest::default())
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<(), AgentError> {
        let path = self.manifest_path();
        let text = serde_json::to_string_pretty(manifest).unwrap_or_default();
        chamber_tools::atomic::write_atomic(&path, text.as_bytes())
            .map_err(|e| AgentError::io(format!("cannot write {}", path.display()), e))
    }

    /// Saves the pre-image of each changed file not saved yet.
    pub fn save(&self, changes: &[FileChange]) -> Result<(), AgentError> {
        let mut manifest = self.manifest()?;
        let mut added = false;
        for change in changes {
            if manifest.files.iter().any(|f| f.path == change.path) {
                continue;
            }
            if let Some(before) = &change.before {
                let path = self.dir.join("files").join(&change.path);
                chamber_tools::atomic::write_atomic(&path, &before.bytes)
                    .map_err(|e| AgentError::io(format!("cannot write {}", path.display()), e))?;
            }
            manifest.files.push(SavedFile {
                path: change.path.clone(),
                existed: change.before.is_some(),
                executable: change.before.as_ref().is_some_and(|b| b.executable),
            });
            added = true;
        }
        if added {
            self.write_manifest(&manifest)?;
        }
        Ok(())
    }

    /// The saved image of an entry (`None` when the file did not exist).
    pub fn image(&self, file: &SavedFile) -> Result<Option<FileImage>, AgentError> {
        if !file.existed {
            return Ok(None);
        }
        let path = self.dir.join("files").join(&file.path);
        let bytes = std::fs::read(&path)
            .map_err(|e| AgentError::io(format!("cannot read {}", path.display()), e))?;
        Ok(Some(FileImage {
            bytes,
            executable: file.executable,
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_pre_image_per_path() {
        let dir = tempfile::tempdir().unwrap();
        let cp = FileCheckpoint::at(dir.path(), &FileCheckpoint::rel_dir("r", "c"));
        cp.create().unwrap();
        let img = |t: &str| {
            Some(FileImage {
                bytes: t.as_bytes().to_vec(),
                executable: false,
            })
        };
        let change = |before, after| FileChange {
            path: "a.txt".into(),
            before,
            after,
        };
        cp.save(&[change(img("one"), img("two"))]).unwrap();
        cp.save(&[change(img("two"), img("three"))]).unwrap();
        let manifest = cp.manifest().unwrap();
        assert_eq!(manifest.files.len(), 1);
        assert_eq!(cp.image(&manifest.files[0]).unwrap(), img("one"));
    }
}
