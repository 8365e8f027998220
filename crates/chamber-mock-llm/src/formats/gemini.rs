//! Google Gemini `generateContent`: a scripted turn as `GenerateContentResponse` chunks
//! (`streamGenerateContent?alt=sse` sends each as `data: {…}`, with no `[DONE]`) or as one
//! response, plus Google's `{"error":{"code","message","status"}}` error bodies.
//!
//! Chunk layout: one chunk per reasoning piece (`{"text", "thought": true}`), one per text
//! piece, then one chunk holding every `functionCall` part (parallel calls). Gemini sends call
//! arguments whole, as a JSON object, so only text and reasoning are split. The last chunk
//! carries `finishReason: "STOP"` and `usageMetadata`; when the turn has reasoning, its first
//! part carries a deterministic `thoughtSignature`.

use serde_json::{Value, json};

use super::{MAX_PIECE_CHARS, Reply, arguments_value, split_pieces, sse_event, to_json};

/// A `functionCall` part; `args` is the parsed argument object (or the raw text as a string
/// when the scripted arguments are not valid JSON). A scripted call id is sent as `id`.
fn call_part(call: &crate::script::ScriptedCall) -> Value {
    let mut function_call = json!({"name": call.name, "args": arguments_value(&call.arguments)});
    if let Some(id) = &call.id {
        function_call["id"] = json!(id);
    }
    json!({"functionCall": function_call})
}

/// The parts of each streamed chunk, in order (never empty: the last holds a non-thought part).
fn chunk_parts(reply: &Reply<'_>) -> Vec<Vec<Value>> {
    let turn = reply.turn;
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    if let Some(reasoning) = &turn.reasoning {
        for piece in split_pieces(reasoning, MAX_PIECE_CHARS) {
            chunks.push(vec![json!({"text": piece, "thought": true})]);
        }
    }
    if turn.has_text_part() {
        let text = turn.content.as_deref().unwrap_or_default();
        let pieces = split_pieces(text, MAX_PIECE_CHARS);
        if pieces.is_empty() {
            chunks.push(vec![json!({"text": ""})]);
        }
        for piece in pieces {
            chunks.push(vec![json!({"text": piece})]);
        }
    }
    if !turn.tool_calls.is_empty() {
        chunks.push(turn.tool_calls.iter().map(call_part).collect());
    }
    if turn.reasoning.is_some()
        && let Some(first) = chunks.last_mut().and_then(|parts| parts.first_mut())
    {
        first["thoughtSignature"] = json!(reply.signature());
    }
    chunks
}

/// The `usageMetadata` object; `candidatesTokenCount` excludes thoughts, as Gemini reports it.
fn usage(reply: &Reply<'_>) -> Value {
    let t = reply.tokens;
    let thoughts = t.reasoning.unwrap_or(0);
    let mut usage = json!({
        "promptTokenCount": t.prompt,
        "candidatesTokenCount": t.completion - thoughts,
        "totalTokenCount": t.total(),
    });
    if let Some(cached) = t.cached {
        usage["cachedContentTokenCount"] = json!(cached);
    }
    if let Some(thoughts) = t.reasoning {
        usage["thoughtsTokenCount"] = json!(thoughts);
    }
    usage
}

/// One `GenerateContentResponse`; `last` adds `finishReason` and `usageMetadata`.
fn response(reply: &Reply<'_>, id: &str, parts: Vec<Value>, last: bool) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    let mut response = json!({"modelVersion": reply.model, "responseId": id});
    if last {
        candidate["finishReason"] = json!("STOP");
        response["usageMetadata"] = usage(reply);
    }
    response["candidates"] = json!([candidate]);
    response
}

/// The streamed chunks for a turn, as JSON values.
fn chunks(reply: &Reply<'_>) -> Vec<Value> {
    let id = reply.id("");
    let parts = chunk_parts(reply);
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, parts)| response(reply, &id, parts, i + 1 == n))
        .collect()
}

/// Builds the `data: {GenerateContentResponse}` SSE events for `alt=sse` streaming.
pub(crate) fn stream_events(reply: &Reply<'_>) -> Vec<String> {
    chunks(reply).iter().map(|c| sse_event(None, c)).collect()
}

/// The body of `streamGenerateContent` without `alt=sse`: the chunks as one JSON array.
pub(crate) fn stream_array(reply: &Reply<'_>) -> String {
    to_json(&chunks(reply))
}

/// Serializes the non-streamed response: one candidate holding every part.
pub(crate) fn response_json(reply: &Reply<'_>) -> String {
    let turn = reply.turn;
    let mut parts = Vec::new();
    if let Some(reasoning) = &turn.reasoning {
        parts.push(json!({"text": reasoning, "thought": true}));
    }
    if turn.has_text_part() {
        parts.push(json!({"text": turn.content.as_deref().unwrap_or_default()}));
    }
    parts.extend(turn.tool_calls.iter().map(call_part));
    // The signature goes on the first function call, or on the (last) text part without one.
    let signed = if turn.tool_calls.is_empty() {
        parts.len().saturating_sub(1)
    } else {
        parts.len() - turn.tool_calls.len()
    };
    if turn.reasoning.is_some()
        && let Some(part) = parts.get_mut(signed)
    {
        part["thoughtSignature"] = json!(reply.signature());
    }
    to_json(&response(reply, &reply.id(""), parts, true))
}

/// The canonical Google status name for an HTTP status.
fn status_name(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 | 529 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "INVALID_ARGUMENT",
    }
}

/// The HTTP status Google uses for a status name (500 for unknown names).
fn code_for_name(name: &str) -> u16 {
    match name {
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => 400,
        "UNAUTHENTICATED" => 401,
        "PERMISSION_DENIED" => 403,
        "NOT_FOUND" => 404,
        "ABORTED" | "ALREADY_EXISTS" => 409,
        "RESOURCE_EXHAUSTED" => 429,
        "CANCELLED" => 499,
        "UNIMPLEMENTED" => 501,
        "UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        _ => 500,
    }
}

/// A default message for a status name.
fn message_for_name(name: &str) -> &'static str {
    match name {
        "UNAUTHENTICATED" => "API key not valid. Please pass a valid API key.",
        "PERMISSION_DENIED" => "The caller does not have permission",
        "NOT_FOUND" => "models/mock-model is not found for API version v1beta",
        "RESOURCE_EXHAUSTED" => "Resource has been exhausted (e.g. check quota).",
        "UNAVAILABLE" => "The model is overloaded. Please try again later.",
        "DEADLINE_EXCEEDED" => "Deadline expired before operation could complete.",
        "INTERNAL" => "An internal error has occurred. Please retry.",
        "INVALID_ARGUMENT" => "Request contains an invalid argument.",
        _ => "mock: scripted error",
    }
}

/// The `{"error":{"code","message","status"}}` envelope.
fn error_value(code: u16, name: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "status": name}})
}

/// The error body for an HTTP status (e.g. 429 → `RESOURCE_EXHAUSTED`); `message` replaces
/// the default text.
pub(crate) fn error_for_status(status: u16, message: Option<&str>) -> String {
    let name = status_name(status);
    to_json(&error_value(
        status,
        name,
        message.unwrap_or(message_for_name(name)),
    ))
}

/// The `data: {"error":…}` chunk for a stream that fails midway; `kind` is a status name
/// such as `UNAVAILABLE`, whose HTTP code goes in `code`.
pub(crate) fn stream_error_event(kind: &str) -> String {
    let body = error_value(code_for_name(kind), kind, message_for_name(kind));
    sse_event(None, &body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use crate::formats::tests::{parse_event, reply};
    use crate::script::Turn;

    #[test]
    fn stream_layout_and_signature() {
        let turn = Turn::calls(vec![("a", json!({"x": 1})), ("b", json!({}))])
            .with_content("checking both")
            .with_reasoning("think");
        let request = json!({});
        let events = stream_events(&reply(&turn, &request));
        let chunks: Vec<Value> = events.iter().map(|e| parse_event(e).1).collect();
        let parts = |c: &Value| c["candidates"][0]["content"]["parts"].clone();
        assert_eq!(parts(&chunks[0])[0]["thought"], true);
        let last = chunks.last().unwrap();
        assert_eq!(last["candidates"][0]["finishReason"], "STOP");
        assert_eq!(parts(last)[0]["functionCall"]["args"], json!({"x": 1}));
        assert_eq!(parts(last)[0]["thoughtSignature"], "sig-3");
        assert_eq!(parts(last)[1]["functionCall"]["name"], "b");
        assert!(chunks[..chunks.len() - 1].iter().all(|c| {
            c.get("usageMetadata").is_none() && c["candidates"][0].get("finishReason").is_none()
        }));
    }

    #[test]
    fn non_streamed_signature_placement() {
        let request = json!({});
        let text = Turn::text("hi").with_reasoning("r");
        let v: Value = serde_json::from_str(&response_json(&reply(&text, &request))).unwrap();
        let parts = &v["candidates"][0]["content"]["parts"];
        assert_eq!(parts[1]["thoughtSignature"], "sig-3");
        assert!(parts[0].get("thoughtSignature").is_none());
        let call = Turn::raw_call("f", "{oops")
            .with_content("x")
            .with_reasoning("r");
        let v: Value = serde_json::from_str(&response_json(&reply(&call, &request))).unwrap();
        let parts = &v["candidates"][0]["content"]["parts"];
        assert_eq!(parts[2]["thoughtSignature"], "sig-3");
        assert_eq!(parts[2]["functionCall"]["args"], "{oops");
    }

    #[test]
    fn errors() {
        let v: Value = serde_json::from_str(&error_for_status(429, None)).unwrap();
        assert_eq!(v["error"]["code"], 429);
        assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");
        let (_, data) = parse_event(&stream_error_event("UNAVAILABLE"));
        assert_eq!(data["error"]["code"], 503);
    }
}
