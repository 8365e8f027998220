//! Bearer-token authentication with scopes, and the per-token rate limit.
//! Tokens are stored hashed and compared in constant time by the store.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chamber_store::TokenScope;

use crate::api_error::ApiError;
use crate::state::AppState;

/// Who is calling, as the handlers see it.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name (`anonymous` with auth off).
    pub name: String,
    /// What the token may do.
    pub scope: TokenScope,
}

impl Caller {
    /// Refuses with 403 unless the caller's scope covers `needed`.
    pub fn require(&self, needed: TokenScope) -> Result<(), ApiError> {
        if self.scope.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "token {:?} has scope {}, and this needs {}",
                    self.name, self.scope, needed
                ),
            )
            .hint("create a token with a wider scope: `chamber token create --scope …`"))
        }
    }
}

/// Middleware for `/v1`: checks the bearer token (unless auth is off),
/// applies the rate limit and hands the `Caller` to the handler.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = if state.settings.auth {
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(secret) = header.strip_prefix("Bearer ").map(str::trim) else {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this API needs a bearer token (Authorization: Bearer …)",
            )
            .hint("create one with `chamber token create --name NAME --scope write`")
            .into_response();
        };
        match state.verify_token(secret).await {
            Ok(Some(t)) => Caller {
                name: t.name,
                scope: t.scope,
            },
            Ok(None) => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the bearer token is unknown or revoked",
                )
                .hint("`chamber token list` shows the live tokens")
                .into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        Caller {
            name: "anonymous".into(),
            scope: TokenScope::Admin,
        }
    };
    if let Err(wait) = state.rate_check(&caller.name) {
        tracing::warn!(token = %caller.name, "rate limit reached");
        let refusal = ApiError {
            retry_after: Some(wait),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "token {:?} made more than {} requests this minute",
                    caller.name, state.settings.rate_limit_per_minute
                ),
            )
            .hint("wait for Retry-After seconds, or raise [server] rate_limit_per_minute")
        };
        crate::backpressure::refused(&state, "rate_limit", &caller.name, &refusal.message, wait)
            .await;
        return refusal.into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}
