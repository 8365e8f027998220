//! Copying a working tree for dry runs: the copy has the repository and every
//! source file, but not gitignored build output.

use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use crate::list_tool::project_walker;

/// Copies the working tree at `src` into `dst` (created if missing): `.git/`
/// as is, plus every file the gitignore rules keep, tracked or not. File
/// modes and symlinks are preserved; a `dst` inside `src` is not copied into
/// itself.
pub fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    let src = src.canonicalize()?;
    fs::create_dir_all(dst)?;
    let dst = dst.canonicalize()?;
    let git_dir = src.join(".git");
    if fs::symlink_metadata(&git_dir).is_ok() {
        copy_any(&git_dir, &dst.join(".git"))?;
    }
    let skip = dst.clone();
    let mut walker = project_walker(&src);
    walker.filter_entry(move |e| e.file_name() != ".git" && e.path() != skip);
    for entry in walker.build() {
        let entry = match entry {
            Ok(e) => e,
            // Real IO failures abort the copy; a malformed ignore rule does not.
            Err(e) if e.io_error().is_some() => return Err(io::Error::other(e)),
            Err(_) => continue,
        };
        if entry.depth() == 0 {
            continue;
        }
        let rel = entry.path().strip_prefix(&src).map_err(io::Error::other)?;
        copy_one(entry.path(), &dst.join(rel))?;
    }
    Ok(())
}

/// Copies one entry without descending: a directory is created with its mode,
/// a symlink recreated, a file copied with its mode; other kinds are skipped.
fn copy_one(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        if fs::symlink_metadata(to).is_ok() {
            fs::remove_file(to)?;
        }
        symlink(fs::read_link(from)?, to)
    } else if kind.is_dir() {
        fs::create_dir_all(to)?;
        // Keep the directory writable by us so its contents can be copied in.
        let mode = meta.permissions().mode() | 0o700;
        fs::set_permissions(to, fs::Permissions::from_mode(mode))
    } else if kind.is_file() {
        // fs::copy copies the permission bits too.
        fs::copy(from, to).map(|_| ())
    } else {
        Ok(())
    }
}

/// Copies `from` recursively, whatever it is.
fn copy_any(from: &Path, to: &Path) -> io::Result<()> {
    copy_one(from, to)?;
    if fs::symlink_metadata(from)?.is_dir() {
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_any(&entry.path(), &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
