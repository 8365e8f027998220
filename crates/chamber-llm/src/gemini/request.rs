//! Chamber's request as a Gemini `generateContent` body.

use serde_json::{Map, Value, json};

use super::schema::{has_no_properties, sanitize};
use crate::{ChatRequest, Message, Role};

/// The JSON body for `request`. The model (and whether to stream) go in the
/// URL, not the body.
pub(super) fn body(request: &ChatRequest) -> Value {
    let system: Vec<&str> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System && !m.content.is_empty())
        .map(|m| m.content.as_str())
        .collect();
    let mut body = json!({"contents": contents(&request.messages)});
    if !system.is_empty() {
        body["systemInstruction"] = json!({"parts": [{"text": system.join("\n\n")}]});
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|t| {
                let mut d = json!({"name": t.name, "description": t.description});
                let parameters = sanitize(&t.parameters);
                if !has_no_properties(&parameters) {
                    d["parameters"] = parameters;
                }
                d
            })
            .collect();
        body["tools"] = json!([{"functionDeclarations": declarations}]);
        if request.require_tool {
            body["toolConfig"] = json!({"functionCallingConfig": {"mode": "ANY"}});
        }
    }
    let mut config = Map::new();
    if let Some(t) = request.temperature {
        config.insert("temperature".into(), crate::http::decimal(t));
    }
    if let Some(m) = request.max_tokens {
        config.insert("maxOutputTokens".into(), json!(m));
    }
    if let Some(rf) = &request.response_format {
        config.insert("responseMimeType".into(), json!("application/json"));
        config.insert("responseSchema".into(), sanitize(&rf.schema));
    }
    if let Some(budget) = request.thinking_budget {
        config.insert(
            "thinkingConfig".into(),
            json!({"thinkingBudget": budget, "includeThoughts": true}),
        );
    }
    if !config.is_empty() {
        body["generationConfig"] = Value::Object(config);
    }
    body
}

/// The conversation as `user`/`model` turns; consecutive messages of one
/// role share a turn, so parallel tool results answer in one turn.
fn contents(list: &[Message]) -> Vec<Value> {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let (role, parts) = match m.role {
            Role::System => continue,
            Role::User => ("user", text_part(&m.content)),
            Role::Assistant => ("model", model_parts(m)),
            Role::Tool => {
                let id = m.tool_call_id.as_deref().unwrap_or_default();
                let name = tool_name(&list[..i], id);
                (
                    "user",
                    vec![
                        json!({"functionResponse": {"name": name, "response": {"content": m.content}}}),
                    ],
                )
            }
        };
        if parts.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(parts),
            _ => turns.push((role, parts)),
        }
    }
    turns
        .into_iter()
        .map(|(role, parts)| json!({"role": role, "parts": parts}))
        .collect()
}

fn text_part(text: &str) -> Vec<Value> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![json!({"text": text})]
    }
}

/// Text, then one `functionCall` part per call. The thought signature goes
/// back on the first function call (or the first part), where Gemini put it.
fn model_parts(m: &Message) -> Vec<Value> {
    let mut parts = text_part(&m.content);
    let first_call = parts.len();
    for c in &m.tool_calls {
        let args = serde_json::from_str::<Value>(&c.arguments)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        parts.push(json!({"functionCall": {"name": c.name, "args": args}}));
    }
    if let Some(signature) = &m.reasoning_signature {
        let at = if m.tool_calls.is_empty() {
            0
        } else {
            first_call
        };
        if let Some(part) = parts.get_mut(at) {
            part["thoughtSignature"] = json!(signature);
        }
    }
    parts
}

/// The name of the tool call `id`, from the nearest earlier assistant
/// message that made it (Gemini matches results to calls by name).
fn tool_name<'a>(earlier: &'a [Message], id: &str) -> &'a str {
    earlier
        .iter()
        .rev()
        .filter(|m| m.role == Role::Assistant)
        .flat_map(|m| m.tool_calls.iter())
        .find(|c| c.id == id)
        .map(|c| c.name.as_str())
        .unwrap_or("unknown_tool")
}
