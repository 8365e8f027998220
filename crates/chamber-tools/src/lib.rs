//! The tools the model calls (read, list, search, write, edit, delete, shell),
//! plus the git and working-tree helpers the agent uses around a run.
//!
//! Every tool is described by an arguments struct that both validates the
//! model's JSON and generates the JSON Schema the model sees, so the two
//! cannot drift. All paths resolve inside the workspace root.

pub mod atomic;
mod capture;
mod context;
mod edit_tool;
mod fs_tools;
pub mod git;
mod list_tool;
mod paths;
mod registry;
mod result;
mod search_tool;
mod shell;
mod specs;
mod tree_copy;
mod tree_diff;
mod valid_call;

pub use context::{OutputSink, ToolContext};
pub use git::{CommitInfo, Git, GitError};
pub use registry::Registry;
pub use specs::{Risk, ToolSpec};
pub use tree_copy::copy_tree;
pub use tree_diff::tree_diff;
pub use valid_call::ValidCall;
