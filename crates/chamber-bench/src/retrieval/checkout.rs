//! Finding each benchmark repository and moving one work tree per
//! repository between commits with a private git index, so the codebase
//! index is updated incrementally from one instance to the next.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::BenchError;
use crate::process::io_err;

/// The git directory (or work tree) for `repo` (`owner/name`) under `dir`:
/// `<owner>+<name>/repo` (bare mirror), `<owner>+<name>`, `<owner>__<name>`
/// or `<name>`.
pub fn find_repo(dir: &Path, repo: &str) -> Option<PathBuf> {
    let (owner, name) = repo.split_once('/').unwrap_or(("", repo));
    let candidates = [
        dir.join(format!("{owner}+{name}")).join("repo"),
        dir.join(format!("{owner}+{name}")),
        dir.join(format!("{owner}__{name}")),
        dir.join(name),
    ];
    candidates
        .into_iter()
        .find(|c| c.join("HEAD").is_file() || c.join(".git").exists() || c.join("objects").is_dir())
}

/// The git dir of a repository found by [`find_repo`]: itself when bare,
/// else its `.git`.
pub fn git_dir(found: &Path) -> PathBuf {
    if found.join(".git").exists() {
        found.join(".git")
    } else {
        found.to_path_buf()
    }
}

/// One work tree moved between commits of one repository.
pub struct Checkout {
    /// The repository's git directory.
    pub git_dir: PathBuf,
    /// The work tree.
    pub work: PathBuf,
    /// The private index file.
    pub index_file: PathBuf,
}

impl Checkout {
    fn git(&self, args: &[&str]) -> Result<std::process::Output, BenchError> {
        Command::new("git")
            .arg("--git-dir")
            .arg(&self.git_dir)
            .arg("--work-tree")
            .arg(&self.work)
            .env("GIT_INDEX_FILE", &self.index_file)
            .args(args)
            .output()
            .map_err(|e| BenchError::Git {
                message: e.to_string(),
                hint: None,
            })
    }

    /// Makes the work tree match `commit`: files of the previous commit
    /// that differ are rewritten, files it lacks are removed. Blobs missing
    /// from a partial mirror (its largest files) are left out.
    pub fn checkout(&self, commit: &str) -> Result<(), BenchError> {
        std::fs::create_dir_all(&self.work).map_err(io_err(self.work.display().to_string()))?;
        if self
            .git(&["read-tree", "--reset", "-u", commit])?
            .status
            .success()
        {
            return Ok(());
        }
        // A blob is missing: rebuild the tree file by file, skipping it.
        let listed = self.git(&["ls-tree", "-r", "-z", "--name-only", commit])?;
        if !listed.status.success() {
            return Err(BenchError::Git {
                message: format!(
                    "cannot check out {commit}: {}",
                    String::from_utf8_lossy(&listed.stderr).trim()
                ),
                hint: None,
            });
        }
        let wanted: std::collections::HashSet<String> = String::from_utf8_lossy(&listed.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        remove_unlisted(&self.work, &self.work, &wanted);
        self.git(&["read-tree", "--reset", commit])?;
        // Errors name the missing blobs; every other file is written.
        self.git(&["checkout-index", "-a", "-f", "-q"])?;
        Ok(())
    }
}

/// Deletes files under `dir` whose path relative to `root` is not wanted.
fn remove_unlisted(root: &Path, dir: &Path, wanted: &std::collections::HashSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_unlisted(root, &path, wanted);
        } else if let Ok(rel) = path.strip_prefix(root)
            && !wanted.contains(&rel.to_string_lossy().replace('\\', "/"))
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}
