use std::pin::Pin;

use chamber_protocol::Usage;
use futures::Stream;

use crate::{ChatRequest, LlmError};

/// One piece of a streamed answer, already normalised from the wire format.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More assistant text.
    Text(String),
    /// More of the model's reasoning ("thinking"), shown but not part of the answer.
    Reasoning(String),
    /// An opaque token the provider needs back with the reasoning on the next
    /// turn (Anthropic's thinking `signature`, OpenAI's encrypted reasoning item).
    ReasoningSignature(String),
    /// Part of a tool call; pieces with the same `index` concatenate.
    ToolCallDelta {
        /// Position of the call in the answer.
        index: usize,
        /// Call id, usually only on the first piece.
        id: Option<String>,
        /// Tool name, usually only on the first piece.
        name: Option<String>,
        /// A fragment of the arguments JSON text.
        arguments: String,
    },
    /// The model is producing output that an adapter holds back until it is
    /// complete (such as a tool call written as text); carries nothing, but
    /// resets idle timers so a long held-back answer is not taken for a stall.
    Progress,
    /// Token counts.
    Usage(Usage),
    /// The model stopped, with the provider's reason.
    Finish(String),
    /// The stream ended properly (`[DONE]` or equivalent).
    Done,
}

/// A stream of answer pieces.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send>>;

/// A model provider. Only streaming is required; `collect` builds whole
/// answers on top of it, so every adapter gets the same assembly and checks.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Provider name, such as `openai`.
    fn name(&self) -> &str;
    /// Where requests go (for status output).
    fn endpoint(&self) -> &str;
    /// Starts a streamed answer.
    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError>;
}
