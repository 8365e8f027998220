//! Chamber's request as an Anthropic Messages body.

use serde_json::{Value, json};

use crate::{ChatRequest, Message, ResponseFormat, Role};

/// `max_tokens` when the request sets none (Anthropic requires one).
pub(super) const DEFAULT_MAX_TOKENS: u32 = 8192;
/// The smallest thinking budget Anthropic accepts.
const MIN_THINKING_BUDGET: u32 = 1024;

/// The JSON body for `request`.
///
/// Extended thinking cannot be combined with a forced tool choice, so a
/// request that requires a tool call is sent without thinking.
pub(super) fn body(request: &ChatRequest, stream: bool) -> Value {
    let mut system: Vec<String> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System && !m.content.is_empty())
        .map(|m| m.content.clone())
        .collect();
    if let Some(rf) = &request.response_format {
        system.push(json_instruction(rf));
    }
    let forced = request.require_tool && !request.tools.is_empty();
    let thinking = request
        .thinking_budget
        .filter(|_| !forced)
        .map(|b| b.max(MIN_THINKING_BUDGET));
    let mut max_tokens = request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    if let Some(budget) = thinking
        && max_tokens <= budget
    {
        // The budget counts against max_tokens; leave room for the answer.
        max_tokens = budget.saturating_add(max_tokens);
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": max_tokens,
        "messages": messages(&request.messages),
        "stream": stream,
    });
    if !system.is_empty() {
        body["system"] = json!(system.join("\n\n"));
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        if request.require_tool {
            body["tool_choice"] = json!({"type": "any"});
        }
    }
    match thinking {
        Some(budget) => body["thinking"] = json!({"type": "enabled", "budget_tokens": budget}),
        None => {
            if let Some(t) = request.temperature {
                body["temperature"] = crate::http::decimal(t);
            }
        }
    }
    body
}

/// The system-prompt instruction standing in for a JSON-schema mode.
fn json_instruction(rf: &ResponseFormat) -> String {
    format!(
        "Answer with a single JSON value and nothing else: no prose, no code fences. \
         It must match this JSON Schema (`{}`):\n{}",
        rf.name, rf.schema
    )
}

/// The conversation as alternating user/assistant messages of content
/// blocks. Tool results become `tool_result` blocks in a user message;
/// consecutive messages of one role are merged, since Anthropic requires
/// the roles to alternate, and in a merged user message the tool results
/// come first, as Anthropic requires.
fn messages(list: &[Message]) -> Vec<Value> {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in list {
        let (role, blocks) = match m.role {
            Role::System => continue,
            Role::User => ("user", text_block(&m.content)),
            Role::Tool => (
                "user",
                vec![json!({
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id.as_deref().unwrap_or_default(),
                    "content": m.content,
                })],
            ),
            Role::Assistant => ("assistant", assistant_blocks(m)),
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    turns
        .into_iter()
        .map(|(role, mut blocks)| {
            blocks.sort_by_key(|b| b["type"] != "tool_result");
            json!({"role": role, "content": blocks})
        })
        .collect()
}

/// A text block, or none for blank text (Anthropic rejects empty blocks).
fn text_block(text: &str) -> Vec<Value> {
    if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "text", "text": text})]
    }
}

/// Thinking (when signed), text, then one `tool_use` block per call.
fn assistant_blocks(m: &Message) -> Vec<Value> {
    let mut blocks = Vec::new();
    if let Some(signature) = &m.reasoning_signature
        && !m.reasoning.is_empty()
    {
        blocks.push(json!({"type": "thinking", "thinking": m.reasoning, "signature": signature}));
    }
    blocks.extend(text_block(&m.content));
    for c in &m.tool_calls {
        let input = serde_json::from_str::<Value>(&c.arguments)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        blocks.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}));
    }
    blocks
}
