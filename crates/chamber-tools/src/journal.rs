//! The write journal: every tool that changes files records each file's
//! content just before its first change in a call, so the caller can turn the
//! call into a patch (before/after) and put things back if needed.
//!
//! Usage from a tool: call [`ToolContext::before_change`] once per path
//! before writing or deleting it, with the content it will write (repeat
//! calls for the same path are free).
//! The executor then calls [`Journal::finish_call`] to get what changed.

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::atomic::write_atomic;
use crate::context::ToolContext;
use crate::paths::relative_display;

/// A file's content and whether it is executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileImage {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Any execute bit set (git mode 100755 rather than 100644).
    pub executable: bool,
}

impl FileImage {
    /// Reads `path`; `Ok(None)` when nothing is there. Directories and other
    /// non-files are errors; a symlink is followed.
    pub fn read(path: &Path) -> io::Result<Option<FileImage>> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => Ok(Some(FileImage {
                bytes: std::fs::read(path)?,
                executable: meta.permissions().mode() & 0o111 != 0,
            })),
            Ok(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a regular file", path.display()),
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the image to `path` atomically, setting the execute bits to match.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        write_atomic(path, &self.bytes)?;
        let meta = std::fs::metadata(path)?;
        let mode = meta.permissions().mode();
        let wanted = if self.executable {
            mode | ((mode & 0o444) >> 2)
        } else {
            mode & !0o111
        };
        if wanted != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
        }
        Ok(())
    }
}

/// One file changed by a call: what it was before and what it is now
/// (`None` = the file did not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// Content before the call's first change.
    pub before: Option<FileImage>,
    /// Content after the call.
    pub after: Option<FileImage>,
}

/// Pre-images of the files the current call is about to change, keyed by
/// absolute path, in first-touch order. Shared by the tools of one call.
#[derive(Debug)]
pub struct Journal {
    root: PathBuf,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    order: Vec<PathBuf>,
    before: HashMap<PathBuf, Option<FileImage>>,
}

impl Journal {
    /// A journal for a workspace rooted at `root` (paths are reported
    /// relative to it).
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `path`'s current content (or absence) unless this call has
    /// already recorded it. Fails when the file exists but cannot be read:
    /// a change that cannot be recorded should not be made.
    pub fn before_change(&self, path: &Path) -> io::Result<()> {
        let mut entries = self.lock();
        if entries.before.contains_key(path) {
            return Ok(());
        }
        let image = FileImage::read(path)?;
        entries.order.push(path.to_path_buf());
        entries.before.insert(path.to_path_buf(), image);
        Ok(())
    }

    /// Ends the call: reads each recorded file's content now and returns the
    /// files whose content or mode differs, then forgets them all, ready for
    /// the next call. A file that cannot be read now counts as absent.
    pub fn finish_call(&self) -> Vec<FileChange> {
        let Entries { order, mut before } = std::mem::take(&mut *self.lock());
        let mut changes = Vec::new();
        for path in order {
            let Some(old) = before.remove(&path) else {
                continue;
            };
            let new = FileImage::read(&path).ok().flatten();
            if old != new {
                changes.push(FileChange {
                    path: relative_display(&self.root, &path),
                    before: old,
                    after: new,
                });
            }
        }
        changes
    }

    /// Puts every recorded file back as it was before the call (deleting the
    /// ones that did not exist) and forgets them: for all-or-nothing tools
    /// whose later writes failed. Stops at the first failure.
    pub fn revert(&self) -> io::Result<()> {
        let Entries { order, mut before } = std::mem::take(&mut *self.lock());
        for path in order.iter().rev() {
            match before.remove(path).flatten() {
                Some(image) => image.write(path)?,
                None => match std::fs::remove_file(path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(())
    }
}

/// One file write a tool is about to make, announced before it happens so
/// the run can record it durably first (write-ahead): after a crash, the
/// file's content tells whether the write took place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditIntent {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// The content now (`None`: the file does not exist).
    pub before: Option<Vec<u8>>,
    /// The content the write produces (`None`: the file is deleted).
    pub after: Option<Vec<u8>>,
}

/// Where a tool announces its writes; the receiver answers once the intent
/// is recorded (or with the reason it could not be, and the write is skipped).
pub type IntentSender = tokio::sync::mpsc::UnboundedSender<(
    EditIntent,
    tokio::sync::oneshot::Sender<Result<(), String>>,
)>;

impl ToolContext {
    /// Call before writing or deleting `path` (once per path and call):
    /// records its pre-image in the journal, if there is one, and announces
    /// the write with its planned content (`after`, `None` for a deletion)
    /// to the intent receiver, if there is one, waiting until it is
    /// recorded. The error is written for the model.
    pub async fn before_change(&self, path: &Path, after: Option<&[u8]>) -> Result<(), String> {
        if let Some(journal) = &self.journal {
            journal.before_change(path).map_err(|e| {
                format!(
                    "cannot record the current content of {} before changing it: {e}",
                    relative_display(&journal.root, path)
                )
            })?;
        }
        let Some(intents) = &self.intents else {
            return Ok(());
        };
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let rel = relative_display(&root, path);
        let before = FileImage::read(path)
            .map_err(|e| format!("cannot read {rel} before changing it: {e}"))?
            .map(|image| image.bytes);
        let intent = EditIntent {
            path: rel.clone(),
            before,
            after: after.map(<[u8]>::to_vec),
        };
        let (ack, recorded) = tokio::sync::oneshot::channel();
        intents
            .send((intent, ack))
            .map_err(|_| format!("{rel} was not changed: the run stopped recording"))?;
        match recorded.await {
            Ok(result) => result,
            Err(_) => Err(format!("{rel} was not changed: the run stopped recording")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn records_first_pre_image_and_reports_real_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (a, b, c) = (
            root.join("a.txt"),
            root.join("sub/b.txt"),
            root.join("c.txt"),
        );
        std::fs::write(&a, "one\n").unwrap();
        std::fs::write(&c, "same\n").unwrap();
        let journal = Journal::new(&root);
        journal.before_change(&a).unwrap();
        std::fs::write(&a, "two\n").unwrap();
        journal.before_change(&a).unwrap();
        std::fs::write(&a, "three\n").unwrap();
        journal.before_change(&b).unwrap();
        write_atomic(&b, b"new\n").unwrap();
        journal.before_change(&c).unwrap();
        let changes = journal.finish_call();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].path, "a.txt");
        assert_eq!(changes[0].before.as_ref().unwrap().bytes, b"one\n");
        assert_eq!(changes[0].after.as_ref().unwrap().bytes, b"three\n");
        assert_eq!(changes[1].path, "sub/b.txt");
        assert!(changes[1].before.is_none());
        assert!(
            journal.finish_call().is_empty(),
            "a finished call is forgotten"
        );
    }

    #[test]
    fn revert_restores_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (a, b) = (root.join("a"), root.join("b"));
        std::fs::write(&a, "keep").unwrap();
        let journal = Journal::new(root);
        journal.before_change(&a).unwrap();
        journal.before_change(&b).unwrap();
        std::fs::write(&a, "changed").unwrap();
        std::fs::write(&b, "created").unwrap();
        journal.revert().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "keep");
        assert!(!b.exists());
        assert!(journal.finish_call().is_empty());
    }

    #[tokio::test]
    async fn context_without_journal_is_a_no_op() {
        let ctx = ToolContext::new(PathBuf::from("/nonexistent"));
        assert!(
            ctx.before_change(Path::new("/nonexistent/x"), None)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_write_is_announced_and_waits_for_the_record() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "old").unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut ctx = ToolContext::new(dir.path().to_path_buf());
        ctx.intents = Some(tx);
        let target = dir.path().join("a.txt");
        let announcing = ctx.before_change(&target, Some(b"new"));
        let receiving = async {
            let (intent, ack): (EditIntent, _) = rx.recv().await.unwrap();
            assert_eq!(intent.path, "a.txt");
            assert_eq!(intent.before.as_deref(), Some(&b"old"[..]));
            assert_eq!(intent.after.as_deref(), Some(&b"new"[..]));
            ack.send(Err("disk full".into())).unwrap();
        };
        let (result, ()) = tokio::join!(announcing, receiving);
        assert_eq!(result, Err("disk full".to_string()));
    }
}
