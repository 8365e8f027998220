//! Scripted local HTTP server speaking the wire formats Chamber supports: OpenAI Chat
//! Completions, OpenAI Responses, Anthropic Messages and Google Gemini `generateContent`.
//!
//! Chamber's end-to-end tests and benchmarks point the agent at a [`MockServer`] instead of a
//! real provider: each request to any chat route consumes the next scripted [`Turn`] from one
//! shared queue and gets it back in that route's format — streamed (SSE) or plain, as an HTTP
//! error with the provider's native error body, or as a raw stream — optionally with faults
//! (a dropped, hung or failing stream; bytes that are not UTF-8; a huge, endless or
//! trickling answer; a tool call whose arguments never close; an HTML page instead of the API).
//!
//! | Format | Route | Base URL to configure |
//! |---|---|---|
//! | OpenAI Chat Completions | `POST /v1/chat/completions` | [`MockServer::base_url`] |
//! | OpenAI Responses | `POST /v1/responses` | [`MockServer::base_url`] |
//! | Anthropic Messages | `POST /v1/messages` | [`MockServer::root_url`] |
//! | Gemini | `POST /v1beta/models/{model}:generateContent` / `:streamGenerateContent?alt=sse` | [`MockServer::root_url`] |
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use chamber_mock_llm::{MockServer, Turn};
//! let server = MockServer::start(vec![
//!     Turn::call("read_file", serde_json::json!({"path": "README.md"})),
//!     Turn::text("Done.").with_reasoning("The file says hello."),
//! ])
//! .await?;
//! let base_url = server.base_url(); // http://127.0.0.1:PORT/v1
//! let root_url = server.root_url(); // http://127.0.0.1:PORT
//! # let _ = (base_url, root_url);
//! # Ok(()) }
//! ```

mod faults;
mod formats;
mod handlers;
mod record;
mod script;
mod server;

pub use faults::Flood;
pub use formats::WireFormat;
pub use record::RecordedRequest;
pub use script::{ScriptedCall, Turn, repeat};
pub use server::{MockServer, Responder};
