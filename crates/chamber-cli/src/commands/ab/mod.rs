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

use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;
use attempt::{Attempt, Spec};
use chamber_runtime::detect_tests;

/// Options of `chamber ab`.
pub struct AbArgs {
    /// The task.
    pub task: String,
    /// `provider` or `provider:model`, one per attempt.
    pub providers: Vec<String>,
    /// Passed to each run (`auto`, `loop`, `direct`).
    pub strategy: Option<String>,
    /// Time limit of one attempt.
    pub timeout: Duration,
}

/// Runs every attempt, prints the table, applies the winner.
pub async fn ab(setup: &Setup, args: AbArgs, out: &Output) -> Result<(Value, i32), CliError> {
    let root = &setup.root;
    let git = chamber_tools::Git::discover(root).ok_or_else(|| {
        CliError::new(
            "not_a_repo",
            format!("{} is not a git repository", root.display()),
            Some("`chamber ab` compares the attempts' branches; run `git init` and commit first"),
            status::INVALID_STATE,
        )
    })?;
    if args.providers.len() < 2 {
        return Err(CliError::new(
            "bad_flag",
            "--providers needs at least two entries to compare",
            Some("for example --providers local,openai:gpt-4.1-mini"),
            status::CONFIG,
        ));
    }
    if !git.dirty_paths().unwrap_or_default().is_empty() {
        return Err(CliError::new(
            "dirty_tree",
            "the working tree has uncommitted changes; the winner's branch is checked out at the end",
            Some("commit or stash them first"),
            status::INVALID_STATE,
        ));
    }
    let specs: Vec<Spec> = args.providers.iter().map(|s| Spec::parse(s)).collect();
    let exe = std::env::current_exe()
        .map_err(|e| CliError::new("io_failed", e.to_string(), None, status::INTERNAL))?;
    // Remote providers run side by side; the local model serves one at a time.
    let (local, remote): (Vec<&Spec>, Vec<&Spec>) = specs.iter().partition(|s| s.is_local());
    let mut attempts: Vec<Attempt> = futures::future::join_all(
        remote
            .iter()
            .map(|s| attempt::run(&exe, root, s, &args, setup)),
    )
    .await
    .into_iter()
    .collect::<Result<_, _>>()?;
    for spec in local {
        attempts.push(attempt::run(&exe, root, spec, &args, setup).await?);
    }
    let tests = detect_tests(&setup.loaded.config.test, root).ok();
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
            git.switch(&branch).map_err(|e| {
                CliError::new(
                    "git_failed",
                    format!("cannot check out the winner's branch {branch}: {e}"),
                    Some("the attempts' branches are kept; check one out by hand"),
                    status::INTERNAL,
                )
            })?;
            Some(branch)
        }
        None => None,
    };
    table::print(out, &attempts, winner, applied.as_deref());
    let payload = json!({
        "task": args.task,
        "attempts": attempts.iter().map(Attempt::to_json).collect::<Vec<_>>(),
        "winner": winner.map(|i| attempts[i].spec.label.clone()),
        "applied_branch": applied,
    });
    let code = if applied.is_some() {
        status::OK
    } else {
        status::RUN_FAILED
    };
    Ok((payload, code))
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
