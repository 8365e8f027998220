//! The edit engine: patch formats the model writes (`apply_patch`,
//! search/replace blocks, unified diffs), a matching cascade that finds the
//! one right place or refuses with the candidates, all-or-nothing multi-file
//! changes, tree-sitter syntax checks and symbol-level (AST) edits. Pure
//! logic over text and files; the tools in `chamber-tools` call it.

pub mod symbols;
pub mod syntax;

pub mod apply_patch;
pub mod changeset;
mod detect;
mod document;
pub mod error;
pub mod matcher;
pub mod search_replace;
mod splice;
pub mod unified;

pub use apply_patch::{ApplyMode, apply_patch, check_apply_patch, plan_apply_patch};
pub use changeset::{ChangeSet, FileChange};
pub use detect::{detect_format, plan_patch_text};
pub use error::{EditError, LineSpan, PatchFormat, Site, Unit};
pub use search_replace::{SearchReplace, parse_search_replace, plan_search_replace};
pub use unified::{check_unified_diff, plan_unified_diff};
