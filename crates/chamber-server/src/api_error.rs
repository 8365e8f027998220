//! Every failure the API answers with: an HTTP status and the envelope's
//! `{code, message, hint}`, mapped from typed store and runtime errors.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chamber_store::StoreError;

use crate::envelope::envelope;

/// A refused or failed request.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code.
    pub code: &'static str,
    /// What happened.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A new error without a hint.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            hint: None,
            retry_after: None,
        }
    }

    /// Adds what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A 400 for a request that makes no sense.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 500 for a failure on this side.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = chamber_protocol::ErrorBody {
            code: self.code.into(),
            message: self.message,
            hint: self.hint,
        };
        let mut response = (self.status, envelope("error", None, Some(body))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            StoreError::Ambiguous { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "ambiguous_id", message)
                    .hint("give more characters of the id")
            }
            StoreError::IdempotencyConflict { .. } => {
                Self::new(StatusCode::CONFLICT, "idempotency_conflict", message)
                    .hint("use a new Idempotency-Key for a different request")
            }
            StoreError::QueueFull { .. } => Self {
                retry_after: Some(5),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "queue_full", message)
                    .hint("the queue is at its cap ([server] queue_cap); retry later")
            },
            StoreError::UniqueKeyTaken { .. } | StoreError::DuplicateName { .. } => {
                Self::new(StatusCode::CONFLICT, "conflict", message)
            }
            StoreError::InvalidState { .. } => {
                Self::new(StatusCode::CONFLICT, "invalid_state", message)
            }
            StoreError::Fenced { .. } => Self::new(StatusCode::CONFLICT, "fenced", message),
            StoreError::UnknownValue(_) => Self::bad_request("bad_value", message),
            _ => {
                tracing::error!(error = %message, "store failure");
                Self::internal(message).hint("check the server's log and its data dir's free space")
            }
        }
    }
}
