//! Tasks that name a git URL: the worker's clone is fetched (or made)
//! before the run, the run's worktree starts from the remote's branch, and
//! a run that committed has its branch pushed back to the URL, after the
//! fencing token says this worker still holds the task.

use std::path::PathBuf;

use chamber_agent::RunOutcome;
use chamber_protocol::RunStatus;
use chamber_runtime::remote_repo::{self, PreparedClone};
use chamber_runtime::{ErrorKind, RuntimeError};
use chamber_store::TaskRecord;
use serde_json::{Value, json};

use crate::state::AppState;

fn join_error(e: tokio::task::JoinError) -> RuntimeError {
    RuntimeError::setting(
        "internal",
        format!("the git worker thread failed: {e}"),
        None,
        ErrorKind::Internal,
    )
}

/// The project root and base a task's run uses: the local checkout it
/// names, or this machine's fresh clone of its URL.
pub async fn workspace_of(
    state: &AppState,
    task: &TaskRecord,
) -> Result<(PathBuf, Option<String>), RuntimeError> {
    if !remote_repo::is_remote(&task.repo) {
        return Ok((PathBuf::from(&task.repo), task.base_branch.clone()));
    }
    let data = chamber_config::Dirs::from_process_env().data;
    let url = task.repo.clone();
    let base = task.base_branch.clone();
    let limit = state.settings.remote_timeout;
    let PreparedClone { dir, base } = tokio::task::spawn_blocking(move || {
        remote_repo::prepare_clone(&data, &url, base.as_deref(), limit)
    })
    .await
    .map_err(join_error)??;
    tracing::info!(task = %task.id, clone = %dir.display(), %base, "remote repository ready");
    Ok((dir, Some(base)))
}

/// For a remote task whose run committed: pushes its branch to the URL
/// (when `[server] push_remote_branches`), and says what happened, for the
/// task's result. `None` for local tasks.
pub async fn deliver(
    state: &AppState,
    task: &TaskRecord,
    token: i64,
    outcome: &RunOutcome,
) -> Option<Value> {
    if !remote_repo::is_remote(&task.repo) {
        return None;
    }
    let (Some(branch), Some(commit)) = (&outcome.branch, &outcome.commit) else {
        return None;
    };
    if outcome.status != RunStatus::Completed {
        return None;
    }
    if !state.settings.push_remote_branches {
        return Some(json!({"pushed": false, "reason": "[server] push_remote_branches is off"}));
    }
    // A push leaves the run: only the worker that still holds the task may.
    if let Err(e) = state.store.check_fence(&task.id, token).await {
        return Some(json!({"pushed": false, "reason": format!("fenced out: {e}")}));
    }
    let dir = remote_repo::clone_dir(&chamber_config::Dirs::from_process_env().data, &task.repo);
    let limit = state.settings.remote_timeout;
    let pushed = {
        let branch = branch.clone();
        tokio::task::spawn_blocking(move || remote_repo::push_branch(&dir, &branch, limit))
            .await
            .map_err(join_error)
            .and_then(|r| r)
    };
    Some(match pushed {
        Ok(()) => {
            tracing::info!(task = %task.id, %branch, remote = %task.repo, "branch pushed");
            json!({"pushed": true, "remote": task.repo, "branch": branch, "commit": commit})
        }
        Err(e) => {
            tracing::warn!(task = %task.id, error = %e, "push failed");
            json!({"pushed": false, "remote": task.repo, "branch": branch, "reason": e.to_string()})
        }
    })
}
