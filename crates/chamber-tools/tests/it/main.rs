//! Integration tests for chamber-tools: real temp dirs, real processes, real git.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod edit;
mod edit_formats;
mod files;
mod git;
mod search;
mod shell;
mod trees;
mod validation;

use std::path::Path;

use chamber_protocol::{ToolCall, ToolResult};
use chamber_tools::{Registry, ToolContext};

/// A tool call with raw argument text.
pub fn call(name: &str, arguments: &str) -> ToolCall {
    ToolCall {
        id: "c1".into(),
        name: name.into(),
        arguments: arguments.into(),
    }
}

/// Validates and runs a call against `root`, panicking on validation errors.
pub async fn run(root: &Path, name: &str, args: serde_json::Value) -> ToolResult {
    run_ctx(&ToolContext::new(root.to_path_buf()), name, args).await
}

/// Like `run`, with a custom context.
pub async fn run_ctx(ctx: &ToolContext, name: &str, args: serde_json::Value) -> ToolResult {
    let reg = Registry::standard();
    let valid = reg
        .validate(&call(name, &args.to_string()))
        .expect("valid call");
    reg.execute(&valid, ctx).await
}

/// Writes a file under `root`, creating parents.
pub fn put(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}
