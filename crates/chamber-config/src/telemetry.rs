//! `[telemetry]`: whether Chamber keeps a local usage log. Nothing is ever
//! sent anywhere; the log is a file in the data dir.

use serde::{Deserialize, Serialize};

/// Local-only usage telemetry (`chamber telemetry on|off|show|clear`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Append one PII-free record per command to `<data dir>/telemetry.jsonl`.
    /// Off by default; a per-user choice, so a project's config may not set it.
    pub enabled: bool,
}
