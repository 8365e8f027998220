//! The tools the model calls (read, list, search, write, the edit tools of
//! each edit format, symbol-level edits, delete, shell),
//! plus the git and working-tree helpers the agent uses around a run.
//!
//! Every tool is described by an arguments struct that both validates the
//! model's JSON and generates the JSON Schema the model sees, so the two
//! cannot drift. All paths resolve inside the workspace root.
//!
//! Tools that change files record each file's content first in the call's
//! [`Journal`]; the agent turns that into [`patches`] and checkpoints.

pub mod adapters;
pub mod atomic;
mod capture;
mod context;
mod edit_tool;
mod external;
mod fs_tools;
pub mod git;
mod git_remote;
mod git_tree;
mod journal;
mod list_tool;
mod patch_tools;
pub mod patches;
mod paths;
mod registry;
mod result;
pub mod sandbox;
mod search_tool;
mod shell;
mod specs;
mod symbol_tools;
mod tool_table;
mod tree_copy;
mod tree_diff;
mod valid_call;

pub use capture::cap_text;
pub use context::{OutputSink, ToolContext};
pub use external::{ExternalTool, SourceChange, ToolFuture, ToolSource};
pub use git::{CommitInfo, Git, GitError};
pub use git_tree::{EMPTY_TREE, TreeChange, TreeChangeKind, TreeScope};
pub use journal::{EditIntent, FileChange, FileImage, IntentSender, Journal};
pub use registry::Registry;
pub use specs::{Risk, ToolSpec};
pub use tool_table::EditFormat;
pub use tree_copy::copy_tree;
pub use tree_diff::tree_diff;
pub use valid_call::ValidCall;
