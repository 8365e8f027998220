//! The patch directory: `<id>.diff`, `<id>.json` and the blob store.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chamber_protocol::new_id;
use sha2::{Digest, Sha256};

use super::diff::{git_mode, unified_diff};
use super::{PatchError, PatchOrigin, PatchRecord, PatchedFile};
use crate::atomic::write_atomic;
use crate::journal::{FileChange, FileImage};

/// Where a project's patches live, relative to its root.
const PATCH_DIR: &str = ".chamber/patches";

/// A recorded side of a file: what the blob store knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// The file did not exist.
    Absent,
    /// Its content.
    Content(FileImage),
    /// It existed, but its blob is gone.
    Lost,
}

/// A project's patches.
#[derive(Debug, Clone)]
pub struct PatchStore {
    dir: PathBuf,
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

impl PatchStore {
    /// The store of the project at `root` (`.chamber/patches/`).
    pub fn in_project(root: &Path) -> Self {
        Self {
            dir: root.join(PATCH_DIR),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where a patch's diff is.
    pub fn diff_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.diff"))
    }

    /// Records `changes` as a new patch: blobs, then the diff, then the
    /// metadata (written last, so a listed patch is always complete).
    pub fn record(
        &self,
        origin: PatchOrigin,
        changes: &[FileChange],
    ) -> Result<PatchRecord, PatchError> {
        let mut files = Vec::with_capacity(changes.len());
        for change in changes {
            files.push(PatchedFile {
                path: change.path.clone(),
                before_sha256: self.put_side(change.before.as_ref())?,
                after_sha256: self.put_side(change.after.as_ref())?,
                before_mode: change.before.as_ref().map(|i| git_mode(i).to_string()),
                after_mode: change.after.as_ref().map(|i| git_mode(i).to_string()),
            });
        }
        let record = PatchRecord {
            id: new_id(),
            origin,
            created_at: chrono::Utc::now(),
            files,
        };
        let diff_path = self.diff_path(&record.id);
        write_atomic(&diff_path, unified_diff(changes).as_bytes())
            .map_err(|e| PatchError::io(format!("cannot write {}", diff_path.display()), e))?;
        let meta_path = self.dir.join(format!("{}.json", record.id));
        let text = serde_json::to_string_pretty(&record)
            .map_err(|e| PatchError::Invalid(format!("cannot encode patch metadata: {e}")))?;
        write_atomic(&meta_path, format!("{text}\n").as_bytes())
            .map_err(|e| PatchError::io(format!("cannot write {}", meta_path.display()), e))?;
        Ok(record)
    }

    fn put_side(&self, image: Option<&FileImage>) -> Result<Option<String>, PatchError> {
        image.map(|i| self.put_blob(&i.bytes)).transpose()
    }

    /// Stores `bytes` under their sha256 (once) and returns the hash.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, PatchError> {
        let sha = sha256_hex(bytes);
        let path = self.blob_path(&sha);
        if !path.exists() {
            write_atomic(&path, bytes)
                .map_err(|e| PatchError::io(format!("cannot write {}", path.display()), e))?;
        }
        Ok(sha)
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        self.dir.join("blobs").join(sha)
    }

    /// A stored blob, or `None` when it is not there (or fails its hash).
    pub fn blob(&self, sha: &str) -> Result<Option<Vec<u8>>, PatchError> {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match std::fs::read(self.blob_path(sha)) {
            Ok(bytes) if sha256_hex(&bytes) == sha => Ok(Some(bytes)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(PatchError::io(format!("cannot read blob {sha}"), e)),
        }
    }

    /// One side of a file as recorded.
    pub(crate) fn side(
        &self,
        sha: Option<&str>,
        mode: Option<&str>,
    ) -> Result<Recorded, PatchError> {
        let Some(sha) = sha else {
            return Ok(Recorded::Absent);
        };
        Ok(match self.blob(sha)? {
            Some(bytes) => Recorded::Content(FileImage {
                bytes,
                executable: mode == Some("100755"),
            }),
            None => Recorded::Lost,
        })
    }

    /// Every patch, newest first. Files that are not patch metadata are skipped.
    pub fn list(&self) -> Result<Vec<PatchRecord>, PatchError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(PatchError::io(
                    format!("cannot read {}", self.dir.display()),
                    e,
                ));
            }
        };
        let mut records = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if let Ok(record) = serde_json::from_str::<PatchRecord>(&text) {
                records.push(record);
            }
        }
        records.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(records)
    }

    /// The patch with this id or unique id prefix.
    pub fn find(&self, id: &str) -> Result<PatchRecord, PatchError> {
        let id = id.trim();
        let mut hits: Vec<PatchRecord> = self
            .list()?
            .into_iter()
            .filter(|r| !id.is_empty() && r.id.starts_with(id))
            .collect();
        if let Some(exact) = hits.iter().position(|r| r.id == id) {
            return Ok(hits.swap_remove(exact));
        }
        match hits.len() {
            0 => Err(PatchError::NotFound(id.to_string())),
            1 => Ok(hits.remove(0)),
            _ => Err(PatchError::Ambiguous {
                id: id.to_string(),
                candidates: hits
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// A patch's diff text.
    pub fn read_diff(&self, id: &str) -> Result<String, PatchError> {
        let path = self.diff_path(id);
        std::fs::read_to_string(&path)
            .map_err(|e| PatchError::io(format!("cannot read {}", path.display()), e))
    }

    /// The net change of several patches, oldest first: each file goes from
    /// its state before the first patch that touched it to its state after
    /// the last one. Files that end where they started are left out.
    pub fn combine(&self, oldest_first: &[PatchRecord]) -> Result<Vec<FileChange>, PatchError> {
        let mut order: Vec<String> = Vec::new();
        let mut ends: BTreeMap<String, (&PatchedFile, &PatchedFile)> = BTreeMap::new();
        for record in oldest_first {
            for file in &record.files {
                match ends.get_mut(&file.path) {
                    Some((_, last)) => *last = file,
                    None => {
                        order.push(file.path.clone());
                        ends.insert(file.path.clone(), (file, file));
                    }
                }
            }
        }
        let mut changes = Vec::new();
        for path in order {
            let Some((first, last)) = ends.get(&path) else {
                continue;
            };
            let before = self.side(first.before_sha256.as_deref(), first.before_mode.as_deref())?;
            let after = self.side(last.after_sha256.as_deref(), last.after_mode.as_deref())?;
            let image = |side: Recorded| match side {
                Recorded::Absent => Ok(None),
                Recorded::Content(i) => Ok(Some(i)),
                Recorded::Lost => Err(PatchError::Invalid(format!(
                    "the recorded content of {path} is missing from {}",
                    self.dir.join("blobs").display()
                ))),
            };
            let (before, after) = (image(before)?, image(after)?);
            if before != after {
                changes.push(FileChange {
                    path: path.clone(),
                    before,
                    after,
                });
            }
        }
        Ok(changes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn img(text: &str) -> Option<FileImage> {
        Some(FileImage {
            bytes: text.as_bytes().to_vec(),
            executable: false,
        })
    }

    #[test]
    fn records_lists_finds_and_combines() {
        let dir = tempfile::tempdir().unwrap();
        let store = PatchStore::in_project(dir.path());
        assert!(store.list().unwrap().is_empty());
        let first = store
            .record(
                PatchOrigin {
                    run_id: Some("run1".into()),
                    tool: "write_file".into(),
                    ..Default::default()
                },
                &[FileChange {
                    path: "a.txt".into(),
                    before: None,
                    after: img("one\n"),
                }],
            )
            .unwrap();
        let second = store
            .record(
                PatchOrigin {
                    tool: "edit_file".into(),
                    ..Default::default()
                },
                &[FileChange {
                    path: "a.txt".into(),
                    before: img("one\n"),
                    after: img("two\n"),
                }],
            )
            .unwrap();
        assert_eq!(first.files[0].before_sha256, None);
        assert_eq!(
            first.files[0].after_sha256.as_deref(),
            Some(sha256_hex(b"one\n").as_str())
        );
        let listed = store.list().unwrap();
        assert_eq!(listed, vec![second.clone(), first.clone()]);
        assert_eq!(store.find(&first.id[..8]).unwrap(), first);
        assert!(matches!(store.find("zzz"), Err(PatchError::NotFound(_))));
        assert!(store.read_diff(&first.id).unwrap().contains("+one"));
        let net = store.combine(&[first, second]).unwrap();
        assert_eq!(net.len(), 1);
        assert_eq!(net[0].before, None);
        assert_eq!(net[0].after, img("two\n"));
    }
}
