use std::time::Duration;

/// The class of a provider failure; it decides retrying and what to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The API key is missing or wrong.
    Auth,
    /// The key lacks access to this model or feature.
    Permission,
    /// The model or endpoint does not exist.
    NotFound,
    /// Too many requests.
    RateLimited,
    /// The provider is overloaded.
    Overloaded,
    /// The prompt is longer than the model's window.
    ContextTooLong,
    /// The provider rejected the request's shape.
    InvalidRequest,
    /// The provider failed internally.
    Server,
    /// The connection failed.
    Network,
    /// No answer in time.
    Timeout,
    /// The stream broke the wire format or ended early.
    MalformedStream,
    /// The answer, or one tool call in it, grew past its size limit
    /// (`provider.max_response_bytes`, `provider.max_tool_call_bytes`).
    TooLarge,
    /// The answer kept coming but did not finish within
    /// `provider.answer_timeout_secs` (an endless or trickling stream).
    AnswerTimeout,
    /// The server answered with something that is not the API at all,
    /// such as an HTML page from a proxy or a login portal.
    UnexpectedReply,
}

impl ErrorKind {
    /// Stable lowercase code for events and envelopes.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::Permission => "permission",
            ErrorKind::NotFound => "model_not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::ContextTooLong => "context_too_long",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Server => "server_error",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::MalformedStream => "malformed_stream",
            ErrorKind::TooLarge => "response_too_large",
            ErrorKind::AnswerTimeout => "answer_timeout",
            ErrorKind::UnexpectedReply => "unexpected_reply",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited
                | ErrorKind::Overloaded
                | ErrorKind::Server
                | ErrorKind::Network
                | ErrorKind::Timeout
                | ErrorKind::MalformedStream
        )
    }

    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            ErrorKind::Auth => {
                "check the API key variable for this provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or the provider's api_key_env)"
            }
            ErrorKind::Permission => "the key cannot use this model; pick another with --model",
            ErrorKind::NotFound => {
                "check --model and provider.base_url; `chamber status` shows both"
            }
            ErrorKind::RateLimited => "wait a moment, or lower concurrency",
            ErrorKind::Overloaded => "the provider is busy; try again shortly",
            ErrorKind::ContextTooLong => "shorten the task or lower agent.tree_max_entries",
            ErrorKind::InvalidRequest => {
                "the provider rejected the request; run with -v and check the log"
            }
            ErrorKind::Server => "the provider failed; try again",
            ErrorKind::Network => "check that the server at provider.base_url is reachable",
            ErrorKind::Timeout => "raise provider.request_timeout_secs or use a faster model",
            ErrorKind::MalformedStream => {
                "the server broke the streaming format; try again or another server"
            }
            ErrorKind::TooLarge => {
                "the model would not stop writing; if it really writes answers that long, raise provider.max_response_bytes or provider.max_tool_call_bytes, else check the server or pick another model"
            }
            ErrorKind::AnswerTimeout => {
                "the answer kept coming without ending; raise provider.answer_timeout_secs for very long answers, else check the server or pick another model"
            }
            ErrorKind::UnexpectedReply => {
                "provider.base_url answered with something other than the API (a proxy, a login page or a wrong URL?); check it with `chamber provider test`"
            }
        }
    }
}

/// A classified provider failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} ({}): {message}", kind.code(), status.map(|s| s.to_string()).unwrap_or_else(|| "no status".into()))]
pub struct LlmError {
    /// The class.
    pub kind: ErrorKind,
    /// HTTP status, when there was one.
    pub status: Option<u16>,
    /// Details from the provider or the transport.
    pub message: String,
    /// How long the provider asked us to wait.
    pub retry_after: Option<Duration>,
}

impl LlmError {
    /// An error without an HTTP status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Classifies an HTTP error reply from its status and body. Error bodies
    /// in the OpenAI (`{"error":{"message","type","code"}}`), Anthropic
    /// (`{"type":"error","error":{"type","message"}}`) and Gemini
    /// (`{"error":{"code","message","status"}}`) shapes are understood. A
    /// specific status (401, 403, 404, 408, 413, 429, 503, 529) decides the
    /// kind; for a generic one (400, 500, …) the provider's own error type or
    /// status decides when it is known, and the status otherwise.
    pub fn from_http(status: u16, body: &str, retry_after: Option<Duration>) -> Self {
        let parsed = serde_json::from_str::<serde_json::Value>(body).ok();
        let native = parsed.as_ref().and_then(NativeError::from_body);
        let detail = native
            .as_ref()
            .map(NativeError::detail)
            .unwrap_or_else(|| body.chars().take(500).collect());
        let by_status = match status {
            401 => Some(ErrorKind::Auth),
            403 => Some(ErrorKind::Permission),
            404 => Some(ErrorKind::NotFound),
            408 => Some(ErrorKind::Timeout),
            413 => Some(ErrorKind::ContextTooLong),
            429 => Some(ErrorKind::RateLimited),
            503 | 529 => Some(ErrorKind::Overloaded),
            _ => None,
        };
        let kind = by_status
            .or_else(|| native.as_ref().and_then(NativeError::kind))
            .unwrap_or(match status {
                400..=499 => ErrorKind::InvalidRequest,
                _ => ErrorKind::Server,
            });
        Self {
            kind: refine(kind, &detail),
            status: Some(status),
            message: detail,
            retry_after,
        }
    }

    /// Classifies an error the provider reported inside a stream (or in a
    /// successful reply): an error object with a code, type or status and a
    /// message, in any of the three vendors' shapes. Unknown errors count as
    /// server failures, so they are retried.
    pub(crate) fn from_error_object(error: &serde_json::Value) -> Self {
        let native = NativeError::from_object(error);
        let numeric = error
            .get("code")
            .and_then(serde_json::Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (400..=599).contains(c));
        let kind = match (native.kind(), numeric) {
            (Some(kind), _) => kind,
            (None, Some(code)) => Self::from_http(code, "", None).kind,
            (None, None) => ErrorKind::Server,
        };
        let detail = native.detail();
        Self::new(
            refine(kind, &detail),
            format!("error inside stream: {detail}"),
        )
    }

    /// Classifies a transport error from the HTTP client.
    pub fn from_transport(err: &reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            ErrorKind::Timeout
        } else {
            ErrorKind::Network
        };
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self::new(kind, message)
    }
}

/// An error as a provider described it: its message and identifiers.
struct NativeError {
    message: Option<String>,
    /// String `code`, `status` and `type`, in that order of specificity.
    idents: Vec<String>,
    raw: String,
}

impl NativeError {
    /// Finds the error object in a reply body (also inside a one-element
    /// array, as Gemini sometimes sends).
    fn from_body(body: &serde_json::Value) -> Option<Self> {
        let body = match body {
            serde_json::Value::Array(items) => items.first()?,
            other => other,
        };
        body.get("error").map(Self::from_object)
    }

    fn from_object(e: &serde_json::Value) -> Self {
        let text = |k: &str| e.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Self {
            message: text("message"),
            idents: ["code", "status", "type"]
                .into_iter()
                .filter_map(text)
                .filter(|i| !i.is_empty() && i != "error")
                .collect(),
            raw: e.to_string(),
        }
    }

    /// `message [identifier]`, or the raw object when there is no message.
    fn detail(&self) -> String {
        match &self.message {
            Some(m) => match self.idents.first() {
                Some(i) => format!("{m} [{i}]"),
                None => m.clone(),
            },
            None => self.raw.chars().take(500).collect(),
        }
    }

    fn kind(&self) -> Option<ErrorKind> {
        self.idents.iter().find_map(|i| native_kind(i))
    }
}

/// Maps a provider's own error code, type or status to a kind. The three
/// vendors' vocabularies do not overlap, so one table serves them all.
fn native_kind(ident: &str) -> Option<ErrorKind> {
    Some(match ident {
        // OpenAI codes, Anthropic types, Gemini statuses.
        "invalid_api_key" | "authentication_error" | "UNAUTHENTICATED" => ErrorKind::Auth,
        "permission_error" | "PERMISSION_DENIED" => ErrorKind::Permission,
        "model_not_found" | "not_found_error" | "NOT_FOUND" => ErrorKind::NotFound,
        "rate_limit_exceeded" | "rate_limit_error" | "RESOURCE_EXHAUSTED" => ErrorKind::RateLimited,
        "server_is_overloaded" | "overloaded_error" | "UNAVAILABLE" => ErrorKind::Overloaded,
        "context_length_exceeded" | "request_too_large" => ErrorKind::ContextTooLong,
        "invalid_request_error" | "invalid_prompt" | "INVALID_ARGUMENT" | "FAILED_PRECONDITION" => {
            ErrorKind::InvalidRequest
        }
        "server_error" | "api_error" | "INTERNAL" => ErrorKind::Server,
        "timeout_error" | "DEADLINE_EXCEEDED" => ErrorKind::Timeout,
        _ => return None,
    })
}

/// Sharpens a generic "bad request" by what its message says: a prompt over
/// the model's window, or (Gemini's way of saying it) a bad API key.
fn refine(kind: ErrorKind, detail: &str) -> ErrorKind {
    if kind != ErrorKind::InvalidRequest {
        return kind;
    }
    let lower = detail.to_ascii_lowercase();
    let context = (lower.contains("context")
        && (lower.contains("length") || lower.contains("too long")))
        || lower.contains("prompt is too long")
        || (lower.contains("token") && (lower.contains("exceeds") || lower.contains("too long")));
    if context {
        ErrorKind::ContextTooLong
    } else if lower.contains("api key not valid") || lower.contains("api_key_invalid") {
        ErrorKind::Auth
    } else {
        kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        assert_eq!(LlmError::from_http(401, "{}", None).kind, ErrorKind::Auth);
        assert_eq!(
            LlmError::from_http(429, "{}", None).kind,
            ErrorKind::RateLimited
        );
        let ctx = r#"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#;
        let e = LlmError::from_http(400, ctx, None);
        assert_eq!(e.kind, ErrorKind::ContextTooLong);
        assert!(e.message.contains("context_length_exceeded"));
        assert!(LlmError::from_http(503, "busy", None).kind.is_transient());
        assert!(!LlmError::from_http(400, "bad", None).kind.is_transient());
    }

    #[test]
    fn classifies_anthropic_bodies() {
        let body = |t: &str, m: &str| {
            format!(r#"{{"type":"error","error":{{"type":"{t}","message":"{m}"}}}}"#)
        };
        let e = LlmError::from_http(529, &body("overloaded_error", "Overloaded"), None);
        assert_eq!(e.kind, ErrorKind::Overloaded);
        assert_eq!(e.message, "Overloaded [overloaded_error]");
        let too_long = body(
            "invalid_request_error",
            "prompt is too long: 210000 tokens > 200000 maximum",
        );
        assert_eq!(
            LlmError::from_http(400, &too_long, None).kind,
            ErrorKind::ContextTooLong
        );
        let bad = body("invalid_request_error", "messages: roles must alternate");
        assert_eq!(
            LlmError::from_http(400, &bad, None).kind,
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            LlmError::from_http(500, &body("api_error", "oops"), None).kind,
            ErrorKind::Server
        );
        // A generic status: the body's own type decides.
        assert_eq!(
            LlmError::from_http(500, &body("overloaded_error", "busy"), None).kind,
            ErrorKind::Overloaded
        );
        assert_eq!(
            LlmError::from_http(400, &body("authentication_error", "bad key"), None).kind,
            ErrorKind::Auth
        );
        // A specific status still decides.
        assert_eq!(
            LlmError::from_http(401, &body("invalid_request_error", "x"), None).kind,
            ErrorKind::Auth
        );
    }

    #[test]
    fn classifies_gemini_bodies() {
        let body = |code: u16, status: &str, m: &str| {
            format!(r#"{{"error":{{"code":{code},"message":"{m}","status":"{status}"}}}}"#)
        };
        let e = LlmError::from_http(429, &body(429, "RESOURCE_EXHAUSTED", "quota"), None);
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.message, "quota [RESOURCE_EXHAUSTED]");
        let key = body(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
        );
        assert_eq!(LlmError::from_http(400, &key, None).kind, ErrorKind::Auth);
        let long = body(
            400,
            "INVALID_ARGUMENT",
            "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        );
        assert_eq!(
            LlmError::from_http(400, &long, None).kind,
            ErrorKind::ContextTooLong
        );
        assert_eq!(
            LlmError::from_http(400, &body(400, "INVALID_ARGUMENT", "bad field"), None).kind,
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            LlmError::from_http(500, &body(500, "INTERNAL", "x"), None).kind,
            ErrorKind::Server
        );
        assert_eq!(
            LlmError::from_http(504, &body(504, "DEADLINE_EXCEEDED", "x"), None).kind,
            ErrorKind::Timeout
        );
        assert_eq!(
            LlmError::from_http(503, &body(503, "UNAVAILABLE", "x"), None).kind,
            ErrorKind::Overloaded
        );
        assert_eq!(
            LlmError::from_http(403, &body(403, "PERMISSION_DENIED", "x"), None).kind,
            ErrorKind::Permission
        );
        // Sometimes wrapped in an array.
        let wrapped = format!("[{}]", body(404, "NOT_FOUND", "no such model"));
        let e = LlmError::from_http(404, &wrapped, None);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("no such model"));
    }

    #[test]
    fn classifies_error_objects_inside_streams() {
        let kind = |v: serde_json::Value| LlmError::from_error_object(&v).kind;
        use serde_json::json;
        assert_eq!(
            kind(json!({"code": "rate_limit_exceeded", "message": "slow"})),
            ErrorKind::RateLimited
        );
        assert_eq!(
            kind(json!({"type": "overloaded_error", "message": "busy"})),
            ErrorKind::Overloaded
        );
        assert_eq!(
            kind(json!({"code": 503, "status": "UNAVAILABLE", "message": "m"})),
            ErrorKind::Overloaded
        );
        assert_eq!(
            kind(json!({"code": 429, "message": "m"})),
            ErrorKind::RateLimited
        );
        assert_eq!(kind(json!({"message": "something"})), ErrorKind::Server);
        assert_eq!(
            kind(json!({"code": "context_length_exceeded", "message": "too many"})),
            ErrorKind::ContextTooLong
        );
        let e = LlmError::from_error_object(&json!({"code": "server_error", "message": "boom"}));
        assert_eq!(e.status, None);
        assert_eq!(e.message, "error inside stream: boom [server_error]");
    }

    #[test]
    fn unknown_bodies_fall_back_to_the_status() {
        assert_eq!(
            LlmError::from_http(502, "<html>bad gateway</html>", None).kind,
            ErrorKind::Server
        );
        assert_eq!(
            LlmError::from_http(422, "nope", None).kind,
            ErrorKind::InvalidRequest
        );
        let e = LlmError::from_http(
            400,
            r#"{"error":{"message":"weird","type":"brand_new"}}"#,
            None,
        );
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
    }
}
