//! Checkpoints: the state of the working tree saved before a step's first
//! tool call, which `chamber undo` goes back to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a checkpoint saved the tree.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointKind {
    /// A git tree object of the whole working tree (tracked and untracked,
    /// not ignored, without `.chamber/`), so shell changes are covered too.
    Git,
    /// Without git: the content each file had before the step's tools first
    /// changed it, saved under a directory. Shell changes are not covered.
    Files,
}

/// A saved state of the working tree.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Checkpoint {
    /// Checkpoint id, unique within the project.
    pub id: String,
    /// How the tree was saved.
    pub kind: CheckpointKind,
    /// The git tree id (`git` checkpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The ref that keeps the tree from garbage collection (`git` checkpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Directory of the saved files, relative to the project (`files` checkpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}
