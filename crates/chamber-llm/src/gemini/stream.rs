//! Reading Gemini answers: each SSE `data:` chunk is a whole
//! `GenerateContentResponse` holding the next parts; a non-streamed reply
//! is one such object.

use crate::sse::SseEvent as Event;
use chamber_protocol::Usage;
use serde_json::Value;

use crate::http::{WireParser, json_data};
use crate::{LlmError, StreamEvent};

/// Stream state: calls so far (Gemini sends each whole, without ids of its
/// own on most models), whether a finish reason came, and whether the
/// thought signature was passed on.
#[derive(Default)]
pub(crate) struct GeminiParser {
    calls: usize,
    finished: bool,
    signed: bool,
    /// Random per answer, so generated call ids never repeat across turns
    /// (resume and tool-result names match results to calls by id).
    tag: Option<u32>,
}

impl GeminiParser {
    fn tag(&mut self) -> String {
        format!("{:08x}", *self.tag.get_or_insert_with(|| fastrand::u32(..)))
    }

    /// The events in one response chunk.
    fn chunk(&mut self, v: &Value) -> Result<Vec<StreamEvent>, LlmError> {
        if let Some(err) = v.get("error") {
            return Err(LlmError::from_error_object(err));
        }
        let mut out = Vec::new();
        let candidate = v.pointer("/candidates/0");
        let parts = candidate
            .and_then(|c| c.pointer("/content/parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            // Only the first signature: the next turn sends one back.
            if let Some(sig) = part.get("thoughtSignature").and_then(Value::as_str)
                && !sig.is_empty()
                && !self.signed
            {
                self.signed = true;
                out.push(StreamEvent::ReasoningSignature(sig.to_string()));
            }
            if let Some(call) = part.get("functionCall") {
                let index = self.calls;
                self.calls += 1;
                let id = call
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty())
                    .map(String::from)
                    .unwrap_or_else(|| format!("gemini_call_{}_{index}", self.tag()));
                let args = call.get("args").filter(|a| a.is_object());
                out.push(StreamEvent::ToolCallDelta {
                    index,
                    id: Some(id),
                    name: call.get("name").and_then(Value::as_str).map(String::from),
                    arguments: args.map_or_else(|| "{}".to_string(), Value::to_string),
                });
            } else if let Some(text) = part.get("text").and_then(Value::as_str)
                && !text.is_empty()
            {
                let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
                out.push(if thought {
                    StreamEvent::Reasoning(text.to_string())
                } else {
                    StreamEvent::Text(text.to_string())
                });
            }
        }
        if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage(usage_of(u)));
        }
        let reason = candidate
            .and_then(|c| c.get("finishReason"))
            .and_then(Value::as_str)
            // A prompt blocked outright comes back with no candidates.
            .or_else(|| {
                v.pointer("/promptFeedback/blockReason")
                    .and_then(Value::as_str)
            });
        if let Some(reason) = reason {
            self.finished = true;
            out.push(StreamEvent::Finish(self.finish_reason(reason)));
        }
        Ok(out)
    }

    /// Gemini's finish reason in Chamber's (OpenAI's) vocabulary.
    fn finish_reason(&self, reason: &str) -> String {
        match reason {
            "STOP" if self.calls > 0 => "tool_calls".into(),
            "STOP" => "stop".into(),
            "MAX_TOKENS" => "length".into(),
            other => other.to_ascii_lowercase(),
        }
    }
}

impl WireParser for GeminiParser {
    fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError> {
        self.chunk(&json_data(event)?)
    }

    /// Gemini's stream has no end marker: the body ending after a finish
    /// reason is a proper end; ending without one is left for `collect` to
    /// report as a truncated answer.
    fn end(&mut self) -> Vec<StreamEvent> {
        if self.finished {
            vec![StreamEvent::Done]
        } else {
            Vec::new()
        }
    }
}

/// Reads `usageMetadata`; thinking tokens count as completion tokens.
fn usage_of(u: &Value) -> Usage {
    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        prompt_tokens: n("promptTokenCount"),
        completion_tokens: n("candidatesTokenCount") + n("thoughtsTokenCount"),
        cached_tokens: n("cachedContentTokenCount"),
        reasoning_tokens: n("thoughtsTokenCount"),
    }
}

/// Turns a whole (non-streamed) reply into the events a stream of it would
/// have produced.
pub(crate) fn reply_events(reply: &Value) -> Result<Vec<StreamEvent>, LlmError> {
    let mut parser = GeminiParser::default();
    let mut out = parser.chunk(reply)?;
    if !parser.finished {
        out.push(StreamEvent::Finish(parser.finish_reason("STOP")));
    }
    out.push(StreamEvent::Done);
    Ok(out)
}
