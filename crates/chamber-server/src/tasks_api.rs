//! `/v1/tasks` and `/v1/plans`: submitting work (idempotent, capped),
//! listing and reading tasks, cancelling and retrying them.

use crate::query_params::ApiQuery;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chamber_store::{StoreError, TaskFilter, TaskState, TokenScope};
use serde::Deserialize;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::envelope::ok;
use crate::json_body::ApiJson;
use crate::state::AppState;
use crate::task_request::SubmitTask;

/// `POST /v1/tasks`: queues a task (201), or returns the task an
/// `Idempotency-Key` or `unique_key` already made (200).
pub async fn submit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitTask>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Write)?;
    enqueue(&state, &caller, &headers, body, "task submit").await
}

/// Validates, hashes and queues `body`.
pub(crate) async fn enqueue(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: SubmitTask,
    cmd: &str,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let s = queue_task(state, caller, body, key).await?;
    let status = if s.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ok(cmd, &s.task)).into_response())
}

/// Validates and queues a task for `caller`, as `POST /v1/tasks` does
/// (other front ends, such as the MCP server, submit through here too).
/// `key` is an idempotency key.
pub async fn queue_task(
    state: &AppState,
    caller: &Caller,
    body: SubmitTask,
    key: Option<String>,
) -> Result<chamber_store::Submitted, ApiError> {
    let repo = body.validate(&state.settings).await?;
    if key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(ApiError::bad_request(
            "bad_idempotency_key",
            "Idempotency-Key must be 1 to 200 characters",
        ));
    }
    let new = body.new_task(&repo, key, &format!("api:{}", caller.name), &state.settings)?;
    match state
        .store
        .submit_task(&new, Some(state.settings.queue_cap))
        .await
    {
        Ok(s) => {
            if s.created {
                state.announce_work();
                tracing::info!(task = %s.task.id, by = %caller.name, "task queued");
            }
            Ok(s)
        }
        Err(e @ StoreError::QueueFull { .. }) => {
            tracing::warn!(error = %e, "submission refused: queue at its cap");
            let refusal = ApiError::from(e);
            crate::backpressure::refused(
                state,
                "queue_full",
                &caller.name,
                &refusal.message,
                refusal.retry_after.unwrap_or_default(),
            )
            .await;
            Err(refusal)
        }
        Err(e) => Err(e.into()),
    }
}

/// Query of `GET /v1/tasks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only tasks in this state.
    pub state: Option<String>,
    /// Only tasks of this queue.
    pub queue: Option<String>,
    /// Only tasks with this label.
    pub label: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

/// `GET /v1/tasks`: newest first, with a cursor for the next page.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let task_state = q
        .state
        .as_deref()
        .map(str::parse::<TaskState>)
        .transpose()
        .map_err(|e| ApiError::bad_request("bad_filter", e.to_string()))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let tasks = state
        .store
        .list_tasks(&TaskFilter {
            state: task_state,
            queue: q.queue,
            label: q.label,
            before_seq: q.cursor,
            limit: Some(limit),
        })
        .await?;
    let next = (tasks.len() == limit as usize)
        .then(|| tasks.last().map(|t| t.seq))
        .flatten();
    Ok(ok(
        "task list",
        serde_json::json!({"tasks": tasks, "next_cursor": next}),
    )
    .into_response())
}

/// `GET /v1/tasks/{id}` (a unique prefix works).
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let task = state.store.get_task(&id).await?;
    Ok(ok("task show", &task).into_response())
}

/// Body of `POST /v1/tasks/{id}/cancel`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why, for the record.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /v1/tasks/{id}/cancel`: a queued task ends now; a running one
/// stops at its next safe point.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Write)?;
    let parsed: CancelBody = if body.iter().all(u8::is_ascii_whitespace) {
        CancelBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(
                "malformed_json",
                format!("the body is not a cancel request: {e}"),
            )
        })?
    };
    let reason = parsed
        .reason
        .unwrap_or_else(|| format!("cancelled by {}", caller.name));
    let task = state.store.cancel_task(&id, &reason).await?;
    state.wake.notify_waiters();
    Ok(ok("task cancel", &task).into_response())
}

/// `POST /v1/tasks/{id}/retry`: a failed, dead-lettered or cancelled task
/// goes back to the queue with fresh attempts.
pub async fn retry(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Write)?;
    let task = state.store.retry_task(&id).await?;
    state.announce_work();
    Ok(ok("task retry", &task).into_response())
}

/// `POST /v1/plans`: a task that stops after planning; its result names
/// the saved plan.
pub async fn plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<SubmitTask>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Write)?;
    body.constraints.plan_only = true;
    body.constraints.apply_plan = None;
    enqueue(&state, &caller, &headers, body, "plan").await
}

/// `POST /v1/plans/{id}/execute`: a task that runs a saved plan; calling
/// it is the approval.
pub async fn execute_plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Approve)?;
    let saved = state.store.get_plan(&id).await?;
    if saved.status != "pending" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_state",
            format!("plan {} is {}, not pending", saved.id, saved.status),
        ));
    }
    let body = SubmitTask {
        prompt: saved.task.prompt.clone(),
        repo: saved.workdir.clone(),
        base_branch: None,
        constraints: crate::task_request::TaskConstraints {
            apply_plan: Some(saved.id.clone()),
            auto_approve: true,
            ..Default::default()
        },
        priority: None,
        queue: None,
        labels: vec!["plan".into()],
        unique_key: Some(format!("plan:{}", saved.id)),
        max_attempts: None,
    };
    enqueue(&state, &caller, &headers, body, "plan execute").await
}
