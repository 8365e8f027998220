use std::time::Duration;

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

/// Streams one answer and assembles it. Text pieces go to `on_text` as they
/// arrive. A stream that stalls longer than `idle` or ends without its end
/// marker is an error, never a silently truncated answer.
pub async fn collect(
    provider: &dyn Provider,
    request: &ChatRequest,
    idle: Duration,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatResponse, LlmError> {
    let mut stream = provider.stream(request).await?;
    let mut out = ChatResponse::default();
    let mut calls: Vec<(Option<String>, String, String)> = Vec::new();
    let mut done = false;
    loop {
        let next = match tokio::time::timeout(idle, stream.next()).await {
            Ok(n) => n,
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
                if id.is_some() {
                    slot.0 = id;
                }
                if let Some(n) = name {
                    slot.1.push_str(&n);
                }
                slot.2.push_str(&arguments);
            }
            StreamEvent::Reasoning(t) => out.reasoning.push_str(&t),
            StreamEvent::ReasoningSignature(sig) => out
                .reasoning_signature
                .get_or_insert_with(String::new)
                .push_str(&sig),
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
