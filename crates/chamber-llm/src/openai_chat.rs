use std::time::Duration;

use chamber_protocol::Usage;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{Value, json};

use crate::{ChatRequest, ErrorKind, EventStream, LlmError, Message, Provider, Role, StreamEvent};

/// Connection settings for an OpenAI-compatible server.
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
    settings: OpenAiSettings,
    url: String,
    client: reqwest::Client,
}

impl OpenAiChat {
    /// Builds the adapter and its HTTP client.
    pub fn new(settings: OpenAiSettings) -> Result<Self, LlmError> {
        let client = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| LlmError::from_transport(&e))?;
        let url = format!(
            "{}/chat/completions",
            settings.base_url.trim_end_matches('/')
        );
        Ok(Self {
            settings,
            url,
            client,
        })
    }

    /// The JSON body sent for a request.
    pub fn request_body(request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request.messages.iter().map(wire_message).collect();
        let mut body = json!({
            "model": request.model,
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
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
            body["temperature"] = json!(t);
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
        let text = err.to_string();
        return Err(LlmError::from_http(
            500,
            &json!({"error": err}).to_string(),
            None,
        ))
        .map_err(|mut e: LlmError| {
            e.status = None;
            e.message = format!("error inside stream: {text}");
            e
        });
    }
    let mut out = Vec::new();
    if let Some(choice) = v.get("choices").and_then(|c| c.get(0)) {
        let delta = choice.get("delta").unwrap_or(&Value::Null);
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
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
        out.push(StreamEvent::Usage(Usage {
            prompt_tokens: n("prompt_tokens"),
            completion_tokens: n("completion_tokens"),
        }));
    }
    Ok(out)
}

#[async_trait::async_trait]
impl Provider for OpenAiChat {
    fn name(&self) -> &str {
        "openai"
    }

    fn endpoint(&self) -> &str {
        &self.settings.base_url
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = Self::request_body(request);
        tracing::debug!(url = %self.url, body = %body, "chat request");
        let mut req = self.client.post(&self.url).json(&body);
        if let Some(key) = self.settings.api_key.as_deref().filter(|k| !k.is_empty()) {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| LlmError::from_transport(&e))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(Duration::from_secs_f64);
            let body = resp.text().await.unwrap_or_default();
            return Err(LlmError::from_http(status, &body, retry_after));
        }
        let events = resp.bytes_stream().eventsource().flat_map(|item| {
            let parsed: Vec<Result<StreamEvent, LlmError>> = match item {
                Ok(ev) => match parse_chunk(&ev.data) {
                    Ok(list) => list.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                },
                Err(e) => vec![Err(LlmError::new(
                    ErrorKind::Network,
                    format!("the stream broke off: {e}"),
                ))],
            };
            futures::stream::iter(parsed)
        });
        Ok(Box::pin(events))
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
                completion_tokens: 7
            })]
        );
        assert_eq!(parse_chunk("[DONE]").unwrap(), vec![StreamEvent::Done]);
        assert_eq!(
            parse_chunk("{oops").unwrap_err().kind,
            ErrorKind::MalformedStream
        );
    }
}
