//! Guarded runs touch nothing: they work in a throwaway copy and leave their
//! changes staged under `.chamber/guarded/<run>.json` until a person applies
//! them (`chamber apply-guarded`) or discards them (`chamber reject`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::AgentError;

/// One run's staged changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StagedChange {
    /// The run that produced them.
    pub run_id: String,
    /// The plan's title, reused as the commit subject when applied.
    pub title: String,
    /// When they were staged (RFC 3339).
    pub staged_at: String,
    /// Files the diff touches.
    pub files: Vec<String>,
    /// The unified diff against the project as it was when the run started.
    pub diff: String,
}

/// Where staged changes of `project` live.
pub fn staged_dir(project: &Path) -> PathBuf {
    project.join(".chamber").join("guarded")
}

/// Files a unified diff touches (the `+++ b/` side, or `--- a/` for deletions).
pub fn diff_files(diff: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for line in diff.lines() {
        if let Some(rest) = line.strip_prefix("diff --git a/")
            && let Some((_, b)) = rest.split_once(" b/")
            && !files.iter().any(|f| f == b)
        {
            files.push(b.to_string());
        }
    }
    files
}

/// Saves `change` atomically; returns its path.
pub fn stage(project: &Path, change: &StagedChange) -> Result<PathBuf, AgentError> {
    let dir = staged_dir(project);
    std::fs::create_dir_all(&dir)
        .map_err(|e| AgentError::io("cannot create .chamber/guarded", e))?;
    // Staged changes are local run data: keep them out of git whatever
    // `.chamber/.gitignore` says (older ones predate this directory).
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        chamber_tools::atomic::write_atomic(&ignore, b"*\n")
            .map_err(|e| AgentError::io("cannot write .chamber/guarded/.gitignore", e))?;
    }
    let path = dir.join(format!("{}.json", change.run_id));
    let text = serde_json::to_string_pretty(change)
        .map_err(|e| AgentError::io("cannot encode the staged change", std::io::Error::other(e)))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| AgentError::io("cannot stage the change", e))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .map_err(|e| AgentError::io("cannot stage the change", e))?;
    tmp.persist(&path)
        .map_err(|e| AgentError::io("cannot stage the change", e.error))?;
    Ok(path)
}

/// Stages a finished guarded run's diff; returns how many files it touches.
pub fn stage_run(
    project: &Path,
    run_id: &str,
    plan: &chamber_protocol::Plan,
    diff: &str,
) -> Result<usize, AgentError> {
    let files = diff_files(diff);
    let change = StagedChange {
        run_id: run_id.to_string(),
        title: plan.title.clone(),
        staged_at: chrono::Utc::now().to_rfc3339(),
        files: files.clone(),
        diff: diff.to_string(),
    };
    stage(project, &change)?;
    Ok(files.len())
}

/// Every staged change of `project`, oldest first.
pub fn list_staged(project: &Path) -> Vec<StagedChange> {
    let Ok(entries) = std::fs::read_dir(staged_dir(project)) else {
        return Vec::new();
    };
    let mut all: Vec<StagedChange> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect();
    all.sort_by(|a, b| a.staged_at.cmp(&b.staged_at));
    all
}

/// The staged change of the run whose id starts with `prefix`; an error
/// says what is staged when none (or several) match.
pub fn find_staged(project: &Path, prefix: &str) -> Result<StagedChange, String> {
    let all = list_staged(project);
    let hits: Vec<&StagedChange> = all
        .iter()
        .filter(|c| c.run_id.starts_with(prefix))
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(if all.is_empty() {
            format!("no staged changes for run {prefix:?}: nothing is staged in this project")
        } else {
            format!(
                "no staged changes for run {prefix:?}; staged runs: {}",
                all.iter()
                    .map(|c| &c.run_id[..c.run_id.len().min(8)])
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        _ => Err(format!(
            "{prefix:?} matches several staged runs; give more of the id"
        )),
    }
}

/// Removes a run's staged change (after it was applied or rejected).
pub fn unstage(project: &Path, run_id: &str) -> Result<(), AgentError> {
    let path = staged_dir(project).join(format!("{run_id}.json"));
    std::fs::remove_file(&path).map_err(|e| AgentError::io("cannot remove the staged change", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_changes_round_trip_and_are_found_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let change = StagedChange {
            run_id: "abcdef123".into(),
            title: "t".into(),
            staged_at: "2026-11-22T10:00:00Z".into(),
            files: vec!["a.txt".into()],
            diff: "diff --git a/a.txt b/a.txt\n".into(),
        };
        stage(dir.path(), &change).unwrap();
        assert_eq!(find_staged(dir.path(), "abc").unwrap(), change);
        assert!(
            find_staged(dir.path(), "zzz")
                .unwrap_err()
                .contains("abcdef12")
        );
        unstage(dir.path(), "abcdef123").unwrap();
        assert!(
            find_staged(dir.path(), "abc")
                .unwrap_err()
                .contains("nothing is staged")
        );
        assert_eq!(
            diff_files("diff --git a/x y.txt b/x y.txt\n--- a/x\n"),
            vec!["x y.txt"]
        );
    }
}
