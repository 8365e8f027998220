use std::time::Duration;

use crate::sse::SseEvent as Event;
use chamber_protocol::Usage;
use serde_json::{Value, json};

use crate::http::{self, Http, WireParser};
use crate::wire::HttpSettings;
use crate::{ChatRequest, ErrorKind, EventStream, LlmError, Message, Provider, Role, StreamEvent};

/// Connection settings for an OpenAI-compatible server (the older, narrower
/// form of [`HttpSettings`], which it converts into).
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// Base URL up to and including `/v1`.
    pub base_url: String,
    /// Bearer token; servers such as llama.cpp need none.
    pub api_key: Option<String>,
    /// Whole-request timeout.
    pub request_timeout: Duration,
}

/// The OpenAI Chat Completions adapter. It also drives Ollama, vLLM,
/// llama.cpp, LM Studio and OpenRouter through `base_url`.
pub struct OpenAiChat {
    name: String,
    endpoint: String,
    url: String,
    http: Http,
}

impl OpenAiChat {
    /// Builds the adapter (named `openai`) and its HTTP client.
    pub fn new(settings: OpenAiSettings) -> Result<Self, LlmError> {
        Self::with_settings("openai", settings.into())
    }

    /// Builds the adapter named `name` from full HTTP settings.
    pub fn with_settings(name: &str, settings: HttpSettings) -> Result<Self, LlmError> {
        let auth = settings.key().map(|k| format!("Bearer {k}"));
        let own: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let http = Http::new(&settings, &own)?;
        Ok(Self {
            name: name.to_string(),
            endpoint: settings.base_url.clone(),
            url: format!("{}/chat/completions", http.base_url),
            http,
        })
    }

    /// The JSON body sent for a request.
    pub fn request_body(request: &ChatRequest) -> Value {
        Self::body(request, true)
    }

    fn body(request: &ChatRequest, stream: bool) -> Value {
        let messages: Vec<Value> = request.messages.iter().map(wire_message).collect();
        let mut body = json!({
            "model": request.model,
            "messages": messages,
            "stream": stream,
        });
        if stream {
            body["stream_options"] = json!({"include_usage": true});
        }
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| {
                    json!({"type": "function", "function": {
                        "name": t.name, "description": t.description, "parameters": t.parameters}})
                })
                .collect();
            if request.require_tool {
                body["tool_choice"] = json!("required");
            }
        }
        if let Some(rf) = &request.response_format {
            body["response_format"] = json!({"type": "json_schema",
                "json_schema": {"name": rf.name, "schema": rf.schema}});
        }
        if let Some(t) = request.temperature {
            body["temperature"] = http::decimal(t);
        }
        if let Some(m) = request.max_tokens {
            body["max_tokens"] = json!(m);
        }
        body
    }
}

fn wire_message(m: &Message) -> Value {
    match m.role {
        Role::System => json!({"role": "system", "content": m.content}),
        Role::User => json!({"role": "user", "content": m.content}),
        Role::Tool => json!({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content}),
        Role::Assistant if m.tool_calls.is_empty() => {
            json!({"role": "assistant", "content": m.content})
        }
        Role::Assistant => json!({
            "role": "assistant",
            "content": if m.content.is_empty() { Value::Null } else { json!(m.content) },
            "tool_calls": m.tool_calls.iter().map(|c| json!({
                "id": c.id, "type": "function",
                "function": {"name": c.name, "arguments": c.arguments}})).collect::<Vec<_>>(),
        }),
    }
}

/// Reads a Chat Completions `usage` object, cache and reasoning details included.
pub(crate) fn usage_of(u: &Value) -> Usage {
    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    let detail = |outer: &str, k: &str| {
        u.get(outer)
            .and_then(|d| d.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Usage {
        prompt_tokens: n("prompt_tokens"),
        completion_tokens: n("completion_tokens"),
        cached_tokens: detail("prompt_tokens_details", "cached_tokens"),
        reasoning_tokens: detail("completion_tokens_details", "reasoning_tokens"),
    }
}

/// Turns one `data:` payload into stream events.
fn parse_chunk(data: &str) -> Result<Vec<StreamEvent>, LlmError> {
    if data.trim() == "[DONE]" {
        return Ok(vec![StreamEvent::Done]);
    }
    let v: Value = serde_json::from_str(data).map_err(|e| {
        LlmError::new(
            ErrorKind::MalformedStream,
            format!("bad JSON in stream chunk: {e}: {data:.200}"),
        )
    })?;
    if let Some(err) = v.get("error") {
        return Err(LlmError::from_error_object(err));
    }
    let mut out = Vec::new();
    if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
        let delta = choice.get("delta").unwrap_or(&Value::Null);
        // Servers that expose reasoning (DeepSeek, OpenRouter, llama.cpp,
        // vLLM) put it beside `content` under one of these names.
        for key in ["reasoning_content", "reasoning"] {
            if let Some(text) = delta.get(key).and_then(Value::as_str)
                && !text.is_empty()
            {
                out.push(StreamEvent::Reasoning(text.to_string()));
            }
        }
        if let Some(text) = delta.get("content").and_then(Value::as_str)
            && !text.is_empty()
        {
            out.push(StreamEvent::Text(text.to_string()));
        }
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for (pos, call) in calls.iter().enumerate() {
                let f = call.get("function");
                out.push(StreamEvent::ToolCallDelta {
                    index: call
                        .get("index")
                        .and_then(Value::as_u64)
                        .map(|i| i as usize)
                        .unwrap_or(pos),
                    id: call.get("id").and_then(Value::as_str).map(String::from),
                    name: f
                        .and_then(|f| f.get("name"))
                        .and_then(Value::as_str)
                        .map(String::from),
                    arguments: f
                        .and_then(|f| f.get("arguments"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            out.push(StreamEvent::Finish(reason.to_string()));
        }
    }
    if let Some(usage) = reply_usage(&v) {
        out.push(StreamEvent::Usage(usage));
    }
    Ok(out)
}

/// The usage a chunk or reply reports: its `usage` object, corrected by
/// llama-server's `timings` when present (`cache_n` prompt tokens reused
/// from the server's cache, `prompt_n` evaluated afresh), which are the
/// server's own count even when `usage` lacks the cache details.
fn reply_usage(v: &Value) -> Option<Usage> {
    let usage = v.get("usage").filter(|u| u.is_object()).map(usage_of);
    let timings = v.get("timings").filter(|t| t.is_object());
    let Some(t) = timings else {
        return usage;
    };
    let n = |k: &str| t.get(k).and_then(Value::as_u64);
    let (Some(evaluated), Some(reused)) = (n("prompt_n"), n("cache_n")) else {
        return usage;
    };
    let mut usage = usage.unwrap_or(Usage {
        completion_tokens: n("predicted_n").unwrap_or(0),
        ..Usage::default()
    });
    usage.cached_tokens = reused;
    usage.prompt_tokens = usage.prompt_tokens.max(evaluated + reused);
    Some(usage)
}

/// Reads the Chat Completions stream: one JSON chunk per event, `[DONE]` last.
pub(crate) struct ChatParser;

impl WireParser for ChatParser {
    fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError> {
        parse_chunk(&event.data)
    }
}

/// Turns a whole (non-streamed) completion into the events a stream of it
/// would have produced.
pub(crate) fn reply_events(v: &Value) -> Result<Vec<StreamEvent>, LlmError> {
    if let Some(err) = v.get("error") {
        return Err(LlmError::from_error_object(err));
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| LlmError::new(ErrorKind::MalformedStream, "the reply has no choices"))?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    let text = |k: &str| {
        message
            .get(k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
    };
    let mut out = Vec::new();
    for key in ["reasoning_content", "reasoning"] {
        if let Some(t) = text(key) {
            out.push(StreamEvent::Reasoning(t.to_string()));
        }
    }
    if let Some(t) = text("content") {
        out.push(StreamEvent::Text(t.to_string()));
    }
    let calls = message.get("tool_calls").and_then(Value::as_array);
    for (index, call) in calls.into_iter().flatten().enumerate() {
        let f = call.get("function").unwrap_or(&Value::Null);
        let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        out.push(StreamEvent::ToolCallDelta {
            index,
            id: field(call, "id"),
            name: field(f, "name"),
            arguments: field(f, "arguments").unwrap_or_default(),
        });
    }
    if let Some(usage) = reply_usage(v) {
        out.push(StreamEvent::Usage(usage));
    }
    let reason = choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .unwrap_or("stop");
    out.push(StreamEvent::Finish(reason.to_string()));
    out.push(StreamEvent::Done);
    Ok(out)
}

#[async_trait::async_trait]
impl Provider for OpenAiChat {
    fn name(&self) -> &str {
        &self.name
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = Self::body(request, self.http.stream);
        self.http
            .exchange(&self.url, &body, ChatParser, reply_events)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tool_call_deltas_and_usage() {
        let ev = parse_chunk(
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c1","type":"function","function":{"name":"shell","arguments":"{\"co"}}]},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(
            ev,
            vec![StreamEvent::ToolCallDelta {
                index: 1,
                id: Some("c1".into()),
                name: Some("shell".into()),
                arguments: "{\"co".into()
            }]
        );
        let ev = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#,
        )
        .unwrap();
        assert_eq!(
            ev,
            vec![StreamEvent::Usage(Usage {
                prompt_tokens: 5,
                completion_tokens: 7,
                ..Default::default()
            })]
        );
        assert_eq!(parse_chunk("[DONE]").unwrap(), vec![StreamEvent::Done]);
        assert_eq!(
            parse_chunk("{oops").unwrap_err().kind,
            ErrorKind::MalformedStream
        );
    }

    #[tokio::test]
    async fn a_parsed_stream_collects_into_an_answer() {
        let body = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Hmm."}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Let me look."}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"read_file","arguments":"{\"pa"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":1}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":8}}}"#,
            "[DONE]",
        ]
        .iter()
        .map(|d| format!("data: {d}\n\n"))
        .collect::<String>();
        let parsed = crate::test_support::parse_sse(ChatParser, &body).await;
        let resp = crate::test_support::collect_events(parsed).await.unwrap();
        assert_eq!(resp.content, "Let me look.");
        assert_eq!(resp.reasoning, "Hmm.");
        assert_eq!(resp.tool_calls.len(), 1);
        assert_eq!(resp.tool_calls[0].arguments, r#"{"path":1}"#);
        assert_eq!(resp.usage.cached_tokens, 8);
        assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    }

    #[test]
    fn llama_server_timings_give_the_cached_prompt_tokens() {
        // Usage without cache details: the timings say what was reused.
        let ev = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":2600,"completion_tokens":30},"timings":{"cache_n":2480,"prompt_n":120,"predicted_n":30}}"#,
        )
        .unwrap();
        let StreamEvent::Usage(u) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!((u.prompt_tokens, u.cached_tokens), (2600, 2480));
        // Timings alone (no `usage` object) still count.
        let ev = parse_chunk(
            r#"{"choices":[],"timings":{"cache_n":100,"prompt_n":20,"predicted_n":7}}"#,
        )
        .unwrap();
        assert_eq!(
            ev,
            vec![StreamEvent::Usage(Usage {
                prompt_tokens: 120,
                completion_tokens: 7,
                cached_tokens: 100,
                ..Default::default()
            })]
        );
        // Partial timings leave the usage as reported.
        let ev = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1},"timings":{"prompt_ms":3.5}}"#,
        )
        .unwrap();
        let StreamEvent::Usage(u) = &ev[0] else {
            panic!("{ev:?}")
        };
        assert_eq!((u.prompt_tokens, u.cached_tokens), (9, 0));
    }

    #[tokio::test]
    async fn converts_a_whole_completion() {
        let reply = json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": "Reading.", "reasoning_content": "First a.py.",
                "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "read_file", "arguments": "{\"path\":\"a.py\"}"}},
                    {"id": "call_2", "type": "function",
                     "function": {"name": "shell", "arguments": "{}"}}]}}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 6,
                      "completion_tokens_details": {"reasoning_tokens": 3}}
        });
        let out = reply_events(&reply).unwrap();
        assert_eq!(out.last(), Some(&StreamEvent::Done));
        let resp = crate::test_support::collect_events(out.into_iter().map(Ok).collect())
            .await
            .unwrap();
        assert_eq!(resp.content, "Reading.");
        assert_eq!(resp.reasoning, "First a.py.");
        assert_eq!(resp.tool_calls[0].id, "call_1");
        assert_eq!(resp.tool_calls[1].name, "shell");
        assert_eq!(resp.usage.reasoning_tokens, 3);
        assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));

        let body = OpenAiChat::body(&ChatRequest::new("m", vec![Message::user("x")]), false);
        assert_eq!(body["stream"], false);
        assert!(body.get("stream_options").is_none());
        let err =
            reply_events(&json!({"error": {"message": "slow", "code": "rate_limit_exceeded"}}));
        assert_eq!(err.unwrap_err().kind, ErrorKind::RateLimited);
    }
}
