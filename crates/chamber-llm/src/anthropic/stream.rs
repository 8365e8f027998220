//! Reading Anthropic answers: the Messages streaming events, and a whole
//! message for non-streamed requests.

use crate::sse::SseEvent as Event;
use chamber_protocol::Usage;
use serde_json::Value;

use crate::http::{WireParser, json_data, non_empty};
use crate::{ErrorKind, LlmError, StreamEvent};

/// Token counts as Anthropic reports them.
#[derive(Default)]
struct Counts {
    /// Uncached input tokens (Anthropic's `input_tokens` excludes cache hits).
    input: u64,
    cache_read: u64,
    cache_write: u64,
    output: u64,
}

impl Counts {
    /// Takes whichever counts `u` carries (a `message_delta` repeats only some).
    fn absorb(&mut self, u: &Value) {
        let set = |slot: &mut u64, key: &str| {
            if let Some(n) = u.get(key).and_then(Value::as_u64) {
                *slot = n;
            }
        };
        set(&mut self.input, "input_tokens");
        set(&mut self.cache_read, "cache_read_input_tokens");
        set(&mut self.cache_write, "cache_creation_input_tokens");
        set(&mut self.output, "output_tokens");
    }

    fn usage(&self) -> Usage {
        Usage {
            prompt_tokens: self.input + self.cache_read + self.cache_write,
            completion_tokens: self.output,
            cached_tokens: self.cache_read,
            reasoning_tokens: 0,
        }
    }
}

/// A `tool_use` content block being streamed.
struct ToolBlock {
    /// The content block's index in the message.
    block: u64,
    /// Whether any input JSON has been passed on.
    got_input: bool,
}

/// Stream state: token counts and the tool calls, numbered in order.
#[derive(Default)]
pub(crate) struct AnthropicParser {
    counts: Counts,
    tools: Vec<ToolBlock>,
}

impl AnthropicParser {
    /// A content block starting; complete blocks (from a whole message) come
    /// through here too.
    fn block_start(&mut self, block_index: u64, block: &Value) -> Vec<StreamEvent> {
        let text = |k: &str| {
            block
                .get(k)
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(String::from)
        };
        let mut out = Vec::new();
        match block.get("type").and_then(Value::as_str) {
            Some("text") => out.extend(text("text").map(StreamEvent::Text)),
            Some("thinking") => {
                out.extend(text("thinking").map(StreamEvent::Reasoning));
                out.extend(text("signature").map(StreamEvent::ReasoningSignature));
            }
            Some("tool_use") => {
                let input = block
                    .get("input")
                    .filter(|i| i.as_object().is_some_and(|o| !o.is_empty()))
                    .map(Value::to_string)
                    .unwrap_or_default();
                out.push(StreamEvent::ToolCallDelta {
                    index: self.tools.len(),
                    id: text("id"),
                    name: text("name"),
                    arguments: input.clone(),
                });
                self.tools.push(ToolBlock {
                    block: block_index,
                    got_input: !input.is_empty(),
                });
            }
            _ => {}
        }
        out
    }

    fn tool_for(&mut self, block_index: u64) -> Option<(usize, &mut ToolBlock)> {
        self.tools
            .iter_mut()
            .enumerate()
            .find(|(_, t)| t.block == block_index)
    }

    fn block_delta(
        &mut self,
        block_index: u64,
        delta: &Value,
    ) -> Result<Vec<StreamEvent>, LlmError> {
        let text = |k: &str| {
            delta
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(match delta.get("type").and_then(Value::as_str) {
            Some("text_delta") => non_empty(text("text"), StreamEvent::Text),
            Some("thinking_delta") => non_empty(text("thinking"), StreamEvent::Reasoning),
            Some("signature_delta") => {
                non_empty(text("signature"), StreamEvent::ReasoningSignature)
            }
            Some("input_json_delta") => {
                let partial = text("partial_json");
                if partial.is_empty() {
                    return Ok(Vec::new());
                }
                let (index, tool) = self.tool_for(block_index).ok_or_else(|| {
                    LlmError::new(
                        ErrorKind::MalformedStream,
                        "tool input for a content block that is not a tool call",
                    )
                })?;
                tool.got_input = true;
                vec![StreamEvent::ToolCallDelta {
                    index,
                    id: None,
                    name: None,
                    arguments: partial,
                }]
            }
            _ => Vec::new(),
        })
    }

    /// A block ending: a tool call that received no input gets `{}`.
    fn block_stop(&mut self, block_index: u64) -> Vec<StreamEvent> {
        match self.tool_for(block_index) {
            Some((index, tool)) if !tool.got_input => {
                tool.got_input = true;
                vec![StreamEvent::ToolCallDelta {
                    index,
                    id: None,
                    name: None,
                    arguments: "{}".into(),
                }]
            }
            _ => Vec::new(),
        }
    }
}

/// Anthropic's stop reason in Chamber's (OpenAI's) vocabulary.
fn finish_reason(reason: &str) -> String {
    match reason {
        "end_turn" | "stop_sequence" => "stop",
        "tool_use" => "tool_calls",
        "max_tokens" | "model_context_window_exceeded" => "length",
        other => other,
    }
    .to_string()
}

impl WireParser for AnthropicParser {
    fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError> {
        let v = json_data(event)?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.event.as_str());
        let block_index = || v.get("index").and_then(Value::as_u64).unwrap_or(0);
        Ok(match kind {
            "message_start" => {
                if let Some(u) = v.pointer("/message/usage") {
                    self.counts.absorb(u);
                }
                Vec::new()
            }
            "content_block_start" => {
                let block = v.get("content_block").unwrap_or(&Value::Null);
                self.block_start(block_index(), block)
            }
            "content_block_delta" => {
                let delta = v.get("delta").unwrap_or(&Value::Null);
                self.block_delta(block_index(), delta)?
            }
            "content_block_stop" => self.block_stop(block_index()),
            "message_delta" => {
                if let Some(u) = v.get("usage") {
                    self.counts.absorb(u);
                }
                let reason = v.pointer("/delta/stop_reason").and_then(Value::as_str);
                reason
                    .map(|r| StreamEvent::Finish(finish_reason(r)))
                    .into_iter()
                    .collect()
            }
            "message_stop" => vec![StreamEvent::Usage(self.counts.usage()), StreamEvent::Done],
            "error" => return Err(error_of(&v)),
            _ => Vec::new(),
        })
    }
}

/// The error in an `{"type":"error","error":{…}}` event or body.
fn error_of(v: &Value) -> LlmError {
    LlmError::from_error_object(v.get("error").unwrap_or(v))
}

/// Turns a whole (non-streamed) message into the events a stream of it
/// would have produced.
pub(crate) fn reply_events(message: &Value) -> Result<Vec<StreamEvent>, LlmError> {
    if message.get("type").and_then(Value::as_str) == Some("error") {
        return Err(error_of(message));
    }
    let mut parser = AnthropicParser::default();
    let mut out = Vec::new();
    let blocks = message.get("content").and_then(Value::as_array);
    for (i, block) in blocks.into_iter().flatten().enumerate() {
        out.extend(parser.block_start(i as u64, block));
        out.extend(parser.block_stop(i as u64));
    }
    if let Some(u) = message.get("usage") {
        parser.counts.absorb(u);
    }
    out.push(StreamEvent::Usage(parser.counts.usage()));
    let reason = message
        .get("stop_reason")
        .and_then(Value::as_str)
        .unwrap_or("end_turn");
    out.push(StreamEvent::Finish(finish_reason(reason)));
    out.push(StreamEvent::Done);
    Ok(out)
}
