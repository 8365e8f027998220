//! Lenient extraction of tool calls from what a model wrote as text.
//!
//! Small local models write tool calls in many shapes: `<tool_call>` blocks
//! (closed or not), fenced ```` ```json ```` blocks, or a bare JSON object, with
//! keys `name`/`tool`, `arguments`/`parameters`, the OpenAI
//! `{"function": {…}}` wrapper, and arguments as a JSON string holding JSON.
//! This module accepts all of them and never silently drops a call that is
//! clearly meant as one.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// One tool call found in model text. `arguments` is JSON text, normally
/// compact; for a malformed call it is the raw text the model wrote, so the
/// tool registry's validation can point at the exact problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedCall {
    /// Tool name; empty when a malformed block named none.
    pub name: String,
    /// Arguments as JSON text (or the raw block text when malformed).
    pub arguments: String,
}

/// The result of [`extract_tool_calls`]: the calls, in the order written, and
/// the prose around them (the whole input unchanged when there were no calls).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// Tool calls found, in text order.
    pub calls: Vec<ExtractedCall>,
    /// The text outside the call blocks.
    pub text: String,
}

/// Finds tool calls in free text written by a model.
///
/// * Every `<tool_call>…</tool_call>` block counts as a call (several are
///   allowed, the last may be unterminated). A block that is not a valid call
///   object still yields a call: its name is recovered from a `"name": "…"`
///   (or `"tool"`) pair, or left empty, and its arguments are the raw block
///   text. Downstream validation then tells the model precisely what is wrong
///   (invalid JSON with line and column, unknown tool, missing field) instead
///   of the call vanishing.
/// * A fenced ```` ``` ```` block or a bare JSON object counts only when it
///   names one of `tool_names`, so ordinary JSON in an answer stays text. A
///   fenced block (or a whole reply starting with `{`) that is not valid JSON
///   but clearly names a known tool is surfaced as a malformed call as above.
pub fn extract_tool_calls(text: &str, tool_names: &[&str]) -> Extracted {
    let mut pieces = split_tagged(text);
    pieces = refine(pieces, |p| split_fenced(p, tool_names));
    pieces = refine(pieces, |p| split_bare(p, tool_names));
    let mut calls: Vec<ExtractedCall> = Vec::new();
    let mut segments: Vec<String> = vec![String::new()];
    for piece in pieces {
        match piece {
            Piece::Prose(s) | Piece::Kept(s) => {
                if let Some(last) = segments.last_mut() {
                    last.push_str(&s);
                }
            }
            Piece::Calls(c) => {
                calls.extend(c);
                segments.push(String::new());
            }
        }
    }
    if calls.is_empty() {
        let trimmed = text.trim();
        match recover_name(trimmed) {
            Some(name)
                if trimmed.starts_with('{')
                    && !is_json(trimmed)
                    && tool_names.contains(&name.as_str()) =>
            {
                return Extracted {
                    calls: vec![ExtractedCall {
                        name,
                        arguments: trimmed.to_string(),
                    }],
                    text: String::new(),
                };
            }
            _ => {
                return Extracted {
                    calls,
                    text: text.to_string(),
                };
            }
        }
    }
    let text = segments
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Extracted { calls, text }
}

/// Interprets an answer written under the `json_schema` mode's schema:
/// `{"tool": …, "arguments": …}` is a call, `{"answer": …}` is the answer
/// text, and anything else goes through [`extract_tool_calls`] (servers that
/// ignore `response_format` let models write whatever they like).
pub(crate) fn interpret_json_answer(text: &str, tool_names: &[&str]) -> Extracted {
    if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
        if v.get("tool").is_some_and(Value::is_string)
            && let Some(call) = call_from_value(&v)
        {
            return Extracted {
                calls: vec![call],
                text: String::new(),
            };
        }
        if let Some(answer) = v.get("answer").and_then(Value::as_str) {
            return Extracted {
                calls: Vec::new(),
                text: answer.to_string(),
            };
        }
    }
    extract_tool_calls(text, tool_names)
}

/// A stretch of the input, classified as extraction proceeds.
enum Piece {
    /// Text still to be searched for calls.
    Prose(String),
    /// Text that stays text and is not searched further (a non-call fence).
    Kept(String),
    /// Calls found here.
    Calls(Vec<ExtractedCall>),
}

/// Runs `split` over every `Prose` piece, keeping the rest as they are.
fn refine(pieces: Vec<Piece>, split: impl Fn(&str) -> Vec<Piece>) -> Vec<Piece> {
    pieces
        .into_iter()
        .flat_map(|p| match p {
            Piece::Prose(s) => split(&s),
            other => vec![other],
        })
        .collect()
}

const OPEN: &str = "<tool_call>";
const CLOSE: &str = "</tool_call>";
const FENCE: &str = "```";

/// Splits out `<tool_call>` blocks; a block ends at `</tool_call>`, at the
/// next `<tool_call>`, or at the end of the text.
fn split_tagged(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push(Piece::Prose(rest[..start].to_string()));
        let after = &rest[start + OPEN.len()..];
        let close = after.find(CLOSE);
        let reopen = after.find(OPEN);
        let (inner, next) = match (close, reopen) {
            (Some(c), Some(o)) if o < c => (&after[..o], &after[o..]),
            (Some(c), _) => (&after[..c], &after[c + CLOSE.len()..]),
            (None, Some(o)) => (&after[..o], &after[o..]),
            (None, None) => (after, ""),
        };
        out.push(Piece::Calls(tagged_calls(inner)));
        rest = next;
    }
    out.push(Piece::Prose(rest.to_string()));
    out
}

/// The calls in one `<tool_call>` block: the parsed ones, or one malformed call.
fn tagged_calls(inner: &str) -> Vec<ExtractedCall> {
    let body = strip_fence(inner);
    parse_calls(body).unwrap_or_else(|| {
        vec![ExtractedCall {
            name: recover_name(body).unwrap_or_default(),
            arguments: body.to_string(),
        }]
    })
}

/// Splits out fenced blocks that hold calls to known tools; other fenced
/// blocks stay text and are not searched further.
fn split_fenced(text: &str, known: &[&str]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(FENCE) {
        let after = &rest[start + FENCE.len()..];
        // The info string (`json`) runs to the end of the line, unless the
        // object starts on the fence line itself.
        let body_start = match after.find('\n') {
            Some(nl) if !after[..nl].contains('{') => nl + 1,
            _ => after.find('{').unwrap_or(after.len()),
        };
        let tail = &after[body_start..];
        let (body, used) = match tail.find(FENCE) {
            Some(end) => (&tail[..end], end + FENCE.len()),
            None => (tail, tail.len()),
        };
        let end = start + FENCE.len() + body_start + used;
        match known_calls(body.trim(), known) {
            Some(calls) => {
                out.push(Piece::Prose(rest[..start].to_string()));
                out.push(Piece::Calls(calls));
            }
            None => {
                out.push(Piece::Prose(rest[..start].to_string()));
                out.push(Piece::Kept(rest[start..end].to_string()));
            }
        }
        rest = &rest[end..];
    }
    out.push(Piece::Prose(rest.to_string()));
    out
}

/// Splits out bare JSON objects that are calls to known tools. An object
/// that parses but is no call is skipped whole, so calls nested in ordinary
/// JSON data are not picked out of it.
fn split_bare(text: &str, known: &[&str]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut last = 0;
    let mut pos = 0;
    while let Some(off) = text[pos..].find('{') {
        let start = pos + off;
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        let Some(Ok(value)) = values.next() else {
            pos = start + 1;
            continue;
        };
        let end = start + values.byte_offset();
        if let Some(call) = call_from_value(&value).filter(|c| known.contains(&c.name.as_str())) {
            out.push(Piece::Prose(text[last..start].to_string()));
            out.push(Piece::Calls(vec![call]));
            last = end;
        }
        pos = end;
    }
    out.push(Piece::Prose(text[last..].to_string()));
    out
}

/// Calls in a fenced block, if it is about known tools: parsed calls that all
/// name known tools, or one malformed call when the block looks like an
/// object and clearly names a known tool.
fn known_calls(body: &str, known: &[&str]) -> Option<Vec<ExtractedCall>> {
    if let Some(calls) = parse_calls(body) {
        return calls
            .iter()
            .all(|c| known.contains(&c.name.as_str()))
            .then_some(calls);
    }
    if is_json(body) {
        return None;
    }
    let name = recover_name(body)?;
    (body.starts_with(['{', '[']) && known.contains(&name.as_str())).then(|| {
        vec![ExtractedCall {
            name,
            arguments: body.to_string(),
        }]
    })
}

/// Parses a block holding one or more call objects (or arrays of them); `None`
/// unless the whole block is valid JSON and every value is a call.
fn parse_calls(body: &str) -> Option<Vec<ExtractedCall>> {
    let mut calls = Vec::new();
    for value in serde_json::Deserializer::from_str(body).into_iter::<Value>() {
        match value.ok()? {
            Value::Array(items) => {
                for item in &items {
                    calls.push(call_from_value(item)?);
                }
            }
            other => calls.push(call_from_value(&other)?),
        }
    }
    (!calls.is_empty()).then_some(calls)
}

/// Whether `text` is a sequence of valid JSON values (ordinary data, not a
/// broken call).
fn is_json(text: &str) -> bool {
    !text.trim().is_empty()
        && serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .all(|v| v.is_ok())
}

/// Reads one call object in any of the shapes small models use.
fn call_from_value(value: &Value) -> Option<ExtractedCall> {
    let obj = value.as_object()?;
    if let Some(inner) = obj.get("function").filter(|f| f.is_object()) {
        return call_from_value(inner);
    }
    let name = obj
        .get("name")
        .or_else(|| obj.get("tool"))
        .and_then(Value::as_str)?;
    let args = ["arguments", "parameters", "args", "input"]
        .iter()
        .find_map(|k| obj.get(*k));
    let arguments = match args {
        None | Some(Value::Null) => String::from("{}"),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v.to_string(),
            Err(_) => s.clone(),
        },
        Some(v) => v.to_string(),
    };
    Some(ExtractedCall {
        name: name.to_string(),
        arguments,
    })
}

/// Drops a surrounding code fence (with its info string) from a block.
fn strip_fence(block: &str) -> &str {
    let mut s = block.trim();
    if let Some(rest) = s.strip_prefix(FENCE) {
        s = match rest.find('\n') {
            Some(nl) if !rest[..nl].contains('{') => &rest[nl + 1..],
            _ => rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric()),
        };
        s = s.trim_end();
        s = s.strip_suffix(FENCE).unwrap_or(s);
    }
    s.trim()
}

/// The tool name in text that is not valid JSON: the first `"name": "…"` or
/// `"tool": "…"` pair (single quotes accepted).
fn recover_name(text: &str) -> Option<String> {
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    let re = PATTERN
        .get_or_init(|| Regex::new(r#"["'](?:name|tool)["']\s*:\s*["']([^"'\\]*)["']"#).ok())
        .as_ref()?;
    re.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())
}
