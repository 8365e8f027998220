//! Real edits from a git history: for recent commits that modified `.rs`
//! files, the file at the parent commit and one real hunk of the change
//! (the file with only that hunk applied is the expected result).

use std::path::Path;
use std::process::Command;

use fastrand::Rng;
use similar::{Algorithm, DiffOp, capture_diff_slices, group_diff_ops};

use super::corpus::{Edit, Source, usable};
use super::diff::lines_of;

/// Most changed lines (removed plus added) of a hunk taken.
const MAX_CHANGED: usize = 40;
/// Hunks taken per (commit, file).
const PER_FILE: usize = 2;

/// Up to `n` edits from the history of the repository at `repo`, newest
/// commits first.
pub fn git_history(repo: &Path, n: usize, rng: &mut Rng, notes: &mut Vec<String>) -> Vec<Edit> {
    let Some(log) = git(
        repo,
        &[
            "log",
            "--no-merges",
            "--diff-filter=M",
            "--name-only",
            "--format=commit %H %P",
            "-n",
            "400",
            "--",
            "*.rs",
        ],
    ) else {
        notes.push(format!(
            "git_history: {} is not a git repository (or git failed); skipped",
            repo.display()
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut commit: Option<(String, String)> = None;
    for line in log.lines() {
        if out.len() >= n {
            break;
        }
        if let Some(rest) = line.strip_prefix("commit ") {
            let mut ids = rest.split_whitespace();
            commit = match (ids.next(), ids.next()) {
                (Some(c), Some(p)) => Some((c.to_owned(), p.to_owned())),
                _ => None,
            };
            continue;
        }
        let (Some((id, parent)), false) = (&commit, line.trim().is_empty()) else {
            continue;
        };
        let (Some(before), Some(after)) = (
            git(repo, &["show", &format!("{parent}:{line}")]),
            git(repo, &["show", &format!("{id}:{line}")]),
        ) else {
            continue;
        };
        if !usable(&before) || !usable(&after) {
            continue;
        }
        let mut picked = single_hunks(&before, &after);
        if picked.len() > PER_FILE {
            picked = rng.choose_multiple(picked, PER_FILE);
        }
        for after in picked.into_iter().take(n - out.len()) {
            out.push(Edit {
                source: Source::GitHistory,
                path: line.to_owned(),
                origin: format!("{}:{line}", &id[..id.len().min(12)]),
                before: before.clone(),
                after,
                kind: "commit hunk".into(),
            });
        }
    }
    if out.len() < n {
        notes.push(format!(
            "git_history: {} of {n} hunks found in {}",
            out.len(),
            repo.display()
        ));
    }
    out
}

/// For each hunk of the change from `before` to `after` (3 lines of
/// context, as `git log -p` shows them), `before` with only that hunk
/// applied. Hunks changing more than [`MAX_CHANGED`] lines are left out.
fn single_hunks(before: &str, after: &str) -> Vec<String> {
    let old = lines_of(before);
    let new = lines_of(after);
    let ops = capture_diff_slices(Algorithm::Myers, &old, &new);
    let mut out = Vec::new();
    for group in group_diff_ops(ops, 3) {
        let changed: Vec<&DiffOp> = group
            .iter()
            .filter(|op| !matches!(op, DiffOp::Equal { .. }))
            .collect();
        let (Some(first), Some(last)) = (changed.first(), changed.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        if old_range.len() + new_range.len() > MAX_CHANGED {
            continue;
        }
        let mut lines: Vec<&str> = old[..old_range.start].to_vec();
        lines.extend(&new[new_range]);
        lines.extend(&old[old_range.end..]);
        let mut text = lines.join("\n");
        text.push('\n');
        out.push(text);
    }
    out
}

fn git(repo: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hunk_applies_alone() {
        let before: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let after = before
            .replace("line 3\n", "line three\n")
            .replace("line 25\n", "");
        let singles = single_hunks(&before, &after);
        assert_eq!(singles.len(), 2);
        assert_eq!(singles[0], before.replace("line 3\n", "line three\n"));
        assert_eq!(singles[1], before.replace("line 25\n", ""));
    }
}
