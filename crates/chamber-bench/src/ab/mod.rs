//! `chamber ab "task" --providers a,b:model,…`: the same task on several
//! providers, each as a real `chamber run --yes --worktree` in its own
//! linked worktree (remote ones in parallel, the local model one at a
//! time), each scored by the project's tests (green first, then fewer
//! failures, then the smaller diff, then the faster). The winner's branch
//! is checked out in the project; the others' branches stay for review.

mod attempt;
mod table;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::{BenchError, Paint};
pub use attempt::{Attempt, Spec};
use chamber_runtime::detect_tests;

/// Options of `chamber ab`.
#[derive(Debug, Clone)]
pub struct AbOptions {
    /// The task.
    pub task: String,
    /// `provider` or `provider:model`, one per attempt.
    pub providers: Vec<String>,
    /// Passed to each run (`auto`, `loop`, `direct`).
    pub strategy: Option<String>,
    /// Time limit of one attempt.
    pub timeout: Duration,
}

/// What `chamber ab` did: every attempt, the winner and the branch
/// checked out.
#[derive(Debug)]
pub struct AbReport {
    /// The task.
    pub task: String,
    /// One per provider, in the order given.
    pub attempts: Vec<Attempt>,
    /// Index of the best attempt that committed, if any.
    pub winner: Option<usize>,
    /// The winner's branch, now checked out in the project.
    pub applied: Option<String>,
}

impl AbReport {
    /// The JSON payload: the task, every attempt, the winner, the branch.
    pub fn to_json(&self) -> Value {
        json!({
            "task": self.task,
            "attempts": self.attempts.iter().map(Attempt::to_json).collect::<Vec<_>>(),
            "winner": self.winner.map(|i| self.attempts[i].spec.label.clone()),
            "applied_branch": self.applied,
        })
    }

    /// The table: one row per attempt, the winner marked, then the verdict.
    pub fn table(&self, paint: &dyn Paint) -> Vec<String> {
        table::lines(&self.attempts, self.winner, self.applied.as_deref(), paint)
    }
}

/// Runs every attempt with the `chamber` binary at `exe` in the project
/// at `root`, scores each with the tests `test` configures, and checks the
/// winner's branch out.
pub async fn run(
    root: &Path,
    test: &chamber_config::TestConfig,
    exe: &Path,
    args: AbOptions,
) -> Result<AbReport, BenchError> {
    let git = chamber_tools::Git::discover(root).ok_or_else(|| BenchError::NotARepo {
        dir: root.to_path_buf(),
    })?;
    if args.providers.len() < 2 {
        return Err(BenchError::TooFewProviders);
    }
    if !git.dirty_paths().unwrap_or_default().is_empty() {
        return Err(BenchError::DirtyTree);
    }
    let specs: Vec<Spec> = args.providers.iter().map(|s| Spec::parse(s)).collect();
    // Remote providers run side by side; the local model serves one at a time.
    let (local, remote): (Vec<&Spec>, Vec<&Spec>) = specs.iter().partition(|s| s.is_local());
    let mut attempts: Vec<Attempt> =
        futures::future::join_all(remote.iter().map(|s| attempt::run(exe, root, s, &args)))
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
    for spec in local {
        attempts.push(attempt::run(exe, root, spec, &args).await?);
    }
    let tests = detect_tests(test, root).ok();
    for a in &mut attempts {
        if let (Some(dir), Some(found)) = (a.worktree.clone(), &tests) {
            a.score_tests(&dir, &found[0]).await;
        }
    }
    // Keep the order the user gave.
    attempts.sort_by_key(|a| specs.iter().position(|s| s.label == a.spec.label));
    let winner = attempts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.branch.is_some())
        .min_by(|(_, x), (_, y)| {
            x.rank()
                .partial_cmp(&y.rank())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|(i, _)| i);
    for a in &attempts {
        if let Some(dir) = &a.worktree {
            remove_worktree(root, dir);
        }
    }
    let applied = match winner.and_then(|i| attempts[i].branch.clone()) {
        Some(branch) => {
            git.switch(&branch).map_err(|e| BenchError::Git {
                message: format!("cannot check out the winner's branch {branch}: {e}"),
                hint: Some("the attempts' branches are kept; check one out by hand"),
            })?;
            Some(branch)
        }
        None => None,
    };
    Ok(AbReport {
        task: args.task,
        attempts,
        winner,
        applied,
    })
}

/// Removes an attempt's linked worktree (its branch stays).
fn remove_worktree(root: &Path, dir: &Path) {
    let _ = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["worktree", "remove", "--force"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}
