//! The record of a parallel plan step's merge, kept in its `step_merged`
//! event so that a resumed run can finish the merge exactly once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a recorded merge of a parallel step needs to be finished on resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PendingMerge {
    /// The tree the wave started from.
    pub base_tree: String,
    /// The step's tree in its worktree when it finished.
    pub branch_tree: String,
    /// The step's summary, for its `step_completed`.
    pub summary: String,
}
