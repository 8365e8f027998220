//! One MCP server tool as a Chamber tool: `mcp__<server>__<tool>`, its
//! schema checked here, its call bounded by the server's tool timeout, its
//! progress streamed as live output and its result capped like `shell`'s.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chamber_protocol::{ToolResult, ToolStatus};
use chamber_tools::{ExternalTool, Risk, ToolContext, ToolFuture, ToolSpec};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, Request, ServerResult, Tool,
};
use rmcp::service::{PeerRequestOptions, ServiceError};
use serde_json::Value;

use crate::content::result_text;
use crate::slot::Slot;

/// Prefix of every MCP tool's name as the model sees it.
pub const TOOL_PREFIX: &str = "mcp__";

/// The name the model calls a server's tool by: `mcp__<server>__<tool>`,
/// made to fit what model APIs accept (`[A-Za-z0-9_-]`, at most 64
/// characters): other characters become `_`, and a long name is cut and
/// ends with a hash of the whole, so two tools never share a name.
pub fn tool_name(server: &str, tool: &str) -> String {
    let full = format!("{TOOL_PREFIX}{server}__{tool}");
    let mut safe: String = full
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.len() > 64 || safe != full {
        let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let tag = format!("_{:08x}", hash & 0xffff_ffff);
        safe.truncate(64 - tag.len());
        safe.push_str(&tag);
    }
    safe
}

/// A server's tool, offered to the model. It holds its server weakly: the
/// server's slot keeps its tools, and a strong link back would keep both
/// (and the server process) alive after the run.
pub struct McpTool {
    slot: Weak<Slot>,
    server: String,
    read_only: bool,
    timeout: Duration,
    tool: Tool,
    name: String,
    validator: Option<jsonschema::Validator>,
}

impl McpTool {
    pub(crate) fn new(slot: &Arc<Slot>, tool: Tool) -> Self {
        let name = tool_name(&slot.name, &tool.name);
        let read_only = slot.config.read_only_tools.iter().any(|t| *t == *tool.name);
        let timeout = Duration::from_secs(slot.config.tool_timeout_secs.max(1));
        let schema = Value::Object((*tool.input_schema).clone());
        // A schema the validator cannot compile is the server's problem; the
        // server still checks its own arguments.
        let validator = jsonschema::validator_for(&schema).ok();
        Self {
            slot: Arc::downgrade(slot),
            server: slot.name.clone(),
            read_only,
            timeout,
            tool,
            name,
            validator,
        }
    }

    /// The tool's own name on its server.
    pub fn server_tool(&self) -> &str {
        &self.tool.name
    }
}

impl ExternalTool for McpTool {
    fn spec(&self) -> ToolSpec {
        let mut parameters = Value::Object((*self.tool.input_schema).clone());
        if let Some(obj) = parameters.as_object_mut() {
            obj.remove("$schema");
            obj.entry("type")
                .or_insert_with(|| Value::String("object".into()));
        }
        let description = self
            .tool
            .description
            .as_deref()
            .or(self.tool.title.as_deref())
            .unwrap_or("")
            .to_string();
        let risk = if self.read_only {
            Risk::Read
        } else {
            Risk::External
        };
        ToolSpec {
            name: self.name.clone(),
            description: format!("[MCP server {}] {description}", self.server),
            parameters,
            risk,
        }
    }

    fn check(&self, args: &Value) -> Result<(), String> {
        let Some(validator) = &self.validator else {
            return Ok(());
        };
        let problems: Vec<String> = validator
            .iter_errors(args)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{at}: {e}")
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn call(self: Arc<Self>, args: Value, ctx: ToolContext) -> ToolFuture {
        Box::pin(async move { self.run(args, ctx).await })
    }
}

impl McpTool {
    async fn run(&self, args: Value, ctx: ToolContext) -> ToolResult {
        let Some(slot) = self.slot.upgrade() else {
            return ToolResult::failure(
                ToolStatus::Error,
                format!("{}: its MCP server was stopped with the run", self.name),
            );
        };
        let session = match slot.session().await {
            Ok(session) => session,
            Err(e) => return ToolResult::failure(ToolStatus::Error, e.to_string()),
        };
        let mut params = CallToolRequestParams::new(self.tool.name.to_string());
        params.arguments = args.as_object().cloned();
        let limit = self.timeout;
        // The SDK numbers each request's progress token itself; progress is
        // routed by the token it chose.
        let answer = async {
            let handle = session
                .send_cancellable_request(
                    ClientRequest::CallToolRequest(Request::new(params)),
                    PeerRequestOptions::with_timeout(limit),
                )
                .await?;
            let _subscription = ctx
                .output
                .clone()
                .map(|sink| slot.relay.subscribe(&handle.progress_token, sink));
            let response = handle.await_response().await;
            if _subscription.as_ref().is_some_and(|s| s.seen() > 0) {
                // A tool that reports progress sends its last notification
                // just before the answer, and it may be handled just after
                // it: let it through.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            response
        }
        .await;
        let answer = match answer {
            Ok(ServerResult::CallToolResult(result)) => Ok(Ok(result)),
            Ok(ServerResult::EmptyResult(_)) => Ok(Ok(CallToolResult::default())),
            Ok(_) => Ok(Err(ServiceError::UnexpectedResponse)),
            Err(ServiceError::Timeout { .. }) => Err(()),
            Err(e) => Ok(Err(e)),
        };
        let result = match answer {
            Err(_) => {
                if slot.config.is_http() {
                    slot.reset_session(&session).await;
                }
                return ToolResult::failure(
                    ToolStatus::Timeout,
                    format!(
                        "{} timed out after {} s (the server's tool_timeout_secs); it may still be working on it. Try smaller input or another approach",
                        self.name,
                        limit.as_secs()
                    ),
                );
            }
            Ok(Err(e)) => {
                let message = e.to_string();
                if session.peer().is_transport_closed() {
                    slot.forget(&session, "the server exited or closed the connection")
                        .await;
                    return ToolResult::failure(
                        ToolStatus::Error,
                        format!(
                            "{}: the MCP server {} went away during the call ({message}); it is restarted on the next call",
                            self.name, self.server
                        ),
                    );
                }
                if slot.config.is_http()
                    && matches!(
                        e,
                        ServiceError::TransportSend(_) | ServiceError::TransportClosed
                    )
                {
                    slot.reset_session(&session).await;
                }
                return ToolResult::failure(
                    ToolStatus::Error,
                    format!("{} failed: {message}", self.name),
                );
            }
            Ok(Ok(result)) => result,
        };
        let text = chamber_tools::cap_text(&result_text(&result), ctx.output_cap);
        if result.is_error == Some(true) {
            let mut failed = ToolResult::failure(
                ToolStatus::Error,
                if text.trim().is_empty() {
                    format!("{} reported an error without details", self.name)
                } else {
                    text
                },
            );
            failed.exit_code = None;
            return failed;
        }
        ToolResult {
            status: ToolStatus::Ok,
            stdout: text,
            ..ToolResult::default()
        }
    }
}
