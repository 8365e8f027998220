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
                "check the API key variable named by provider.api_key_env (default OPENAI_API_KEY)"
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

    /// Classifies an HTTP error reply from its status and body.
    pub fn from_http(status: u16, body: &str, retry_after: Option<Duration>) -> Self {
        let detail = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                Some(match e.get("message").and_then(|m| m.as_str()) {
                    Some(m) => format!(
                        "{m}{}",
                        e.get("code")
                            .and_then(|c| c.as_str())
                            .map(|c| format!(" [{c}]"))
                            .unwrap_or_default()
                    ),
                    None => e.to_string(),
                })
            })
            .unwrap_or_else(|| body.chars().take(500).collect());
        let lower = detail.to_ascii_lowercase();
        let kind = match status {
            401 => ErrorKind::Auth,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            413 => ErrorKind::ContextTooLong,
            429 => ErrorKind::RateLimited,
            400 if lower.contains("context")
                && (lower.contains("length") || lower.contains("too long")) =>
            {
                ErrorKind::ContextTooLong
            }
            400..=499 => ErrorKind::InvalidRequest,
            503 | 529 => ErrorKind::Overloaded,
            _ => ErrorKind::Server,
        };
        Self {
            kind,
            status: Some(status),
            message: detail,
            retry_after,
        }
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
}
