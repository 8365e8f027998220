//! `chamber task …` on the local queue: the same records and rules the
//! server uses, without a server. With `--server`, `task_remote` sends the
//! same requests over HTTP.

use std::path::PathBuf;

use chamber_agent::Observer;
use chamber_server::{Priority, ServerSettings, SubmitTask, TaskConstraints};
use chamber_store::{ApprovalState, Decision, Store, TaskFilter, TaskState};
use serde_json::{Value, json};

use super::task_text::{api_error, print_task, task_line};
use crate::cli_service::{RemoteArgs, TaskAction};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::printer::LivePrinter;
use crate::setup::Setup;

/// What `task submit` asks for, before it is sent or stored.
pub struct Submission {
    /// The request body.
    pub body: SubmitTask,
    /// Its idempotency key.
    pub key: Option<String>,
}

/// The remote server a command names, if any.
fn remote_of(action: &TaskAction) -> &RemoteArgs {
    match action {
        TaskAction::Submit { remote, .. }
        | TaskAction::List { remote, .. }
        | TaskAction::Show { remote, .. }
        | TaskAction::Logs { remote, .. }
        | TaskAction::Cancel { remote, .. }
        | TaskAction::Approve { remote, .. }
        | TaskAction::Reject { remote, .. }
        | TaskAction::Retry { remote, .. } => remote,
    }
}

/// The person answering: `--as`, else `$USER`.
pub fn approver_name(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "cli".into())
}

/// Builds the submission from the flags.
pub fn submission(setup: &Setup, action: &TaskAction) -> Result<Option<Submission>, CliError> {
    let TaskAction::Submit {
        prompt,
        repo,
        base_branch,
        priority,
        queue,
        labels,
        yes,
        mode,
        verify,
        budget_cost,
        idempotency_key,
        ..
    } = action
    else {
        return Ok(None);
    };
    let repo = repo.clone().unwrap_or_else(|| setup.root.clone());
    let repo = if chamber_runtime::remote_repo::is_remote(&repo.to_string_lossy()) {
        // A git URL goes as it is; the server clones it.
        repo
    } else if repo.is_absolute() {
        repo.canonicalize().unwrap_or(repo)
    } else {
        let repo = std::env::current_dir().unwrap_or_default().join(repo);
        repo.canonicalize().unwrap_or(repo)
    };
    let priority = match priority.parse::<i32>() {
        Ok(n) => Priority::Number(n),
        Err(_) => Priority::Named(priority.clone()),
    };
    let body = SubmitTask {
        prompt: prompt.join(" "),
        repo: repo.display().to_string(),
        base_branch: base_branch.clone(),
        constraints: TaskConstraints {
            auto_approve: *yes,
            approval_mode: mode.clone(),
            verify: *verify,
            budget_cost_usd: *budget_cost,
            ..TaskConstraints::default()
        },
        priority: Some(priority),
        queue: Some(queue.clone()),
        labels: labels.clone(),
        unique_key: None,
        max_attempts: None,
    };
    Ok(Some(Submission {
        body,
        key: idempotency_key.clone(),
    }))
}

/// Runs a task command.
pub async fn task(
    setup: &Setup,
    action: TaskAction,
    out: &Output,
) -> Result<(Value, i32), CliError> {
    let remote = remote_of(&action).clone();
    if let Some(url) = remote.server {
        return super::task_remote::task(setup, &url, remote.token.as_deref(), action, out).await;
    }
    let store = setup.store().await?;
    let payload = match action {
        TaskAction::Submit { .. } => {
            let Some(sub) = submission(setup, &action)? else {
                return Ok((Value::Null, status::OK));
            };
            let mut settings = ServerSettings::from_config(&setup.loaded.config.server);
            // On the local queue the user names their own checkout.
            settings.repo_roots = vec![PathBuf::from(&sub.body.repo)];
            let repo = sub.body.validate(&settings).await.map_err(api_error)?;
            let new = sub
                .body
                .new_task(&repo, sub.key, "cli", &settings)
                .map_err(api_error)?;
            let s = store.submit_task(&new, Some(settings.queue_cap)).await?;
            let t = json!(s.task);
            out.line(format!(
                "{} task {}",
                if s.created {
                    "queued"
                } else {
                    "already queued:"
                },
                t["id"].as_str().unwrap_or("")
            ));
            out.line("`chamber serve` or `chamber worker` runs it; `chamber task logs ID --follow` shows it");
            json!(s.task)
        }
        TaskAction::List { state, limit, .. } => {
            let state = state
                .as_deref()
                .map(str::parse::<TaskState>)
                .transpose()
                .map_err(|e| CliError::new("bad_flag", e.to_string(), None, status::CONFIG))?;
            let tasks = store
                .list_tasks(&TaskFilter {
                    state,
                    limit: Some(limit.clamp(1, 500)),
                    ..TaskFilter::default()
                })
                .await?;
            for t in &tasks {
                out.line(task_line(&json!(t)));
            }
            json!({"tasks": tasks})
        }
        TaskAction::Show { id, .. } => {
            let t = json!(store.get_task(&id).await?);
            print_task(&t, out);
            t
        }
        TaskAction::Logs { id, follow, .. } => logs(&store, &id, follow, out).await?,
        TaskAction::Cancel { id, .. } => {
            let t = json!(
                store
                    .cancel_task(&id, "cancelled from the command line")
                    .await?
            );
            print_task(&t, out);
            t
        }
        TaskAction::Retry { id, .. } => {
            let t = json!(store.retry_task(&id).await?);
            print_task(&t, out);
            t
        }
        TaskAction::Approve {
            id,
            approver,
            for_session,
            ..
        } => {
            let decision = if for_session {
                Decision::ApproveForSession
            } else {
                Decision::Approve
            };
            answer(&store, &id, decision, approver_name(approver), out).await?
        }
        TaskAction::Reject { id, approver, .. } => {
            answer(&store, &id, Decision::Reject, approver_name(approver), out).await?
        }
    };
    Ok((payload, status::OK))
}

async fn answer(
    store: &Store,
    id: &str,
    decision: Decision,
    approver: String,
    out: &Output,
) -> Result<Value, CliError> {
    let task = store.get_task(id).await?;
    let pending = match &task.run_id {
        Some(run) => {
            store
                .list_approvals(Some(ApprovalState::Pending), Some(run))
                .await?
        }
        None => Vec::new(),
    };
    let Some(first) = pending.into_iter().next() else {
        return Err(CliError::new(
            "nothing_pending",
            format!("task {} ({}) waits for no approval", task.id, task.state),
            Some("`chamber task show ID` shows where it stands"),
            status::INVALID_STATE,
        ));
    };
    let a = store
        .answer_approval(&first.id, decision, &approver)
        .await?;
    out.line(format!("{} {}: {} ({})", a.kind, a.id, a.state, a.what));
    Ok(json!(a))
}

async fn logs(store: &Store, id: &str, follow: bool, out: &Output) -> Result<Value, CliError> {
    let printer = LivePrinter::new(out);
    let mut cursor = 0;
    let mut count = 0u64;
    loop {
        let task = store.get_task(id).await?;
        if let Some(run) = &task.run_id {
            for (c, e) in store.events_after(cursor, Some(run), 500).await? {
                cursor = c;
                count += 1;
                printer.event(&e);
            }
        }
        if !follow || task.state.is_terminal() {
            if follow {
                out.line(format!("task {}: {}", task.id, task.state));
            }
            return Ok(json!({"task": task, "events": count}));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
