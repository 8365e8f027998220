//! Scripted local HTTP server speaking the OpenAI Chat Completions wire format.
//!
//! Chamber's end-to-end tests and benchmarks point the agent at a [`MockServer`] instead of a
//! real provider: each request to `/v1/chat/completions` consumes the next scripted [`Turn`]
//! and gets it back as a streamed (SSE) or plain completion, an HTTP error, or a raw stream.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use chamber_mock_llm::{MockServer, Turn};
//! let server = MockServer::start(vec![
//!     Turn::call("read_file", serde_json::json!({"path": "README.md"})),
//!     Turn::text("Done."),
//! ])
//! .await?;
//! let base_url = server.base_url(); // http://127.0.0.1:PORT/v1
//! # let _ = base_url;
//! # Ok(()) }
//! ```

mod script;
mod server;
mod sse;
mod wire;

pub use script::{ScriptedCall, Turn, repeat};
pub use server::{MockServer, RecordedRequest};
