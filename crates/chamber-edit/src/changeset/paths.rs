//! Paths named by a patch: relative, inside the root, never through `..`
//! or a symlink that leads out.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::EditError;

/// Checks a path written in a patch and returns it cleaned of `.`
/// components: it must be relative, name something, and not use `..`.
pub(crate) fn clean(path: &str) -> Result<PathBuf, EditError> {
    let invalid = |reason| EditError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    if path.trim().is_empty() {
        return Err(invalid("the path is empty"));
    }
    if path.contains('\0') {
        return Err(invalid("the path contains a NUL byte"));
    }
    let mut out = PathBuf::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(invalid("`..` is not allowed in patch paths")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid("absolute paths are not allowed"));
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(invalid("the path names no file"));
    }
    Ok(out)
}

/// `root` joined with the relative path `rel`, after checking that it does
/// not leave the root through a symlink: the deepest existing ancestor (the
/// path itself if it exists) must resolve to a place inside the root.
pub(crate) fn resolve(root: &Path, rel: &Path) -> Result<PathBuf, EditError> {
    let cleaned = clean(&rel.to_string_lossy())?;
    let target = root.join(&cleaned);
    let real_root = fs::canonicalize(root).map_err(|e| EditError::io(root, "resolve", e))?;
    let mut probe = target.as_path();
    loop {
        match fs::canonicalize(probe) {
            Ok(real) => {
                if !real.starts_with(&real_root) {
                    return Err(EditError::InvalidPath {
                        path: rel.display().to_string(),
                        reason: "it leads outside the root through a symbolic link",
                    });
                }
                return Ok(target);
            }
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.kind() == io::ErrorKind::NotADirectory =>
            {
                match probe.parent() {
                    Some(parent) => probe = parent,
                    None => return Ok(target),
                }
            }
            Err(e) => return Err(EditError::io(probe, "resolve", e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_rejects() {
        assert_eq!(clean("./a/./b.txt").unwrap(), PathBuf::from("a/b.txt"));
        for bad in ["", "  ", "/etc/passwd", "../x", "a/../../x", ".", "a\0b"] {
            assert!(
                matches!(clean(bad), Err(EditError::InvalidPath { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn symlink_out_of_root_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).unwrap();
        assert!(resolve(root.path(), Path::new("out/x.txt")).is_err());
        assert!(resolve(root.path(), Path::new("in/x.txt")).is_ok());
    }
}
