//! Talking to models: one streaming `Provider` trait, one internal message
//! model, and an adapter per wire format (OpenAI Chat Completions here, which
//! also covers every OpenAI-compatible server). Errors are classified so the
//! caller knows what is worth retrying.

mod collect;
mod error;
mod message;
mod openai_chat;
mod provider;
mod retry;
mod tool_modes;

pub use collect::{ChatResponse, collect};
pub use error::{ErrorKind, LlmError};
pub use message::{ChatRequest, Message, ResponseFormat, Role, ToolDef};
pub use openai_chat::{OpenAiChat, OpenAiSettings};
pub use provider::{EventStream, Provider, StreamEvent};
pub use retry::{RetryPolicy, complete_with_retry};
pub use tool_modes::{
    Extracted, ExtractedCall, ToolCallMode, ToolModeProvider, UnknownToolCallMode,
    extract_tool_calls,
};
