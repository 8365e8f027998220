//! Resolving the model's path arguments to real paths inside the workspace,
//! refusing anything that would escape it lexically or through symlinks.

use std::io;
use std::path::{Component, Path, PathBuf};

/// A path argument resolved inside the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The path with its parent directories canonicalised but the last
    /// component left as is (so a symlink names the link itself).
    pub link: PathBuf,
    /// Where reads and writes land: `link` with a final symlink followed.
    pub target: PathBuf,
    /// `link` relative to the workspace root, `/`-separated; `.` for the root.
    pub rel: String,
}

/// The canonical workspace root, with an error written for the model.
pub(crate) fn canonical_root(root: &Path) -> Result<PathBuf, String> {
    root.canonicalize()
        .map_err(|e| format!("workspace root {} is not accessible: {e}", root.display()))
}

/// Resolves `given` (relative to the root, or absolute inside it).
pub(crate) fn resolve(root: &Path, given: &str) -> Result<Resolved, String> {
    if given.trim().is_empty() {
        return Err("path is empty; give a path relative to the workspace root".into());
    }
    let canon_root = canonical_root(root)?;
    let outside = || format!("path \"{given}\" is outside the workspace");
    let rel_parts = relative_parts(root, &canon_root, Path::new(given)).ok_or_else(outside)?;

    let mut link = canon_root.clone();
    link.extend(&rel_parts);
    // Canonicalise the parent (the nearest existing ancestor) so symlinked
    // directories cannot lead outside.
    if let Some((_, parent_parts)) = rel_parts.split_last() {
        let mut parent = canon_root.clone();
        parent.extend(parent_parts);
        let real_parent = canonicalize_existing_prefix(&parent).map_err(|e| e.to_string())?;
        if !real_parent.starts_with(&canon_root) {
            return Err(outside());
        }
        if let Some(name) = link.file_name() {
            link = real_parent.join(name);
        }
    }
    let target = match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.file_type().is_symlink() => match link.canonicalize() {
            Ok(real) if real.starts_with(&canon_root) => real,
            Ok(_) => return Err(outside()),
            // A dangling link: writing replaces the link itself, which stays inside.
            Err(_) => link.clone(),
        },
        _ => link.clone(),
    };
    let rel = relative_display(&canon_root, &link);
    Ok(Resolved { link, target, rel })
}

/// The normal components of `given` relative to the root, after removing `.`
/// and `..` lexically; `None` if it leaves the root.
fn relative_parts(root: &Path, canon_root: &Path, given: &Path) -> Option<Vec<PathBuf>> {
    let relative: PathBuf = if given.is_absolute() {
        let normal = normalize(given)?;
        let plain_root = normalize(root)?;
        if let Ok(rest) = normal.strip_prefix(canon_root) {
            rest.to_path_buf()
        } else if let Ok(rest) = normal.strip_prefix(&plain_root) {
            rest.to_path_buf()
        } else {
            return None;
        }
    } else {
        given.to_path_buf()
    };
    let mut parts = Vec::new();
    for comp in relative.components() {
        match comp {
            Component::Normal(p) => parts.push(PathBuf::from(p)),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts)
}

/// Lexical normalisation of an absolute path; `None` if `..` climbs above `/`.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// Canonicalises the longest existing prefix of `path` and re-appends the rest.
fn canonicalize_existing_prefix(path: &Path) -> io::Result<PathBuf> {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                let mut out = real;
                out.extend(rest.iter().rev());
                return Ok(out);
            }
            Err(e) => match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_os_string());
                    existing = parent.to_path_buf();
                }
                _ => return Err(e),
            },
        }
    }
}

/// `path` relative to `root`, `/`-separated, `.` for the root itself.
pub(crate) fn relative_display(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".to_string(),
        Ok(rest) => rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_inside_is_fine_but_escape_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let r = resolve(dir.path(), "a/../b.txt").unwrap();
        assert_eq!(r.rel, "b.txt");
        let err = resolve(dir.path(), "a/../../x").unwrap_err();
        assert_eq!(err, "path \"a/../../x\" is outside the workspace");
        assert_eq!(resolve(dir.path(), ".").unwrap().rel, ".");
    }

    #[test]
    fn absolute_inside_root_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().join("sub/f.txt");
        let r = resolve(dir.path(), abs.to_str().unwrap()).unwrap();
        assert_eq!(r.rel, "sub/f.txt");
    }
}
