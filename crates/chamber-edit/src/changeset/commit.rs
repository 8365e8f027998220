//! Writing a change set all-or-nothing.
//!
//! 1. The ordered changes are folded into one final state per path (write
//!    this text, or remove), and the planned disk states are checked.
//! 2. Prepare: every new text is written to a temp file beside its target
//!    (missing directories are created and remembered).
//! 3. Swap, path by path in order: an existing target is renamed to a
//!    backup beside it, then the temp file is renamed onto the target.
//! 4. Success: the backups are deleted. Failure at any step: installed
//!    files are removed, backups renamed back, created directories removed.

use std::collections::HashMap;
use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::paths::resolve;
use super::{FileChange, Observed};
use crate::error::EditError;

/// What a path ends up as.
#[derive(Debug)]
enum Final<'a> {
    /// Written with this text; permissions copied from `mode_from` (a
    /// path relative to the root) when that file exists before the commit.
    Write {
        content: &'a str,
        mode_from: Option<PathBuf>,
    },
    Remove,
}

/// One final state per path, in order of first appearance.
fn net_effect(changes: &[FileChange]) -> Vec<(PathBuf, Final<'_>)> {
    let mut out: Vec<(PathBuf, Final<'_>)> = Vec::new();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    for change in changes {
        match change {
            FileChange::Add { path, content, .. } => {
                let mode_from = mode_source(&out, &index, path);
                put(
                    &mut out,
                    &mut index,
                    path,
                    Final::Write { content, mode_from },
                );
            }
            FileChange::Delete { path, .. } => put(&mut out, &mut index, path, Final::Remove),
            FileChange::Update {
                path,
                move_to,
                content,
                ..
            } => {
                let mode_from = mode_source(&out, &index, path);
                match move_to {
                    Some(to) => {
                        put(&mut out, &mut index, path, Final::Remove);
                        put(
                            &mut out,
                            &mut index,
                            to,
                            Final::Write { content, mode_from },
                        );
                    }
                    None => put(
                        &mut out,
                        &mut index,
                        path,
                        Final::Write { content, mode_from },
                    ),
                }
            }
        }
    }
    out
}

/// Where the permissions of a file written at `path` come from: the
/// original file there, or the one an earlier change moved there.
fn mode_source(
    out: &[(PathBuf, Final<'_>)],
    index: &HashMap<PathBuf, usize>,
    path: &Path,
) -> Option<PathBuf> {
    match index.get(path).map(|&i| &out[i].1) {
        Some(Final::Write { mode_from, .. }) => mode_from.clone(),
        Some(Final::Remove) => None,
        None => Some(path.to_path_buf()),
    }
}

fn put<'a>(
    out: &mut Vec<(PathBuf, Final<'a>)>,
    index: &mut HashMap<PathBuf, usize>,
    path: &Path,
    state: Final<'a>,
) {
    match index.get(path) {
        Some(&i) => out[i].1 = state,
        None => {
            index.insert(path.to_path_buf(), out.len());
            out.push((path.to_path_buf(), state));
        }
    }
}

/// What has been done so far, to be undone on failure.
#[derive(Default)]
struct Journal {
    created_dirs: Vec<PathBuf>,
    backups: Vec<(PathBuf, PathBuf)>,
    installed: Vec<PathBuf>,
}

impl Journal {
    /// Undoes everything; returns the paths that could not be restored.
    fn rollback(self) -> Vec<PathBuf> {
        let mut stuck = Vec::new();
        for path in self.installed.iter().rev() {
            if fs::remove_file(path).is_err() && path.exists() {
                stuck.push(path.clone());
            }
        }
        for (target, backup) in self.backups.iter().rev() {
            if fs::rename(backup, target).is_err() {
                stuck.push(target.clone());
            }
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
        stuck
    }

    fn discard_backups(self) {
        for (_, backup) in &self.backups {
            let _ = fs::remove_file(backup);
        }
    }
}

/// Writes `changes` under `root` all-or-nothing (see the module docs).
pub(super) fn commit(
    root: &Path,
    changes: &[FileChange],
    observed: &[(PathBuf, Observed)],
) -> Result<(), EditError> {
    let finals = net_effect(changes);
    for (rel, state) in observed {
        check_unchanged(root, rel, state)?;
    }
    let mut targets = Vec::with_capacity(finals.len());
    for (rel, state) in &finals {
        let mode = match state {
            Final::Write {
                mode_from: Some(from),
                ..
            } => {
                let abs = resolve(root, from)?;
                fs::metadata(abs)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.permissions())
            }
            _ => None,
        };
        targets.push((rel.as_path(), resolve(root, rel)?, state, mode));
    }
    let mut journal = Journal::default();
    let mut temps: Vec<Option<TempPath>> = Vec::with_capacity(targets.len());
    let mut failure = None;
    for (rel, abs, state, mode) in &targets {
        match state {
            Final::Write { content, .. } => {
                match prepare(rel, abs, content, mode.clone(), &mut journal) {
                    Ok(temp) => temps.push(Some(temp)),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            Final::Remove => temps.push(None),
        }
    }
    if let Some(e) = failure {
        // Temp files go before the directories that hold them.
        drop(temps);
        return Err(undo(journal, e));
    }
    let mut pending = temps.into_iter();
    for (rel, abs, _, _) in &targets {
        let temp = pending.next().flatten();
        if let Err(e) = swap(rel, abs, temp, &mut journal) {
            failure = Some(e);
            break;
        }
    }
    drop(pending);
    if let Some(e) = failure {
        return Err(undo(journal, e));
    }
    journal.discard_backups();
    Ok(())
}

fn undo(journal: Journal, error: EditError) -> EditError {
    let stuck = journal.rollback();
    if stuck.is_empty() {
        error
    } else {
        EditError::RollbackFailed {
            source: Box::new(error),
            paths: stuck,
        }
    }
}

fn check_unchanged(root: &Path, rel: &Path, state: &Observed) -> Result<(), EditError> {
    let abs = resolve(root, rel)?;
    let now = match fs::read(&abs) {
        Ok(bytes) => Observed::File(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Observed::Absent,
        Err(_) if abs.is_dir() => {
            return Err(EditError::IsDirectory {
                path: rel.to_path_buf(),
            });
        }
        Err(e) => return Err(EditError::io(rel, "read", e)),
    };
    if &now == state {
        Ok(())
    } else {
        Err(EditError::ChangedOnDisk {
            path: rel.to_path_buf(),
        })
    }
}

/// Creates the missing parent directories of `abs` and writes `content` to
/// a temp file beside it.
fn prepare(
    rel: &Path,
    abs: &Path,
    content: &str,
    mode: Option<Permissions>,
    journal: &mut Journal,
) -> Result<TempPath, EditError> {
    let Some(dir) = abs.parent() else {
        return Err(EditError::InvalidPath {
            path: rel.display().to_string(),
            reason: "the path names no file",
        });
    };
    let mut missing = Vec::new();
    let mut probe = Some(dir);
    while let Some(p) = probe {
        if fs::symlink_metadata(p).is_ok() {
            break;
        }
        missing.push(p.to_path_buf());
        probe = p.parent();
    }
    for d in missing.into_iter().rev() {
        fs::create_dir(&d).map_err(|e| EditError::io(&d, "create directory", e))?;
        journal.created_dirs.push(d);
    }
    let io_err = |e: io::Error| EditError::io(rel, "write", e);
    let mut file = tempfile::Builder::new()
        .prefix(".chamber-edit-")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(io_err)?;
    file.write_all(content.as_bytes()).map_err(io_err)?;
    file.as_file().sync_all().map_err(io_err)?;
    if let Some(perms) = mode {
        file.as_file().set_permissions(perms).map_err(io_err)?;
    }
    Ok(file.into_temp_path())
}

/// Moves an existing target aside (refusing a directory) and puts the new
/// file in its place.
fn swap(
    rel: &Path,
    abs: &Path,
    temp: Option<TempPath>,
    journal: &mut Journal,
) -> Result<(), EditError> {
    match fs::symlink_metadata(abs) {
        Ok(meta) if meta.is_dir() => {
            return Err(EditError::IsDirectory {
                path: rel.to_path_buf(),
            });
        }
        Ok(_) => {
            let backup = backup_beside(rel, abs)?;
            if let Err(e) = fs::rename(abs, &backup) {
                let _ = fs::remove_file(&backup);
                return Err(EditError::io(rel, "move aside", e));
            }
            journal.backups.push((abs.to_path_buf(), backup));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(EditError::io(rel, "inspect", e)),
    }
    if let Some(temp) = temp {
        temp.persist(abs)
            .map_err(|e| EditError::io(rel, "write", e.error))?;
        journal.installed.push(abs.to_path_buf());
    }
    Ok(())
}

/// A fresh, unused name beside `abs` for its backup.
fn backup_beside(rel: &Path, abs: &Path) -> Result<PathBuf, EditError> {
    let dir = abs.parent().unwrap_or_else(|| Path::new("."));
    let placeholder = tempfile::Builder::new()
        .prefix(".chamber-edit-backup-")
        .tempfile_in(dir)
        .map_err(|e| EditError::io(rel, "back up", e))?;
    placeholder
        .into_temp_path()
        .keep()
        .map_err(|e| EditError::io(rel, "back up", e.error))
}
