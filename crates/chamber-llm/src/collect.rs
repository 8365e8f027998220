use std::time::Duration;

use tokio::time::Instant;

use chamber_protocol::{ToolCall, Usage};
use futures::StreamExt;

use crate::{ChatRequest, ErrorKind, LlmError, Provider, StreamEvent};

/// A whole answer, assembled from a stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    /// Assistant text.
    pub content: String,
    /// Tool calls, in order, with arguments as raw text.
    pub tool_calls: Vec<ToolCall>,
    /// The model's reasoning, when the provider exposes it.
    pub reasoning: String,
    /// Opaque token to send back with the reasoning (see `Message::reasoning_signature`).
    pub reasoning_signature: Option<String>,
    /// Token counts (zero when the server sent none).
    pub usage: Usage,
    /// Why the model stopped.
    pub finish_reason: Option<String>,
}

/// Bounds on one answer besides the idle timeout, so that a server that
/// never stops (or trickles forever) ends in a classified error with bounded
/// memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerLimits {
    /// Longest time from sending the request to the answer's end marker.
    pub timeout: Duration,
    /// Most bytes of text, reasoning and tool-call arguments in one answer.
    pub max_bytes: usize,
    /// Most bytes of the arguments of one tool call.
    pub max_tool_call_bytes: usize,
}

impl AnswerLimits {
    /// Default of `provider.answer_timeout_secs`.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);
    /// Default of `provider.max_response_bytes`.
    pub const DEFAULT_MAX_BYTES: usize = 8 * MIB;
    /// Default of `provider.max_tool_call_bytes`.
    pub const DEFAULT_MAX_TOOL_CALL_BYTES: usize = MIB;
}

impl Default for AnswerLimits {
    fn default() -> Self {
        Self {
            timeout: Self::DEFAULT_TIMEOUT,
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_tool_call_bytes: Self::DEFAULT_MAX_TOOL_CALL_BYTES,
        }
    }
}

const MIB: usize = 1024 * 1024;

/// A byte count as people read it: `8 MiB`, `1536 KiB` or `100 bytes`.
pub(crate) fn human_bytes(n: usize) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Streams one answer and assembles it, within the default [`AnswerLimits`].
pub async fn collect(
    provider: &dyn Provider,
    request: &ChatRequest,
    idle: Duration,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatResponse, LlmError> {
    collect_limited(provider, request, idle, AnswerLimits::default(), on_text).await
}

/// Streams one answer and assembles it. Text pieces go to `on_text` as they
/// arrive. A stream that stalls longer than `idle`, ends without its end
/// marker, outgrows `limits` or is not done within `limits.timeout` is an
/// error, never a silently truncated answer.
pub async fn collect_limited(
    provider: &dyn Provider,
    request: &ChatRequest,
    idle: Duration,
    limits: AnswerLimits,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatResponse, LlmError> {
    let deadline = Instant::now() + limits.timeout;
    let late = || {
        LlmError::new(
            ErrorKind::AnswerTimeout,
            format!(
                "the answer did not finish within {}s (provider.answer_timeout_secs)",
                limits.timeout.as_secs_f64()
            ),
        )
    };
    let mut stream = tokio::time::timeout_at(deadline, provider.stream(request))
        .await
        .map_err(|_| late())??;
    let mut out = ChatResponse::default();
    let mut calls: Vec<(Option<String>, String, String)> = Vec::new();
    let mut size = 0usize;
    let mut grow = |n: usize| {
        size = size.saturating_add(n);
        if size > limits.max_bytes {
            return Err(LlmError::new(
                ErrorKind::TooLarge,
                format!(
                    "the answer passed {} without ending (provider.max_response_bytes)",
                    human_bytes(limits.max_bytes)
                ),
            ));
        }
        Ok(())
    };
    let mut done = false;
    loop {
        let wait_until = deadline.min(Instant::now() + idle);
        let next = match tokio::time::timeout_at(wait_until, stream.next()).await {
            Ok(n) => n,
            Err(_) if Instant::now() >= deadline => return Err(late()),
            Err(_) => {
                return Err(LlmError::new(
                    ErrorKind::Timeout,
                    format!(
                        "no data from the model for {:.1}s mid-answer",
                        idle.as_secs_f64()
                    ),
                ));
            }
        };
        let Some(item) = next else { break };
        match item? {
            StreamEvent::Text(t) => {
                grow(t.len())?;
                on_text(&t);
                out.content.push_str(&t);
            }
            StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => {
                if index > 1024 {
                    return Err(LlmError::new(
                        ErrorKind::MalformedStream,
                        "tool call index out of range",
                    ));
                }
                while calls.len() <= index {
                    calls.push((None, String::new(), String::new()));
                }
                let slot = &mut calls[index];
                if let Some(n) = &name {
                    grow(n.len())?;
                }
                grow(arguments.len())?;
                if slot.2.len().saturating_add(arguments.len()) > limits.max_tool_call_bytes {
                    let tool = name.as_deref().unwrap_or(&slot.1);
                    return Err(LlmError::new(
                        ErrorKind::TooLarge,
                        format!(
                            "the arguments of tool call `{tool}` passed {} without closing (provider.max_tool_call_bytes)",
                            human_bytes(limits.max_tool_call_bytes)
                        ),
                    ));
                }
                if id.is_some() {
                    slot.0 = id;
                }
                if let Some(n) = name {
                    slot.1.push_str(&n);
                }
                slot.2.push_str(&arguments);
            }
            StreamEvent::Reasoning(t) => {
                grow(t.len())?;
                out.reasoning.push_str(&t);
            }
            StreamEvent::ReasoningSignature(sig) => {
                grow(sig.len())?;
                out.reasoning_signature
                    .get_or_insert_with(String::new)
                    .push_str(&sig);
            }
            StreamEvent::Progress => {}
            StreamEvent::Usage(u) => out.usage = u,
            StreamEvent::Finish(reason) => out.finish_reason = Some(reason),
            StreamEvent::Done => {
                done = true;
                break;
            }
        }
    }
    // Every adapter ends a complete answer with `Done` (after the usage,
    // which some formats send after the finish reason): a stream cut even
    // after the finish reason would lose the usage, so it is an error too.
    if !done {
        return Err(LlmError::new(
            ErrorKind::MalformedStream,
            if out.finish_reason.is_none() {
                "the stream ended before the answer was complete"
            } else {
                "the stream ended after the answer but before its end marker (usage lost)"
            },
        ));
    }
    // Servers that send no ids get unique ones: results are matched to
    // calls by id, across turns too (resume, Gemini tool-result names).
    let tag = fastrand::u32(..);
    out.tool_calls = calls
        .into_iter()
        .enumerate()
        .map(|(i, (id, name, arguments))| ToolCall {
            id: id.unwrap_or_else(|| format!("call_{tag:08x}_{i}")),
            name,
            arguments,
        })
        .collect();
    Ok(out)
}
