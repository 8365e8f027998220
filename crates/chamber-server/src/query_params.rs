//! Query strings whose rejections (unknown parameters, a cursor that is not
//! a number) answer in the envelope like every other error.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;

/// `axum::extract::Query`, with errors as API envelopes.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Self(v)),
            Err(r) => Err(ApiError::bad_request(
                "bad_query",
                format!("the query string does not fit: {}", r.body_text()),
            )
            .hint("see docs/api.md for the parameters")),
        }
    }
}
