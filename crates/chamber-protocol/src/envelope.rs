use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The one JSON object a one-shot command prints with `--json` (and the API
/// returns): scripts read `ok` and then `payload` or `error`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Envelope {
    /// Whether the command succeeded.
    pub ok: bool,
    /// The command, such as `runs show`.
    pub cmd: String,
    /// Chamber's version.
    pub version: String,
    /// How long the command took.
    pub duration_ms: u64,
    /// The command's result; `null` on error.
    pub payload: serde_json::Value,
    /// Extra facts about the invocation (config files, exit code).
    pub meta: serde_json::Value,
    /// What went wrong, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// A machine-readable error with a human message and a suggested next step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ErrorBody {
    /// Stable code, such as `config_invalid`.
    pub code: String,
    /// What happened.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}
