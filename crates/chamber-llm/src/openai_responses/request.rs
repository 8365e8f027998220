//! Chamber's request as a Responses API body.

use serde_json::{Value, json};

use crate::{ChatRequest, Role};

/// The JSON body for `request`. System messages become `instructions`; the
/// rest become input items: messages as `{role, content}`, tool calls as
/// `function_call` items and tool results as `function_call_output` items.
pub(super) fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut instructions = Vec::new();
    let mut input = Vec::new();
    for m in &request.messages {
        match m.role {
            Role::System => {
                if !m.content.is_empty() {
                    instructions.push(m.content.as_str());
                }
            }
            Role::User => input.push(json!({"role": "user", "content": m.content})),
            Role::Assistant => {
                if !m.content.is_empty() || m.tool_calls.is_empty() {
                    input.push(json!({"role": "assistant", "content": m.content}));
                }
                for c in &m.tool_calls {
                    input.push(json!({
                        "type": "function_call",
                        "call_id": c.id,
                        "name": c.name,
                        "arguments": c.arguments,
                    }));
                }
            }
            Role::Tool => input.push(json!({
                "type": "function_call_output",
                "call_id": m.tool_call_id.as_deref().unwrap_or_default(),
                "output": m.content,
            })),
        }
    }
    let mut body = json!({
        "model": request.model,
        "input": input,
        "store": false,
        "stream": stream,
    });
    if !instructions.is_empty() {
        body["instructions"] = json!(instructions.join("\n\n"));
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "name": t.name, "description": t.description,
                    "parameters": t.parameters, "strict": false})
            })
            .collect();
        if request.require_tool {
            body["tool_choice"] = json!("required");
        }
    }
    if let Some(rf) = &request.response_format {
        body["text"] =
            json!({"format": {"type": "json_schema", "name": rf.name, "schema": rf.schema}});
    }
    if let Some(m) = request.max_tokens {
        body["max_output_tokens"] = json!(m);
    }
    if let Some(t) = request.temperature {
        body["temperature"] = crate::http::decimal(t);
    }
    if let Some(budget) = request.thinking_budget {
        body["reasoning"] = json!({"effort": effort(budget), "summary": "auto"});
    }
    body
}

/// The Responses API takes an effort level, not a token budget.
pub(super) fn effort(budget: u32) -> &'static str {
    match budget {
        0..=2048 => "low",
        2049..=8192 => "medium",
        _ => "high",
    }
}
