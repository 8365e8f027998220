//! Working-tree snapshots as git tree objects, made through a temporary
//! index so the user's index and history are never touched, and restoring
//! files from such a tree. Used for step checkpoints, `chamber undo` and
//! `chamber patch create`.

use std::path::{Path, PathBuf};

use crate::git::{Git, GitError, check};

/// Chamber's state directory name, never part of a snapshot.
const STATE_DIR: &str = ".chamber";

/// The id of git's empty tree.
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// The part of a repository a project covers: everything under its
/// directory except its `.chamber/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeScope {
    /// The project directory relative to the repository root, `/`-separated,
    /// ending in `/`; empty when the project is the repository root.
    prefix: String,
}

impl TreeScope {
    /// Pathspecs selecting the scope.
    fn pathspecs(&self) -> [String; 2] {
        let include = if self.prefix.is_empty() {
            ".".to_string()
        } else {
            self.prefix.trim_end_matches('/').to_string()
        };
        [include, format!(":(exclude){}{STATE_DIR}", self.prefix)]
    }

    /// A project-relative path as a repository path.
    pub fn repo_path(&self, project_path: &str) -> String {
        format!("{}{project_path}", self.prefix)
    }

    /// A repository path relative to the project directory.
    pub fn project_path<'a>(&self, repo_path: &'a str) -> &'a str {
        repo_path.strip_prefix(&self.prefix).unwrap_or(repo_path)
    }
}

/// How a path differs between two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeChangeKind {
    /// Only in the second tree.
    Added,
    /// Only in the first tree.
    Deleted,
    /// In both, with different content or mode.
    Modified,
}

/// One path that differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeChange {
    /// How it differs.
    pub kind: TreeChangeKind,
    /// Path relative to the repository root.
    pub path: String,
}

/// A temporary index file, deleted on drop.
struct TempIndex {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TempIndex {
    fn new() -> Result<Self, GitError> {
        let dir = tempfile::Builder::new()
            .prefix("chamber-index-")
            .tempdir()
            .map_err(|source| GitError::Spawn {
                command: "git (temporary index)".into(),
                source,
            })?;
        let path = dir.path().join("index");
        Ok(Self { _dir: dir, path })
    }
}

impl Git {
    /// The scope of the project at `project` (a directory in this repository).
    pub fn scope_for(&self, project: &Path) -> TreeScope {
        let root = self
            .root()
            .canonicalize()
            .unwrap_or_else(|_| self.root().to_path_buf());
        let project = project
            .canonicalize()
            .unwrap_or_else(|_| project.to_path_buf());
        let prefix = match project.strip_prefix(&root) {
            Ok(rest) if !rest.as_os_str().is_empty() => {
                let parts: Vec<_> = rest
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                format!("{}/", parts.join("/"))
            }
            _ => String::new(),
        };
        TreeScope { prefix }
    }

    fn with_index(&self, index: &TempIndex, args: &[&str]) -> Result<String, GitError> {
        let out = self.output_with_index(args, Some(&index.path))?;
        check(args, &out)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Writes the working tree (tracked and untracked files that are not
    /// ignored, within `scope`) as a tree object and returns its id. The
    /// real index is only read, to reuse its file stat cache.
    pub fn snapshot_tree(&self, scope: &TreeScope) -> Result<String, GitError> {
        let index = TempIndex::new()?;
        let real = self.run(&["rev-parse", "--git-path", "index"])?;
        let real = self.root().join(real.trim());
        // Without a copy (no index yet) git starts from an empty one.
        let _ = std::fs::copy(&real, &index.path);
        let [include, exclude] = scope.pathspecs();
        self.with_index(&index, &["add", "-A", "--", &include, &exclude])?;
        Ok(self.with_index(&index, &["write-tree"])?.trim().to_string())
    }

    /// The paths within `scope` that differ between two trees. Submodules
    /// (gitlinks) are left out: their content is another repository's.
    pub fn diff_trees(
        &self,
        from: &str,
        to: &str,
        scope: &TreeScope,
    ) -> Result<Vec<TreeChange>, GitError> {
        let [include, exclude] = scope.pathspecs();
        let text = self.run(&[
            "diff-tree",
            "-r",
            "-z",
            "--no-renames",
            "--raw",
            from,
            to,
            "--",
            &include,
            &exclude,
        ])?;
        let mut fields = text.split('\0').filter(|f| !f.is_empty());
        let mut changes = Vec::new();
        // Each entry: ":<old mode> <new mode> <old id> <new id> <status>", then the path.
        while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
            let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            if parts.iter().take(2).any(|mode| *mode == "160000") {
                continue;
            }
            let kind = match parts.get(4).and_then(|s| s.chars().next()) {
                Some('A') => TreeChangeKind::Added,
                Some('D') => TreeChangeKind::Deleted,
                _ => TreeChangeKind::Modified,
            };
            changes.push(TreeChange {
                kind,
                path: path.to_string(),
            });
        }
        Ok(changes)
    }

    /// Writes `paths` (repository-relative) into the working tree as they
    /// are in `tree`, content and mode, through a temporary index.
    pub fn checkout_from_tree(&self, tree: &str, paths: &[String]) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        let index = TempIndex::new()?;
        self.with_index(&index, &["read-tree", tree])?;
        for chunk in paths.chunks(200) {
            let mut args = vec!["checkout-index", "-f", "--"];
            args.extend(chunk.iter().map(String::as_str));
            self.with_index(&index, &args)?;
        }
        Ok(())
    }

    /// A file in `tree` (repository-relative path): its bytes and whether it
    /// is executable; `None` when the tree has no such file.
    pub fn file_in_tree(
        &self,
        tree: &str,
        path: &str,
    ) -> Result<Option<(Vec<u8>, bool)>, GitError> {
        let listed = self.run(&["ls-tree", "-z", tree, "--", path])?;
        let Some((meta, _)) = listed.split('\0').next().and_then(|e| e.split_once('\t')) else {
            return Ok(None);
        };
        let mut parts = meta.split(' ');
        let (Some(mode), Some("blob"), Some(id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let args = ["cat-file", "blob", id];
        let out = self.output_with_index(&args, None)?;
        check(&args, &out)?;
        Ok(Some((out.stdout, mode == "100755")))
    }

    /// Points `name` (a full ref such as `refs/chamber/…`) at an object.
    pub fn update_ref(&self, name: &str, id: &str) -> Result<(), GitError> {
        self.run(&["update-ref", name, id]).map(|_| ())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn snapshot_diff_and_restore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::write(root.join("a.txt"), "one\n").unwrap();
        std::fs::create_dir_all(root.join(".chamber")).unwrap();
        std::fs::write(root.join(".chamber/state"), "x").unwrap();
        let repo = Git::discover(root).unwrap();
        let scope = repo.scope_for(root);
        let before = repo.snapshot_tree(&scope).unwrap();
        assert_eq!(repo.file_in_tree(&before, ".chamber/state").unwrap(), None);
        std::fs::write(root.join("a.txt"), "two\n").unwrap();
        std::fs::write(root.join("b.txt"), "new\n").unwrap();
        let after = repo.snapshot_tree(&scope).unwrap();
        let changes = repo.diff_trees(&before, &after, &scope).unwrap();
        assert_eq!(
            changes,
            vec![
                TreeChange {
                    kind: TreeChangeKind::Modified,
                    path: "a.txt".into()
                },
                TreeChange {
                    kind: TreeChangeKind::Added,
                    path: "b.txt".into()
                },
            ]
        );
        repo.checkout_from_tree(&before, &["a.txt".into()]).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a.txt")).unwrap(),
            "one\n"
        );
        assert_eq!(
            repo.file_in_tree(&after, "b.txt").unwrap(),
            Some((b"new\n".to_vec(), false))
        );
        // Nothing was staged in the real index.
        let status = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["diff", "--cached", "--name-only"])
            .output()
            .unwrap();
        assert!(status.stdout.is_empty());
    }
}
