//! The task tools: start, plan, follow, continue and approve queued tasks
//! through the same queue and rules as the HTTP API.

use std::time::Duration;

use chamber_server::{Caller, SubmitTask, TaskConstraints, queue_task};
use chamber_store::{ApprovalState, Decision, TaskRecord};
use rmcp::RoleServer;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use serde_json::{Value, json};

use super::tool_specs::{ApproveArgs, PlanArgs, ReplyArgs, RunArgs, StatusArgs};
use super::{ChamberMcp, ToolOutcome};

/// How often a waiting call looks at the task and its events.
const POLL: Duration = Duration::from_millis(250);

fn repo_of(mcp: &ChamberMcp, repo: Option<String>) -> String {
    repo.unwrap_or_else(|| mcp.setup.root.display().to_string())
}

/// A task on the default queue with `labels`.
fn new_task(
    prompt: String,
    repo: String,
    constraints: TaskConstraints,
    labels: &[&str],
) -> SubmitTask {
    SubmitTask {
        prompt,
        repo,
        base_branch: None,
        constraints,
        priority: None,
        queue: None,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        unique_key: None,
        max_attempts: None,
    }
}

async fn submit(mcp: &ChamberMcp, body: SubmitTask, caller: &Caller) -> Result<TaskRecord, String> {
    queue_task(&mcp.state, caller, body, None)
        .await
        .map(|s| s.task)
        .map_err(|e| match e.hint.as_deref() {
            Some(hint) => format!("{} ({hint})", e.message),
            None => e.message,
        })
}

fn task_json(task: &TaskRecord) -> Value {
    json!({
        "id": task.id,
        "state": task.state.to_string(),
        "prompt": task.prompt,
        "repo": task.repo,
        "run_id": task.run_id,
        "attempts": task.attempts,
        "last_error": task.last_error,
        "cancel_reason": task.cancel_reason,
        "result": task.result,
    })
}

/// `chamber_run`.
pub async fn run(
    mcp: &ChamberMcp,
    args: RunArgs,
    caller: &Caller,
    ctx: &RequestContext<RoleServer>,
) -> ToolOutcome {
    let constraints = TaskConstraints {
        approval_mode: args.mode,
        auto_approve: args.auto_approve,
        verify: args.verify,
        budget_cost_usd: args.budget_cost_usd,
        budget_time_secs: args.budget_time_secs,
        ..Default::default()
    };
    let body = new_task(args.prompt, repo_of(mcp, args.repo), constraints, &["mcp"]);
    let task = submit(mcp, body, caller).await?;
    finish(mcp, task, args.wait, ctx).await
}

/// `chamber_plan`.
pub async fn plan(
    mcp: &ChamberMcp,
    args: PlanArgs,
    caller: &Caller,
    ctx: &RequestContext<RoleServer>,
) -> ToolOutcome {
    let constraints = TaskConstraints {
        plan_only: true,
        ..Default::default()
    };
    let body = new_task(
        args.prompt,
        repo_of(mcp, args.repo),
        constraints,
        &["mcp", "plan"],
    );
    let task = submit(mcp, body, caller).await?;
    finish(mcp, task, args.wait, ctx).await
}

/// `chamber_reply`: a follow-up task on the first one's branch.
pub async fn reply(
    mcp: &ChamberMcp,
    args: ReplyArgs,
    caller: &Caller,
    ctx: &RequestContext<RoleServer>,
) -> ToolOutcome {
    let first = mcp
        .state
        .store
        .get_task(&args.task_id)
        .await
        .map_err(|e| e.to_string())?;
    if !first.state.is_terminal() {
        return Err(format!(
            "task {} is {}; reply once it has ended (chamber_status follows it)",
            first.id, first.state
        ));
    }
    let branch = first
        .result
        .as_ref()
        .and_then(|r| r.get("branch"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let constraints: TaskConstraints =
        serde_json::from_value(first.constraints.clone()).map_err(|e| {
            format!(
                "task {}'s constraints cannot be read ({e}); start a new task with chamber_run",
                first.id
            )
        })?;
    let body = SubmitTask {
        prompt: format!(
            "{}\n\nThis continues an earlier task: {}",
            args.message, first.prompt
        ),
        repo: first.repo.clone(),
        base_branch: branch,
        constraints,
        priority: None,
        queue: Some(first.queue.clone()),
        labels: vec!["mcp".into(), format!("reply-to:{}", first.id)],
        unique_key: None,
        max_attempts: None,
    };
    let task = submit(mcp, body, caller).await?;
    finish(mcp, task, args.wait, ctx).await
}

/// `chamber_status`.
pub async fn status(mcp: &ChamberMcp, args: StatusArgs) -> ToolOutcome {
    let store = &mcp.state.store;
    let Some(id) = args.task_id else {
        let filter = chamber_store::TaskFilter {
            limit: Some(20),
            ..Default::default()
        };
        let tasks = store.list_tasks(&filter).await.map_err(|e| e.to_string())?;
        return Ok(json!({ "tasks": tasks.iter().map(task_json).collect::<Vec<_>>() }));
    };
    let task = store.get_task(&id).await.map_err(|e| e.to_string())?;
    let mut out = json!({ "task": task_json(&task) });
    if let Some(run_id) = &task.run_id {
        let pending = store
            .list_approvals(Some(ApprovalState::Pending), Some(run_id))
            .await
            .map_err(|e| e.to_string())?;
        out["pending_approvals"] = serde_json::to_value(pending).unwrap_or_default();
    }
    Ok(out)
}

/// `chamber_approve`.
pub async fn approve(mcp: &ChamberMcp, args: ApproveArgs, approver: &str) -> ToolOutcome {
    let store = &mcp.state.store;
    let Some(id) = args.approval_id else {
        let pending = store
            .list_approvals(Some(ApprovalState::Pending), None)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(json!({ "pending": pending }));
    };
    let decision: Decision = args
        .decision
        .as_deref()
        .unwrap_or("approve")
        .parse()
        .map_err(|e| format!("decision: {e}"))?;
    let answered = store
        .answer_approval(&id, decision, approver)
        .await
        .map_err(|e| e.to_string())?;
    mcp.state.wake.notify_waiters();
    Ok(serde_json::to_value(answered).unwrap_or_default())
}

/// The task as queued, or, with `wait`, as it ended, with a progress
/// notification for each event of its run meanwhile.
async fn finish(
    mcp: &ChamberMcp,
    task: TaskRecord,
    wait: bool,
    ctx: &RequestContext<RoleServer>,
) -> ToolOutcome {
    if !wait {
        return Ok(json!({ "task": task_json(&task) }));
    }
    let token = ctx.meta.get_progress_token();
    let store = &mcp.state.store;
    let mut cursor = 0i64;
    let mut seen = 0u32;
    loop {
        if ctx.ct.is_cancelled() {
            return Err(format!(
                "stopped waiting for task {}; it goes on (chamber_status follows it)",
                task.id
            ));
        }
        let now = store.get_task(&task.id).await.map_err(|e| e.to_string())?;
        if let Some(run_id) = &now.run_id {
            let events = store
                .events_after(cursor, Some(run_id), 200)
                .await
                .map_err(|e| e.to_string())?;
            for (at, event) in events {
                cursor = at;
                seen += 1;
                if let Some(token) = &token {
                    let message = format!("{} #{}", event.kind.type_name(), event.seq);
                    let note = ProgressNotificationParam::new(token.clone(), f64::from(seen))
                        .with_message(message);
                    let _ = ctx.peer.notify_progress(note).await;
                }
            }
        }
        if now.state.is_terminal() {
            return Ok(json!({ "task": task_json(&now), "events": seen }));
        }
        tokio::time::sleep(POLL).await;
    }
}
