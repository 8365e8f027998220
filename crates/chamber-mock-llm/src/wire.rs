//! OpenAI Chat Completions JSON shapes, as typed structs so field order matches OpenAI's output.

use serde::Serialize;

/// Token usage block shared by streamed usage chunks and non-streamed completions.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

impl Usage {
    /// Builds a usage block, computing the total.
    pub fn new((prompt_tokens, completion_tokens): (u64, u64)) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        }
    }
}

/// Identity fields every completion object and chunk of one reply share.
#[derive(Debug, Clone)]
pub(crate) struct ReplyMeta {
    pub id: String,
    pub created: u64,
    pub model: String,
}

/// One `chat.completion.chunk` SSE payload.
#[derive(Debug, Serialize)]
pub(crate) struct Chunk<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: Option<()>,
    pub choices: Vec<ChunkChoice<'a>>,
    /// Absent without `include_usage`; `null` on ordinary chunks with it; set on the last chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Option<Usage>>,
}

/// The single choice of a streamed chunk.
#[derive(Debug, Serialize)]
pub(crate) struct ChunkChoice<'a> {
    pub index: u32,
    pub delta: Delta<'a>,
    pub logprobs: Option<()>,
    pub finish_reason: Option<&'static str>,
}

/// A streamed delta; unset fields are omitted, `Some(None)` content serializes as `null`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

/// A streamed tool-call fragment: the header (id, type, name) or an arguments piece.
#[derive(Debug, Serialize)]
pub(crate) struct ToolCallDelta<'a> {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    pub function: FunctionDelta<'a>,
}

/// Function part of a streamed tool-call fragment.
#[derive(Debug, Serialize)]
pub(crate) struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub arguments: &'a str,
}

/// A complete non-streamed `chat.completion` object.
#[derive(Debug, Serialize)]
pub(crate) struct Completion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub choices: Vec<CompletionChoice<'a>>,
    pub usage: Usage,
    pub system_fingerprint: Option<()>,
}

/// The single choice of a non-streamed completion.
#[derive(Debug, Serialize)]
pub(crate) struct CompletionChoice<'a> {
    pub index: u32,
    pub message: Message<'a>,
    pub logprobs: Option<()>,
    pub finish_reason: &'static str,
}

/// The assistant message of a non-streamed completion.
#[derive(Debug, Serialize)]
pub(crate) struct Message<'a> {
    pub role: &'static str,
    pub content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall<'a>>,
}

/// A complete tool call inside a non-streamed message.
#[derive(Debug, Serialize)]
pub(crate) struct ToolCall<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: Function<'a>,
}

/// Function part of a complete tool call.
#[derive(Debug, Serialize)]
pub(crate) struct Function<'a> {
    pub name: &'a str,
    pub arguments: &'a str,
}

/// OpenAI-style error envelope: `{"error":{"message","type","param","code"}}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// Inner part of the error envelope.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorDetail<'a> {
    pub message: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub param: Option<()>,
    pub code: Option<&'a str>,
}

/// Serializes an OpenAI-style error body with the given message, type and code.
pub(crate) fn error_json(message: &str, kind: &str, code: Option<&str>) -> String {
    let body = ErrorBody {
        error: ErrorDetail {
            message,
            kind,
            param: None,
            code,
        },
    };
    serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"))
}

/// The default error body for a scripted HTTP status, following OpenAI's type/code conventions.
pub(crate) fn error_for_status(status: u16) -> String {
    let (message, kind, code) = match status {
        400 => ("mock: bad request", "invalid_request_error", None),
        401 => (
            "Incorrect API key provided: mock. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            Some("invalid_api_key"),
        ),
        403 => ("mock: forbidden", "invalid_request_error", None),
        404 => (
            "The model `mock-model` does not exist or you do not have access to it.",
            "invalid_request_error",
            Some("model_not_found"),
        ),
        429 => (
            "Rate limit reached for mock-model (mock). Please try again in 0s.",
            "requests",
            Some("rate_limit_exceeded"),
        ),
        500..=599 => (
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
        ),
        _ => ("mock: scripted error", "invalid_request_error", None),
    };
    error_json(message, kind, code)
}

/// Serializes the non-streamed `chat.completion` object for a turn.
pub(crate) fn completion_json(
    turn: &crate::script::Turn,
    meta: &ReplyMeta,
    call_ids: &[String],
    usage: Usage,
) -> String {
    let tool_calls = turn
        .tool_calls
        .iter()
        .zip(call_ids)
        .map(|(call, id)| ToolCall {
            id,
            kind: "function",
            function: Function {
                name: &call.name,
                arguments: &call.arguments,
            },
        })
        .collect::<Vec<_>>();
    let content = match (&turn.content, tool_calls.is_empty()) {
        (Some(text), _) => Some(text.as_str()),
        (None, true) => Some(""),
        (None, false) => None,
    };
    let completion = Completion {
        id: &meta.id,
        object: "chat.completion",
        created: meta.created,
        model: &meta.model,
        choices: vec![CompletionChoice {
            index: 0,
            message: Message {
                role: "assistant",
                content,
                tool_calls,
            },
            logprobs: None,
            finish_reason: turn.finish_reason(),
        }],
        usage,
        system_fingerprint: None,
    };
    serde_json::to_string(&completion).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn error_shapes() {
        let v: Value = serde_json::from_str(&error_for_status(401)).unwrap();
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], "invalid_api_key");
        assert_eq!(v["error"]["param"], Value::Null);
        let v: Value = serde_json::from_str(&error_for_status(429)).unwrap();
        assert_eq!(v["error"]["code"], "rate_limit_exceeded");
        let v: Value = serde_json::from_str(&error_for_status(503)).unwrap();
        assert_eq!(v["error"]["type"], "server_error");
        assert_eq!(v["error"]["code"], Value::Null);
    }

    #[test]
    fn delta_serialization() {
        let d = Delta {
            role: Some("assistant"),
            content: Some(None),
            tool_calls: None,
        };
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"role":"assistant","content":null})
        );
        assert_eq!(serde_json::to_string(&Delta::default()).unwrap(), "{}");
    }
}
