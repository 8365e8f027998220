//! Talking to models: one streaming `Provider` trait, one internal message
//! model, and an adapter per wire format (OpenAI Chat Completions, which also
//! covers every OpenAI-compatible server; OpenAI Responses; Anthropic
//! Messages; Gemini). Errors are classified so the caller knows what is worth
//! retrying; fallback chains, prices and tool-call modes sit on top.

mod collect;
mod decode;
mod error;
mod fallback;
mod message;
mod models_list;
mod openai_chat;
mod pricing;
mod provider;
mod reply;
mod retry;
mod sse;
mod tool_modes;

pub use collect::{AnswerLimits, ChatResponse, collect, collect_limited};
pub use decode::{decode_reply, decode_stream};
pub use error::{ErrorKind, LlmError};
pub use fallback::{ALL_KINDS, CallNote, Served, Target, complete_with_fallback};
pub use message::{ChatRequest, Message, ResponseFormat, Role, ToolDef};
pub use models_list::list_models;
pub use openai_chat::{OpenAiChat, OpenAiSettings};
pub use pricing::{ModelInfo, ModelOverride, ModelTable, Preference};
pub use provider::{EventStream, Provider, StreamEvent};
pub use retry::{RetryPolicy, complete_with_retry};
pub use sse::{SseDecoder, SseEvent};
pub use tool_modes::{
    Extracted, ExtractedCall, ToolCallMode, ToolModeProvider, UnknownToolCallMode,
    extract_tool_calls,
};

// Wire formats beyond Chat Completions, and the factory that picks one.
mod anthropic;
mod gemini;
mod http;
mod openai_responses;
#[cfg(test)]
mod test_support;
mod wire;
pub use wire::{HttpSettings, UnknownWire, Wire, build_adapter};
