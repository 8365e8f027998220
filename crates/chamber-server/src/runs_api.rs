//! `/v1/runs/{id}` and `/v1/sessions/{id}`: a run's full trace, as
//! `chamber runs show` gives it, and a session's state with what can be
//! done next.

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use chamber_protocol::RunStatus;
use chamber_store::TokenScope;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::envelope::ok;
use crate::state::AppState;

/// `GET /v1/runs/{id}`: the run record and every event.
pub async fn show_run(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let run = state.store.get_run(&id).await?;
    let events = state.store.events(&run.id).await?;
    Ok(ok(
        "runs show",
        serde_json::json!({"run": run, "events": events}),
    )
    .into_response())
}

/// `GET /v1/sessions/{id}`: the run, the task that carries it, whether it
/// can be resumed, the pending approvals, and the trace.
pub async fn show_session(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let run = state.store.get_run(&id).await?;
    let task = state.store.task_by_run(&run.id).await?;
    let approvals = state
        .store
        .list_approvals(Some(chamber_store::ApprovalState::Pending), Some(&run.id))
        .await?;
    let resumable = matches!(
        run.status,
        RunStatus::Interrupted | RunStatus::Failed | RunStatus::BudgetExceeded
    );
    let events = state.store.events(&run.id).await?;
    Ok(ok(
        "session show",
        serde_json::json!({
            "run": run,
            "task": task,
            "resumable": resumable,
            "pending_approvals": approvals,
            "events": events,
        }),
    )
    .into_response())
}
