//! `/v1/approvals`: the durable approval requests runs are waiting on, and
//! the answers (idempotent; two-person requests need two names).

use crate::query_params::ApiQuery;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use chamber_store::{ApprovalState, Decision, TokenScope};
use serde::Deserialize;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::envelope::ok;
use crate::json_body::ApiJson;
use crate::state::AppState;

/// Query of `GET /v1/approvals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalQuery {
    /// `pending` (default), `approved`, `rejected`, `expired` or `all`.
    pub state: Option<String>,
    /// Only this run's.
    pub run_id: Option<String>,
}

/// `GET /v1/approvals`.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ApprovalQuery>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    state.store.expire_approvals().await?;
    let wanted = match q.state.as_deref() {
        None => Some(ApprovalState::Pending),
        Some("all") => None,
        Some(s) => Some(
            s.parse::<ApprovalState>()
                .map_err(|e| ApiError::bad_request("bad_filter", e.to_string()))?,
        ),
    };
    let list = state
        .store
        .list_approvals(wanted, q.run_id.as_deref())
        .await?;
    Ok(ok("approval list", serde_json::json!({"approvals": list})).into_response())
}

/// `GET /v1/approvals/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Read)?;
    let a = state.store.get_approval(&id).await?;
    Ok(ok("approval show", &a).into_response())
}

/// Body of `POST /v1/approvals/{id}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// `approve`, `approve_for_session` or `reject`.
    pub decision: Decision,
    /// The person answering, with auth off; with auth on the token's name
    /// is the approver (so two people need two tokens).
    #[serde(default)]
    pub approver: Option<String>,
}

/// `POST /v1/approvals/{id}`: answers a request.
pub async fn answer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> Result<Response, ApiError> {
    caller.require(TokenScope::Approve)?;
    // With auth on, the token is the approver: one token cannot stand in
    // for two people under the two-person rule by giving two names.
    let approver = if state.settings.auth {
        caller.name.clone()
    } else {
        body.approver
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| caller.name.clone())
    };
    let a = state
        .store
        .answer_approval(&id, body.decision, &approver)
        .await?;
    state.wake.notify_waiters();
    tracing::info!(approval = %a.id, by = %approver, state = %a.state, "approval answered");
    Ok(ok("approval answer", &a).into_response())
}
