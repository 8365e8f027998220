//! Short constructors for tool outcomes, so every tool reports the same way.

use chamber_protocol::{ToolResult, ToolStatus};

/// A successful call whose output for the model is `stdout`.
pub(crate) fn success(stdout: String) -> ToolResult {
    ToolResult {
        status: ToolStatus::Ok,
        stdout,
        ..ToolResult::default()
    }
}

/// A successful call that changed `artifacts` (workspace-relative paths).
pub(crate) fn changed(stdout: String, artifacts: Vec<String>) -> ToolResult {
    ToolResult {
        status: ToolStatus::Ok,
        stdout,
        artifacts,
        ..ToolResult::default()
    }
}

/// A failed call; `message` says what went wrong and what to try instead.
pub(crate) fn failed(message: impl Into<String>) -> ToolResult {
    ToolResult::failure(ToolStatus::Error, message)
}

/// Whether `bytes` look like a binary file (a NUL byte near the start, as git judges).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0)
}
