//! Chamber as an MCP server: other agents (Claude Code, Codex, IDEs) start
//! and follow tasks, answer approvals, and use the project index, the edit
//! engine, the test runner and the reviewer. Served over stdio (`chamber
//! mcp serve`), stateless Streamable HTTP (`--http`), and at `/mcp` under
//! `chamber serve`. Every call is policy-checked and recorded in the
//! service log with the caller's name.

mod project_tools;
mod prompts;
mod resources;
mod task_tools;
mod tool_specs;
mod transport;

pub use transport::{http_routes, serve_stdio};

use std::sync::Arc;
use std::time::Instant;

use chamber_server::{AppState, Caller};
use chamber_store::{ServiceEventKind, TokenScope};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, Implementation, ListPromptsResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::setup::Setup;

/// What a tool call returns before it becomes MCP content.
pub(crate) type ToolOutcome = Result<Value, String>;

/// The MCP server's state: the project it serves and the service behind it.
#[derive(Clone)]
pub struct ChamberMcp {
    setup: Arc<Setup>,
    state: AppState,
    /// Over stdio the person who started the server is the caller; over
    /// HTTP the bearer token says who calls.
    local: Option<Caller>,
}

impl ChamberMcp {
    /// A server for `setup`'s project over the service `state`; `local`
    /// is the caller over stdio (None: read it from each HTTP request).
    pub fn new(setup: Arc<Setup>, state: AppState, local: Option<Caller>) -> Self {
        Self {
            setup,
            state,
            local,
        }
    }

    /// Who calls: for the log, the token (or `mcp-stdio`) with the client's
    /// self-reported name; and, for approvals, the token alone, so one
    /// token cannot count as two people by naming two clients.
    fn caller(&self, ctx: &RequestContext<RoleServer>) -> (Caller, String) {
        let client = ctx
            .peer
            .peer_info()
            .map(|i| i.client_info.name.clone())
            .filter(|n| n != "rmcp");
        let mut caller = self.local.clone().unwrap_or_else(|| {
            ctx.extensions
                .get::<axum::http::request::Parts>()
                .and_then(|p| p.extensions.get::<Caller>().cloned())
                .unwrap_or(Caller {
                    name: "anonymous".into(),
                    scope: TokenScope::Read,
                })
        });
        let approver = caller.name.clone();
        if let Some(client) = client {
            caller.name = format!("{} ({client})", caller.name);
        }
        (caller, approver)
    }

    async fn dispatch(
        &self,
        name: &str,
        args: Value,
        caller: &Caller,
        approver: &str,
        ctx: &RequestContext<RoleServer>,
    ) -> ToolOutcome {
        let needs = match name {
            "chamber_status" | "search" | "symbols" | "repo_map" | "context" | "review" => {
                TokenScope::Read
            }
            "chamber_approve" => TokenScope::Approve,
            // They act on the served checkout directly (run_tests runs its
            // command unsandboxed, as `chamber test` does), where /v1's
            // write scope only gets sandboxed runs on a branch.
            "apply_patch" | "run_tests" => TokenScope::Admin,
            _ => TokenScope::Write,
        };
        caller.require(needs).map_err(|e| e.message)?;
        match name {
            "chamber_run" => task_tools::run(self, parse(args)?, caller, ctx).await,
            "chamber_plan" => task_tools::plan(self, parse(args)?, caller, ctx).await,
            "chamber_status" => task_tools::status(self, parse(args)?).await,
            "chamber_reply" => task_tools::reply(self, parse(args)?, caller, ctx).await,
            "chamber_approve" => task_tools::approve(self, parse(args)?, approver).await,
            "search" => project_tools::search(self, parse(args)?).await,
            "symbols" => project_tools::symbols(self, parse(args)?).await,
            "repo_map" => project_tools::repo_map(self, parse(args)?).await,
            "context" => project_tools::context(self, parse(args)?).await,
            "apply_patch" => project_tools::apply_patch(self, parse(args)?).await,
            "run_tests" => project_tools::run_tests(self, parse(args)?).await,
            "review" => project_tools::review(self, parse(args)?).await,
            other => Err(format!(
                "no tool named {other:?}; tools: {}",
                tool_specs::all()
                    .iter()
                    .map(|t| t.name.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    async fn record(&self, caller: &Caller, tool: &str, outcome: &ToolOutcome, started: Instant) {
        let detail = match outcome {
            Ok(v) => v
                .get("task")
                .and_then(|t| t.get("id"))
                .or_else(|| v.get("id"))
                .and_then(Value::as_str)
                .map(|id| format!("task {id}"))
                .unwrap_or_default(),
            Err(e) => e.chars().take(300).collect(),
        };
        let event = ServiceEventKind::McpCall {
            client: caller.name.clone(),
            tool: tool.to_string(),
            ok: outcome.is_ok(),
            detail,
            ms: started.elapsed().as_millis() as u64,
        };
        if let Err(e) = self.state.store.record_service_event(&event).await {
            tracing::warn!(error = %e, "could not record an MCP call");
        }
    }
}

fn parse<A: DeserializeOwned>(args: Value) -> Result<A, String> {
    serde_json::from_value(args).map_err(|e| format!("invalid arguments: {e}"))
}

impl ServerHandler for ChamberMcp {
    fn get_info(&self) -> ServerConfig {
        // Logging is deprecated in the newest spec but still negotiated by
        // clients of 2025-11-25; Chamber accepts a level and sends no logs.
        #[allow(deprecated)]
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_resources()
            .enable_tools()
            .build();
        ServerConfig::new(capabilities)
        .with_server_info(Implementation::new("chamber", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Chamber turns a request into a committed change on a branch. chamber_run starts a task (wait=true follows it); chamber_status and chamber_approve follow and answer it; search, symbols, repo_map and context read the project; apply_patch, run_tests and review work on it directly.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tool_specs::all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = Instant::now();
        let (caller, approver) = self.caller(&context);
        let name = request.name.to_string();
        if !tool_specs::all().iter().any(|t| t.name == name) {
            return Err(ErrorData::invalid_params(
                format!("no tool named {name:?}"),
                None,
            ));
        }
        let args = Value::Object(request.arguments.unwrap_or_default());
        let outcome = self
            .dispatch(&name, args, &caller, &approver, &context)
            .await;
        self.record(&caller, &name, &outcome, started).await;
        let result = match outcome {
            Ok(value) => {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                let mut r = CallToolResult::success(vec![ContentBlock::text(text)]);
                if value.is_object() {
                    r.structured_content = Some(value);
                }
                r
            }
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        };
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(&request.name, request.arguments.as_ref()).map(Into::into)
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        _request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        Ok(())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(
            resources::list(self).await,
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let (caller, _) = self.caller(&context);
        caller
            .require(TokenScope::Read)
            .map_err(|e| ErrorData::invalid_request(e.message, None))?;
        resources::read(self, &request.uri).await.map(Into::into)
    }
}
