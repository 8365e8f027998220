//! Tools supplied at run time rather than compiled in (an MCP server's
//! tools, adapters). They join the registry through a [`ToolSource`], so
//! they pass the same pipeline as the built-in ones: validation, policy,
//! checkpoint, execution with live output, recording.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chamber_protocol::ToolResult;
use serde_json::Value;

use crate::context::ToolContext;
use crate::specs::ToolSpec;

/// What an external tool's call returns: a future that owns what it needs.
pub type ToolFuture = Pin<Box<dyn Future<Output = ToolResult> + Send + 'static>>;

/// One tool from outside Chamber's own table.
pub trait ExternalTool: Send + Sync {
    /// Its name, description, argument schema and risk, as offered to the
    /// model and judged by the policy.
    fn spec(&self) -> ToolSpec;

    /// Checks the arguments against the tool's schema; the error is written
    /// for the model, so it can correct the call.
    fn check(&self, args: &Value) -> Result<(), String>;

    /// Runs the call. Must not panic; failures are error results.
    fn call(self: Arc<Self>, args: Value, ctx: ToolContext) -> ToolFuture;
}

/// A change in a source's state (an MCP server starting, ready, failed,
/// stopped), for the run's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChange {
    /// The server's name.
    pub server: String,
    /// `starting`, `ready`, `failed` or `stopped`.
    pub state: String,
    /// The failure, or what is starting.
    pub detail: String,
    /// Tools offered once ready.
    pub tools: usize,
}

/// Supplies external tools; asked whenever the tool list is built (at the
/// start of each step), so a server that became ready later joins then.
pub trait ToolSource: Send + Sync {
    /// The tools available now.
    fn tools(&self) -> Vec<Arc<dyn ExternalTool>>;

    /// Waits, once per source and briefly, for tools still being started;
    /// later calls return at once.
    fn settle(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(std::future::ready(()))
    }

    /// State changes since the last call, oldest first.
    fn take_changes(&self) -> Vec<SourceChange> {
        Vec::new()
    }
}
