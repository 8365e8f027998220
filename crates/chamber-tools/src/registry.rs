//! The set of tools offered to the model: their specs, argument validation
//! and dispatch.

use std::sync::Arc;
use std::time::Instant;

use chamber_protocol::{ToolCall, ToolResult};
use serde_json::Value;

use crate::context::ToolContext;
use crate::external::{ExternalTool, ToolSource};
use crate::paths::canonical_root;
use crate::result::failed;
use crate::specs::{ArgsError, Risk, ToolArgs, ToolSpec, parse_args, schema_for};
use crate::tool_table::{self, EditFormat};
use crate::valid_call::ValidCall;

/// One tool's static description and its argument checker.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    name: &'static str,
    description: &'static str,
    risk: Risk,
    schema: fn() -> Value,
    check: fn(&Value) -> Result<(), ArgsError>,
}

impl Entry {
    pub(crate) fn of<A: ToolArgs>(
        name: &'static str,
        risk: Risk,
        description: &'static str,
    ) -> Self {
        Self {
            name,
            description,
            risk,
            schema: schema_for::<A>,
            check: check_as::<A>,
        }
    }
}

fn check_as<A: ToolArgs>(value: &Value) -> Result<(), ArgsError> {
    parse_args::<A>(value).map(|_| ())
}

/// The tools a run may use, in a stable order.
#[derive(Clone)]
pub struct Registry {
    entries: Vec<Entry>,
    /// Where tools from outside the table come from (MCP servers, adapters).
    sources: Vec<Arc<dyn ToolSource>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("tools", &self.names())
            .finish()
    }
}

impl Registry {
    /// The default tool set: search/replace editing plus symbol edits.
    pub fn standard() -> Self {
        Self::for_edit_format(EditFormat::SearchReplace, true)
    }

    /// The tools for one edit format: reading, searching, whole-file
    /// writes, deleting and shell always; the format's own edit tool; and,
    /// when `symbol_edits`, the symbol-level (AST) edit tools.
    pub fn for_edit_format(format: EditFormat, symbol_edits: bool) -> Self {
        Self {
            entries: tool_table::entries(format, symbol_edits),
            sources: Vec::new(),
        }
    }

    /// Adds a source of external tools; theirs follow the built-in tools,
    /// and a name the table already has is not offered twice.
    pub fn with_source(mut self, source: Arc<dyn ToolSource>) -> Self {
        self.sources.push(source);
        self
    }

    /// The external tools available now, without names the table has.
    fn externals(&self) -> Vec<Arc<dyn ExternalTool>> {
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for source in &self.sources {
            for tool in source.tools() {
                let name = tool.spec().name;
                if self.entry(&name).is_none() && !seen.contains(&name) {
                    seen.push(name);
                    out.push(tool);
                }
            }
        }
        out
    }

    /// Lets every source finish starting (each waits once, briefly) and
    /// returns their state changes since the last call.
    pub async fn settle_sources(&self) -> Vec<crate::external::SourceChange> {
        let mut changes = Vec::new();
        for source in &self.sources {
            source.settle().await;
            changes.extend(source.take_changes());
        }
        changes
    }

    fn external(&self, name: &str) -> Option<Arc<dyn ExternalTool>> {
        // The first source offering it wins, as in `externals`.
        self.sources
            .iter()
            .find_map(|source| source.tools().into_iter().find(|t| t.spec().name == name))
    }

    /// The risk tier of the tool called `name`, if it is registered.
    pub fn risk(&self, name: &str) -> Option<crate::Risk> {
        self.specs()
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| s.risk)
    }

    /// The specs offered to the model, in a stable order.
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut specs: Vec<ToolSpec> = self
            .entries
            .iter()
            .map(|e| ToolSpec {
                name: e.name.to_string(),
                description: e.description.to_string(),
                parameters: (e.schema)(),
                risk: e.risk,
            })
            .collect();
        specs.extend(self.externals().iter().map(|t| t.spec()));
        specs
    }

    /// The tool names, in the same order as `specs`.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.entries.iter().map(|e| e.name.to_string()).collect();
        names.extend(self.externals().iter().map(|t| t.spec().name));
        names
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Checks a call's name and arguments; the error is a precise message
    /// written for the model, so it can correct the call.
    pub fn validate(&self, call: &ToolCall) -> Result<ValidCall, String> {
        let name = call.name.as_str();
        let entry = self.entry(name);
        let external = if entry.is_none() {
            self.external(name)
        } else {
            None
        };
        if entry.is_none() && external.is_none() {
            return Err(format!(
                "unknown tool \"{name}\"; available tools: {}",
                self.names().join(", ")
            ));
        }
        let text = call.arguments.trim();
        let value: Value = if text.is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(text)
                .map_err(|e| format!("arguments for {name} are not valid JSON: {e}"))?
        };
        let value = match value {
            Value::Null => Value::Object(Default::default()),
            Value::Object(_) => value,
            // Some models encode the object twice; accept the inner object.
            Value::String(inner)
                if serde_json::from_str::<Value>(&inner).is_ok_and(|v| v.is_object()) =>
            {
                serde_json::from_str(&inner).unwrap_or_default()
            }
            other => {
                return Err(format!(
                    "arguments for {name} must be a JSON object with named fields, not {}",
                    kind_of(&other)
                ));
            }
        };
        let risk = match (entry, external) {
            (Some(entry), _) => {
                (entry.check)(&value).map_err(|e| match e {
                    ArgsError::Schema(m) => {
                        format!("arguments for {name} do not match its schema: {m}")
                    }
                    ArgsError::Invalid(m) => format!("invalid arguments for {name}: {m}"),
                })?;
                entry.risk
            }
            (None, Some(tool)) => {
                tool.check(&value)
                    .map_err(|m| format!("arguments for {name} do not match its schema: {m}"))?;
                tool.spec().risk
            }
            (None, None) => return Err(format!("unknown tool \"{name}\"")),
        };
        Ok(ValidCall {
            id: call.id.clone(),
            name: name.to_string(),
            args: value,
            risk,
        })
    }

    /// Runs a validated call. Never panics: failures, including a crash
    /// inside a tool, come back as an error result. Fills `duration_ms` and
    /// `cwd`.
    pub async fn execute(&self, call: &ValidCall, ctx: &ToolContext) -> ToolResult {
        let started = Instant::now();
        let mut result = if self.entry(&call.name).is_some() {
            run_isolated(call, ctx).await
        } else if let Some(tool) = self.external(&call.name) {
            run_external(tool, call, ctx).await
        } else {
            failed(format!(
                "unknown tool \"{}\"; available tools: {}",
                call.name,
                self.names().join(", ")
            ))
        };
        result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if result.cwd.is_empty() {
            let root = canonical_root(&ctx.root).unwrap_or_else(|_| ctx.root.clone());
            result.cwd = root.display().to_string();
        }
        result
    }
}

/// Aborts the tool's task when the caller stops waiting, so a cancelled call
/// also stops its command.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the tool on its own task so a panic becomes an error result.
async fn run_isolated(call: &ValidCall, ctx: &ToolContext) -> ToolResult {
    let (call_owned, ctx_owned) = (call.clone(), ctx.clone());
    let running = async move { tool_table::dispatch(&call_owned, &ctx_owned).await };
    on_own_task(&call.name, running).await
}

/// Runs an external tool on its own task, as [`run_isolated`] does.
async fn run_external(
    tool: Arc<dyn ExternalTool>,
    call: &ValidCall,
    ctx: &ToolContext,
) -> ToolResult {
    on_own_task(&call.name, tool.call(call.args.clone(), ctx.clone())).await
}

/// Awaits `running` on a task of its own: a panic becomes an error result
/// naming the tool, and dropping the caller cancels the task.
async fn on_own_task(
    name: &str,
    running: impl std::future::Future<Output = ToolResult> + Send + 'static,
) -> ToolResult {
    let task = tokio::spawn(running);
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => failed(format!(
            "internal error: the {name} tool crashed; try a different approach"
        )),
        Err(_) => failed(format!("the {name} call was cancelled")),
    }
}

/// How a JSON value's type is named in messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
