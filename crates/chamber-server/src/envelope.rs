//! The JSON envelope every API response is wrapped in, the same one the
//! CLI prints with `--json`.

use axum::Json;
use chamber_protocol::{Envelope, ErrorBody};

/// The version reported in envelopes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// An envelope for `cmd` with a payload or an error.
pub fn envelope(
    cmd: &str,
    payload: Option<serde_json::Value>,
    error: Option<ErrorBody>,
) -> Json<Envelope> {
    Json(Envelope {
        ok: error.is_none(),
        cmd: cmd.to_string(),
        version: VERSION.to_string(),
        duration_ms: 0,
        payload: payload.unwrap_or(serde_json::Value::Null),
        meta: serde_json::json!({}),
        error,
    })
}

/// A successful envelope around `payload`.
pub fn ok(cmd: &str, payload: impl serde::Serialize) -> Json<Envelope> {
    envelope(
        cmd,
        Some(serde_json::to_value(payload).unwrap_or(serde_json::Value::Null)),
        None,
    )
}
