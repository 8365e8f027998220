//! Reading Responses API answers: the semantic SSE events of a stream, and
//! a whole response object for non-streamed requests.

use crate::sse::SseEvent as Event;
use chamber_protocol::Usage;
use serde_json::Value;

use crate::http::{WireParser, json_data, non_empty};
use crate::{ErrorKind, LlmError, StreamEvent};

/// A function call seen so far.
struct Call {
    /// The output item's id (`fc_…`), which argument deltas refer to.
    item_id: String,
    /// The item's position among all output items.
    output_index: Option<u64>,
    /// Whether any argument text has been passed on.
    got_args: bool,
}

/// Stream state: the function calls, numbered in the order they appear.
#[derive(Default)]
pub(crate) struct ResponsesParser {
    calls: Vec<Call>,
}

fn text_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl ResponsesParser {
    /// A function call item starting (`added`) or complete (`done`, or from
    /// a whole response): registers it and passes on what is new.
    fn call_item(&mut self, item: &Value, output_index: Option<u64>) -> Vec<StreamEvent> {
        let item_id = text_of(item, "id");
        let arguments = text_of(item, "arguments");
        let known = self.calls.iter().position(|c| {
            if item_id.is_empty() {
                output_index.is_some() && c.output_index == output_index
            } else {
                c.item_id == item_id
            }
        });
        match known {
            Some(index) => {
                let call = &mut self.calls[index];
                if call.got_args || arguments.is_empty() {
                    return Vec::new();
                }
                call.got_args = true;
                vec![StreamEvent::ToolCallDelta {
                    index,
                    id: None,
                    name: None,
                    arguments,
                }]
            }
            None => {
                let index = self.calls.len();
                self.calls.push(Call {
                    item_id,
                    output_index,
                    got_args: !arguments.is_empty(),
                });
                vec![StreamEvent::ToolCallDelta {
                    index,
                    id: item
                        .get("call_id")
                        .and_then(Value::as_str)
                        .map(String::from),
                    name: item.get("name").and_then(Value::as_str).map(String::from),
                    arguments,
                }]
            }
        }
    }

    /// The call an argument event refers to, by item id or output position.
    fn call_for(&self, v: &Value) -> Result<usize, LlmError> {
        let item_id = v.get("item_id").and_then(Value::as_str);
        let output_index = v.get("output_index").and_then(Value::as_u64);
        self.calls
            .iter()
            .position(|c| item_id.is_some_and(|id| c.item_id == id))
            .or_else(|| {
                self.calls
                    .iter()
                    .position(|c| output_index.is_some() && c.output_index == output_index)
            })
            .ok_or_else(|| {
                LlmError::new(
                    ErrorKind::MalformedStream,
                    "arguments for a function call the stream never started",
                )
            })
    }

    fn arguments(
        &mut self,
        v: &Value,
        key: &str,
        whole: bool,
    ) -> Result<Vec<StreamEvent>, LlmError> {
        let index = self.call_for(v)?;
        let call = &mut self.calls[index];
        let arguments = text_of(v, key);
        // `…arguments.done` repeats what the deltas said; it only matters
        // when a server sent no deltas.
        if arguments.is_empty() || (whole && call.got_args) {
            return Ok(Vec::new());
        }
        call.got_args = true;
        Ok(vec![StreamEvent::ToolCallDelta {
            index,
            id: None,
            name: None,
            arguments,
        }])
    }

    /// Usage, the finish reason and the end, from the final response object.
    fn finish(&self, response: &Value) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        if let Some(u) = response.get("usage").filter(|u| u.is_object()) {
            out.push(StreamEvent::Usage(usage_of(u)));
        }
        let reason = if response.get("status").and_then(Value::as_str) == Some("incomplete") {
            let why = response
                .pointer("/incomplete_details/reason")
                .and_then(Value::as_str);
            match why {
                Some("content_filter") => "content_filter",
                _ => "length",
            }
        } else if self.calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        };
        out.push(StreamEvent::Finish(reason.to_string()));
        out.push(StreamEvent::Done);
        out
    }
}

impl WireParser for ResponsesParser {
    fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError> {
        let v = json_data(event)?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.event.as_str());
        let delta = || text_of(&v, "delta");
        Ok(match kind {
            "response.output_text.delta" | "response.refusal.delta" => {
                non_empty(delta(), StreamEvent::Text)
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                non_empty(delta(), StreamEvent::Reasoning)
            }
            // Summary parts are paragraphs; keep them apart.
            "response.reasoning_summary_part.added"
                if v.get("summary_index").and_then(Value::as_u64) > Some(0) =>
            {
                vec![StreamEvent::Reasoning("\n\n".into())]
            }
            "response.output_item.added" | "response.output_item.done" => match v.get("item") {
                Some(item) if item.get("type").and_then(Value::as_str) == Some("function_call") => {
                    self.call_item(item, v.get("output_index").and_then(Value::as_u64))
                }
                _ => Vec::new(),
            },
            "response.function_call_arguments.delta" => self.arguments(&v, "delta", false)?,
            "response.function_call_arguments.done" => self.arguments(&v, "arguments", true)?,
            "response.completed" | "response.incomplete" => {
                let mut response = v.get("response").cloned().unwrap_or(Value::Null);
                if kind == "response.incomplete" {
                    response["status"] = Value::from("incomplete");
                }
                self.finish(&response)
            }
            "response.failed" => return Err(failed(v.get("response").unwrap_or(&Value::Null))),
            "error" => {
                let inner = v.get("error").filter(|e| e.is_object()).unwrap_or(&v);
                return Err(LlmError::from_error_object(inner));
            }
            _ => Vec::new(),
        })
    }
}

/// The error of a failed response.
fn failed(response: &Value) -> LlmError {
    match response.get("error").filter(|e| e.is_object()) {
        Some(e) => LlmError::from_error_object(e),
        None => LlmError::new(ErrorKind::Server, "the response failed without saying why"),
    }
}

/// Reads a Responses API `usage` object.
fn usage_of(u: &Value) -> Usage {
    let n = |path: &str| u.pointer(path).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        prompt_tokens: n("/input_tokens"),
        completion_tokens: n("/output_tokens"),
        cached_tokens: n("/input_tokens_details/cached_tokens"),
        reasoning_tokens: n("/output_tokens_details/reasoning_tokens"),
    }
}

/// Turns a whole (non-streamed) response object into the events a stream
/// of it would have produced.
pub(crate) fn reply_events(response: &Value) -> Result<Vec<StreamEvent>, LlmError> {
    if let Some(err) = response.get("error").filter(|e| e.is_object()) {
        return Err(LlmError::from_error_object(err));
    }
    if response.get("status").and_then(Value::as_str) == Some("failed") {
        return Err(failed(response));
    }
    let mut parser = ResponsesParser::default();
    let mut out = Vec::new();
    let items = response.get("output").and_then(Value::as_array);
    for (position, item) in items.into_iter().flatten().enumerate() {
        let parts = |key: &str| {
            item.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("text").or_else(|| p.get("refusal")))
                .filter_map(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        match item.get("type").and_then(Value::as_str) {
            Some("reasoning") => {
                let mut text = parts("summary");
                text.extend(parts("content"));
                if !text.is_empty() {
                    out.push(StreamEvent::Reasoning(text.join("\n\n")));
                }
            }
            Some("message") => out.extend(parts("content").into_iter().map(StreamEvent::Text)),
            Some("function_call") => out.extend(parser.call_item(item, Some(position as u64))),
            _ => {}
        }
    }
    out.extend(parser.finish(response));
    Ok(out)
}
