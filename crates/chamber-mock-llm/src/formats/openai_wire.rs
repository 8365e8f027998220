//! OpenAI Chat Completions JSON shapes (and the OpenAI error envelope, shared with Responses), as typed structs so field order matches OpenAI's output.

use serde::Serialize;

use crate::script::TokenCounts;

/// Token usage block shared by streamed usage chunks and non-streamed completions.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    /// Only when the turn scripts cached tokens, so plain usage stays the three classic fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptDetails>,
    /// Only when the turn has reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionDetails>,
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct PromptDetails {
    pub cached_tokens: u64,
}

/// `usage.completion_tokens_details`.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct CompletionDetails {
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Builds a usage block from a turn's token numbers, computing the total.
    pub fn new(tokens: TokenCounts) -> Self {
        Self {
            prompt_tokens: tokens.prompt,
            completion_tokens: tokens.completion,
            total_tokens: tokens.total(),
            prompt_tokens_details: tokens
                .cached
                .map(|cached_tokens| PromptDetails { cached_tokens }),
            completion_tokens_details: tokens
                .reasoning
                .map(|reasoning_tokens| CompletionDetails { reasoning_tokens }),
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
    /// Reasoning text (the `reasoning_content` extension of DeepSeek-style servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<&'a str>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<&'a str>,
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

/// The error body for an HTTP status, following OpenAI's type/code conventions;
/// `message` replaces the default text.
pub(crate) fn error_for_status(status: u16, message: Option<&str>) -> String {
    let (default, kind, code) = match status {
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
    error_json(message.unwrap_or(default), kind, code)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn error_shapes() {
        let v: Value = serde_json::from_str(&error_for_status(401, None)).unwrap();
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], "invalid_api_key");
        assert_eq!(v["error"]["param"], Value::Null);
        let v: Value = serde_json::from_str(&error_for_status(429, None)).unwrap();
        assert_eq!(v["error"]["code"], "rate_limit_exceeded");
        let v: Value = serde_json::from_str(&error_for_status(503, None)).unwrap();
        assert_eq!(v["error"]["type"], "server_error");
        assert_eq!(v["error"]["code"], Value::Null);
    }

    #[test]
    fn delta_serialization() {
        let d = Delta {
            role: Some("assistant"),
            content: Some(None),
            ..Delta::default()
        };
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({"role":"assistant","content":null})
        );
        assert_eq!(serde_json::to_string(&Delta::default()).unwrap(), "{}");
    }
}
