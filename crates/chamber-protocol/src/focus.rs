//! What direct mode chose to change, as its `focus_found` event records it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A file the harness chose for the model to write, and why.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FocusedFile {
    /// Path relative to the project root.
    pub path: String,
    /// Why it was chosen (`named in the task`, `in the failing tests' frames`, …).
    pub reason: String,
}
