//! Turns a request into a ready run, the same way for every front end: the
//! CLI, the server's workers, and later the TUI, the MCP server and the org
//! scheduler. No clap, no HTTP, no printing: callers pass what the user
//! asked for and get an engine, run options and an outcome back.

pub mod conversation;
pub mod doc_gaps;
pub mod edit_request;
mod error;
mod execute;
mod gate;
mod local;
mod mcp_trust;
pub mod migrate;
pub mod openapi;
pub mod plugins;
mod providers;
pub mod recipes;
pub mod refactor;
pub mod remote_repo;
mod run_settings;
mod setup;
pub mod telemetry;
mod test_setup;

pub use error::{ErrorKind, RuntimeError};
pub use execute::{Act, execute};
pub use gate::{build_gate, mode_of, sandbox_state};
pub use local::local_paths;
pub use providers::{ReadyProvider, auto_edit_format, registry_for};
pub use run_settings::{RunSettings, run_options};
pub use setup::{Notice, Overrides, Setup, budget_of, load_policy};
pub use test_setup::{detect_tests, fix_settings};
