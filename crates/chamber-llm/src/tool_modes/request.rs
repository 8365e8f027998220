//! Request rewriting for the prompt-based tool modes: tools move from the
//! request's `tools` field into a short system-prompt section, and tool
//! history becomes plain messages that any chat template accepts.

use std::collections::HashMap;

use chamber_protocol::ToolCall;
use serde_json::{Value, json};

use super::ToolCallMode;
use crate::{ChatRequest, Message, ResponseFormat, Role, ToolDef};

/// Name of the schema sent in `json_schema` mode.
pub(crate) const SCHEMA_NAME: &str = "tool_or_answer";

/// A rewritten request and how its answer must be read back.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// What goes to the wrapped provider.
    pub(crate) request: ChatRequest,
    /// `None` when the answer passes through unchanged (no tools offered, or
    /// the caller's own `response_format` decides the answer's shape).
    pub(crate) interpret: Option<Interpretation>,
}

/// How to turn the model's text back into tool calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interpretation {
    /// The mode the request was written for.
    pub(crate) mode: ToolCallMode,
    /// Tools offered; fenced or bare JSON only counts as a call to one of these.
    pub(crate) tool_names: Vec<String>,
}

/// Rewrites `request` for `mode`. History is always converted in the
/// non-native modes; tools are moved into the prompt only when some are
/// offered and the caller did not ask for its own `response_format`.
pub(crate) fn prepare(request: &ChatRequest, mode: ToolCallMode) -> Prepared {
    let mut out = request.clone();
    if mode == ToolCallMode::Native {
        return Prepared {
            request: out,
            interpret: None,
        };
    }
    out.messages = convert_history(&request.messages, mode);
    if request.tools.is_empty() || request.response_format.is_some() {
        return Prepared {
            request: out,
            interpret: None,
        };
    }
    // The prompt describes every tool, the same way on every turn, so that
    // a server's prompt cache reuses it; what this turn may call (and
    // whether it must call something) lives only in the grammar.
    append_system(&mut out.messages, &tool_section(&request.tools, mode));
    let allowed: Vec<ToolDef> = request
        .tools
        .iter()
        .filter(|t| {
            request
                .allowed_tools
                .as_ref()
                .is_none_or(|names| names.contains(&t.name))
        })
        .cloned()
        .collect();
    // A narrowing that leaves nothing would forbid every answer.
    let allowed = if allowed.is_empty() {
        request.tools.clone()
    } else {
        allowed
    };
    if mode == ToolCallMode::JsonSchema {
        out.response_format = Some(ResponseFormat {
            name: SCHEMA_NAME.to_string(),
            schema: tool_or_answer_schema(&allowed, request.require_tool),
        });
    }
    out.tools = Vec::new();
    out.allowed_tools = None;
    Prepared {
        request: out,
        interpret: Some(Interpretation {
            mode,
            tool_names: allowed.iter().map(|t| t.name.clone()).collect(),
        }),
    }
}

/// The schema that lets the model answer with exactly one tool call (with
/// that tool's own argument schema) or a plain answer; llama.cpp turns it
/// into a grammar, so even a tiny model cannot write anything else.
pub(crate) fn tool_or_answer_schema(tools: &[ToolDef], require_tool: bool) -> Value {
    let mut branches: Vec<Value> = tools
        .iter()
        .map(|t| {
            json!({
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": parameters(t)},
                "required": ["tool", "arguments"],
                "additionalProperties": false,
            })
        })
        .collect();
    if require_tool {
        return json!({ "oneOf": branches });
    }
    branches.push(json!({
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": false,
    }));
    json!({ "oneOf": branches })
}

/// A tool's argument schema, or an open object schema when it has none.
fn parameters(tool: &ToolDef) -> Value {
    if tool.parameters.is_object() {
        tool.parameters.clone()
    } else {
        json!({"type": "object"})
    }
}

/// The short tool list plus the mode's answer instructions, sized for
/// 0.5B–1.5B models: one line per tool and its schema as compact JSON. It
/// depends on nothing that changes between turns (the grammar enforces a
/// required call), so it never invalidates a server's prompt cache.
pub(crate) fn tool_section(tools: &[ToolDef], mode: ToolCallMode) -> String {
    let mut s = String::from("# Tools\n");
    for t in tools {
        s.push_str(&format!(
            "- {}: {}\n  arguments: {}\n",
            t.name,
            t.description.trim(),
            parameters(t)
        ));
    }
    s.push('\n');
    s.push_str(match mode {
        ToolCallMode::JsonSchema => {
            "Reply with one JSON object: {\"tool\": \"<tool name>\", \"arguments\": {...}} \
             to call a tool, or {\"answer\": \"<your reply>\"} when no tool is needed."
        }
        _ => {
            "To call a tool, write <tool_call>{\"name\": \"<tool name>\", \"arguments\": {...}}</tool_call> \
             (one block per call). Otherwise reply in plain text."
        }
    });
    s
}

/// Appends `section` to the first system message, or adds one at the start.
fn append_system(messages: &mut Vec<Message>, section: &str) {
    match messages.iter_mut().find(|m| m.role == Role::System) {
        Some(system) => {
            if !system.content.trim().is_empty() {
                system.content.push_str("\n\n");
            }
            system.content.push_str(section);
        }
        None => messages.insert(0, Message::system(section)),
    }
}

/// Turns tool history into plain messages: assistant tool calls become the
/// text the mode asks the model to write, and tool results become user
/// messages naming the tool and call (consecutive results share one message,
/// since many chat templates want user and assistant turns to alternate).
pub(crate) fn convert_history(messages: &[Message], mode: ToolCallMode) -> Vec<Message> {
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    let mut after_result = false;
    for m in messages {
        match m.role {
            Role::Assistant if !m.tool_calls.is_empty() => {
                let mut parts: Vec<String> = Vec::new();
                if !m.content.trim().is_empty() {
                    parts.push(m.content.trim().to_string());
                }
                for call in &m.tool_calls {
                    names.insert(&call.id, &call.name);
                    parts.push(render_call(call, mode));
                }
                out.push(Message::assistant(parts.join("\n"), Vec::new()));
                after_result = false;
            }
            Role::Tool => {
                let id = m.tool_call_id.as_deref().unwrap_or_default();
                let name = names.get(id).copied().unwrap_or("tool");
                let text = format!("Result of {name}:\n{}", m.content);
                match out.last_mut() {
                    Some(prev) if after_result => {
                        prev.content.push_str("\n\n");
                        prev.content.push_str(&text);
                    }
                    _ => out.push(Message::user(text)),
                }
                after_result = true;
            }
            _ => {
                out.push(m.clone());
                after_result = false;
            }
        }
    }
    out
}

/// One earlier call as the model would have written it in `mode`. The
/// arguments are kept as written (compacted when valid JSON), so a later
/// error message about them still matches what the model sees.
fn render_call(call: &ToolCall, mode: ToolCallMode) -> String {
    let raw = call.arguments.trim();
    let args = match serde_json::from_str::<Value>(raw) {
        Ok(v) => v.to_string(),
        Err(_) if raw.is_empty() => String::from("{}"),
        Err(_) => raw.to_string(),
    };
    let name = Value::String(call.name.clone());
    match mode {
        ToolCallMode::JsonSchema => format!("{{\"tool\":{name},\"arguments\":{args}}}"),
        _ => format!("<tool_call>{{\"name\":{name},\"arguments\":{args}}}</tool_call>"),
    }
}
