//! Symbol-level (AST) edits: replace, insert around, delete and rename code
//! by name (`Class.method`, `module::function`) in Rust, Python,
//! TypeScript, JavaScript and Go. Each result is re-parsed before writing.

use chamber_edit::symbols::{self, SymbolError};
use chamber_edit::syntax::Lang;
use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::atomic::write_atomic;
use crate::context::ToolContext;
use crate::fs_tools::read_text;
use crate::paths::resolve;
use crate::result::{changed, failed};
use crate::specs::ToolArgs;

/// Arguments of `replace_symbol`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplaceSymbolArgs {
    /// Source file, relative to the workspace root.
    pub path: String,
    /// The symbol: `function`, `Class.method`, `Type::method`, `Outer.Inner`; add `@LINE` to pick one of several.
    pub symbol: String,
    /// The complete new definition (signature and body). Start it with doc comments, attributes or decorators to replace those too.
    pub new_code: String,
}

impl ToolArgs for ReplaceSymbolArgs {
    fn check(&self) -> Result<(), String> {
        non_empty(&self.symbol, "symbol")?;
        non_empty(&self.new_code, "new_code")
    }
}

/// Arguments of `insert_before_symbol` and `insert_after_symbol`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InsertSymbolArgs {
    /// Source file, relative to the workspace root.
    pub path: String,
    /// The symbol to insert next to: `function`, `Class.method`, `Type::method`.
    pub symbol: String,
    /// The code to insert (indented to match the symbol automatically).
    pub code: String,
}

impl ToolArgs for InsertSymbolArgs {
    fn check(&self) -> Result<(), String> {
        non_empty(&self.symbol, "symbol")?;
        non_empty(&self.code, "code")
    }
}

/// Arguments of `delete_symbol`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteSymbolArgs {
    /// Source file, relative to the workspace root.
    pub path: String,
    /// The symbol to delete, with its doc comments and decorators.
    pub symbol: String,
}

impl ToolArgs for DeleteSymbolArgs {
    fn check(&self) -> Result<(), String> {
        non_empty(&self.symbol, "symbol")
    }
}

/// Arguments of `rename_symbol`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RenameSymbolArgs {
    /// Source file, relative to the workspace root.
    pub path: String,
    /// The current identifier.
    pub old_name: String,
    /// The new identifier.
    pub new_name: String,
}

impl ToolArgs for RenameSymbolArgs {
    fn check(&self) -> Result<(), String> {
        non_empty(&self.old_name, "old_name")?;
        non_empty(&self.new_name, "new_name")?;
        if self.old_name == self.new_name {
            return Err("old_name and new_name are the same; nothing would change".into());
        }
        Ok(())
    }
}

fn non_empty(value: &str, field: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{field} is empty"))
    } else {
        Ok(())
    }
}

/// Which symbol edit to make.
pub(crate) enum SymbolOp {
    Replace(ReplaceSymbolArgs),
    InsertBefore(InsertSymbolArgs),
    InsertAfter(InsertSymbolArgs),
    Delete(DeleteSymbolArgs),
    Rename(RenameSymbolArgs),
}

impl SymbolOp {
    fn path(&self) -> &str {
        match self {
            SymbolOp::Replace(a) => &a.path,
            SymbolOp::InsertBefore(a) | SymbolOp::InsertAfter(a) => &a.path,
            SymbolOp::Delete(a) => &a.path,
            SymbolOp::Rename(a) => &a.path,
        }
    }
}

/// Runs one symbol edit: read, edit in memory (re-parsed), write atomically.
pub(crate) async fn symbol_edit(ctx: &ToolContext, op: SymbolOp) -> ToolResult {
    let given = op.path().to_string();
    let resolved = match resolve(&ctx.root, &given) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let Some(lang) = Lang::from_path(&resolved.target) else {
        return failed(format!(
            "\"{given}\" is not a Rust, Python, TypeScript, JavaScript or Go file; symbol edits need one of those; use edit_file instead"
        ));
    };
    let text = match read_text(&resolved.target, &given).await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let path = std::path::Path::new(&resolved.rel);
    let with_path = |e: SymbolError| e.with_path(path).to_string();
    let (updated, summary) = match &op {
        SymbolOp::Replace(a) => {
            match symbols::replace_symbol(lang, &text, &a.symbol, &a.new_code) {
                Ok(e) => (
                    e.text,
                    format!(
                        "replaced {} {} (now lines {}-{})",
                        e.kind, e.symbol, e.start_line, e.end_line
                    ),
                ),
                Err(e) => return failed(with_path(e)),
            }
        }
        SymbolOp::InsertBefore(a) => {
            match symbols::insert_before_symbol(lang, &text, &a.symbol, &a.code) {
                Ok(e) => (
                    e.text,
                    format!(
                        "inserted before {} (new code at lines {}-{})",
                        e.symbol, e.start_line, e.end_line
                    ),
                ),
                Err(e) => return failed(with_path(e)),
            }
        }
        SymbolOp::InsertAfter(a) => {
            match symbols::insert_after_symbol(lang, &text, &a.symbol, &a.code) {
                Ok(e) => (
                    e.text,
                    format!(
                        "inserted after {} (new code at lines {}-{})",
                        e.symbol, e.start_line, e.end_line
                    ),
                ),
                Err(e) => return failed(with_path(e)),
            }
        }
        SymbolOp::Delete(a) => match symbols::delete_symbol(lang, &text, &a.symbol) {
            Ok(e) => (
                e.text,
                format!(
                    "deleted {} {} (was lines {}-{})",
                    e.kind, e.symbol, e.start_line, e.end_line
                ),
            ),
            Err(e) => return failed(with_path(e)),
        },
        SymbolOp::Rename(a) => {
            match symbols::rename_symbol(lang, &text, &a.old_name, &a.new_name) {
                Ok(r) => {
                    let lines: Vec<String> = r.lines.iter().map(ToString::to_string).collect();
                    (
                        r.text,
                        format!(
                            "renamed {} occurrence(s) of {} to {} (lines {}); strings and comments untouched",
                            r.occurrences,
                            a.old_name,
                            a.new_name,
                            lines.join(", ")
                        ),
                    )
                }
                Err(e) => return failed(with_path(e)),
            }
        }
    };
    let target = resolved.target.clone();
    let bytes = updated.into_bytes();
    if let Err(e) = ctx.before_change(&target, Some(&bytes)).await {
        return failed(e);
    }
    match tokio::task::spawn_blocking(move || write_atomic(&target, &bytes)).await {
        Ok(Ok(())) => changed(format!("{}: {summary}", resolved.rel), vec![resolved.rel]),
        Ok(Err(e)) => failed(format!("cannot write \"{given}\": {e}")),
        Err(e) => failed(format!("cannot write \"{given}\": {e}")),
    }
}
