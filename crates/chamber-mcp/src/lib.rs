//! Chamber as an MCP client: the servers configured under `[mcp.servers]`,
//! started lazily and in parallel, their tools offered to runs as
//! `mcp__<server>__<tool>` through the ordinary tool pipeline, their
//! resources and prompts readable by name.

mod connect;
mod content;
mod error;
mod hub;
mod progress;
mod slot;
mod tool;

pub use content::{block_text, resource_text, result_text};
pub use error::McpError;
pub use hub::McpHub;
pub use slot::{ServerPhase, ServerStatus};
pub use tool::{McpTool, TOOL_PREFIX, tool_name};
