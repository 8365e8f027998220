//! Choosing a wire format: the settings every HTTP adapter takes and the
//! factory that builds the right adapter for a provider.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::anthropic::Anthropic;
use crate::gemini::Gemini;
use crate::openai_responses::OpenAiResponses;
use crate::{LlmError, OpenAiChat, OpenAiSettings, Provider};

/// The HTTP API dialect a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Wire {
    /// OpenAI Chat Completions (`/chat/completions`), also spoken by Ollama,
    /// vLLM, llama.cpp, LM Studio, OpenRouter and most other servers.
    #[serde(rename = "openai-chat")]
    OpenAiChat,
    /// OpenAI Responses (`/responses`).
    #[serde(rename = "openai-responses")]
    OpenAiResponses,
    /// Anthropic Messages (`/v1/messages`).
    #[serde(rename = "anthropic")]
    Anthropic,
    /// Google Gemini (`/v1beta/models/{model}:streamGenerateContent`).
    #[serde(rename = "gemini")]
    Gemini,
}

impl Wire {
    /// Every wire format, in the order they are documented.
    pub const ALL: [Wire; 4] = [
        Wire::OpenAiChat,
        Wire::OpenAiResponses,
        Wire::Anthropic,
        Wire::Gemini,
    ];

    /// The name as written in configuration (`openai-chat`, `openai-responses`,
    /// `anthropic`, `gemini`).
    pub fn as_str(self) -> &'static str {
        match self {
            Wire::OpenAiChat => "openai-chat",
            Wire::OpenAiResponses => "openai-responses",
            Wire::Anthropic => "anthropic",
            Wire::Gemini => "gemini",
        }
    }

    /// The vendor's own endpoint, used when no base URL is configured.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Wire::OpenAiChat | Wire::OpenAiResponses => "https://api.openai.com/v1",
            Wire::Anthropic => "https://api.anthropic.com",
            Wire::Gemini => "https://generativelanguage.googleapis.com",
        }
    }
}

impl fmt::Display for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A wire format name that is not one of the known ones; its message lists
/// the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown wire format `{0}`; valid formats: openai-chat, openai-responses, anthropic, gemini"
)]
pub struct UnknownWire(pub String);

impl FromStr for Wire {
    type Err = UnknownWire;

    /// Reads a name case-insensitively; `_` may stand for `-`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|w| w.as_str() == wanted)
            .ok_or_else(|| UnknownWire(s.to_string()))
    }
}

/// How to reach a provider over HTTP; the same for every wire format.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Base URL: for OpenAI formats up to and including `/v1`; for Anthropic
    /// and Gemini the host (a trailing `/v1` or `/v1beta` is not doubled).
    pub base_url: String,
    /// API key, sent the way the format expects (bearer token, `x-api-key`,
    /// `x-goog-api-key`); local servers need none.
    pub api_key: Option<String>,
    /// Extra headers added to every request; they override the adapter's own.
    pub headers: Vec<(String, String)>,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Ask for a streamed answer. When false the adapter asks for the whole
    /// reply at once and turns it into the same events, ending with
    /// `Finish` and `Done`, so callers see no difference.
    pub stream: bool,
    /// Largest whole reply, or single streamed event, read into memory
    /// (`provider.max_response_bytes`; [`crate::AnswerLimits::DEFAULT_MAX_BYTES`]).
    pub max_response_bytes: usize,
}

impl HttpSettings {
    /// The API key, unless missing or empty.
    pub(crate) fn key(&self) -> Option<&str> {
        self.api_key.as_deref().filter(|k| !k.is_empty())
    }
}

impl From<OpenAiSettings> for HttpSettings {
    fn from(s: OpenAiSettings) -> Self {
        Self {
            base_url: s.base_url,
            api_key: s.api_key,
            headers: Vec::new(),
            request_timeout: s.request_timeout,
            stream: true,
            max_response_bytes: crate::AnswerLimits::DEFAULT_MAX_BYTES,
        }
    }
}

/// Builds the adapter for `wire`; its [`Provider::name`] is `name` (such as
/// `anthropic`, `openrouter` or `my-vllm`). Fails when a custom header is
/// not valid HTTP or the HTTP client cannot be built.
pub fn build_adapter(
    name: &str,
    wire: Wire,
    settings: HttpSettings,
) -> Result<Arc<dyn Provider>, LlmError> {
    Ok(match wire {
        Wire::OpenAiChat => Arc::new(OpenAiChat::with_settings(name, settings)?),
        Wire::OpenAiResponses => Arc::new(OpenAiResponses::new(name, settings)?),
        Wire::Anthropic => Arc::new(Anthropic::new(name, settings)?),
        Wire::Gemini => Arc::new(Gemini::new(name, settings)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Wire::ALL {
            assert_eq!(w.to_string().parse::<Wire>().unwrap(), w);
            let json = serde_json::to_string(&w).unwrap();
            assert_eq!(json, format!("\"{w}\""));
        }
        assert_eq!(
            " OpenAI_Responses ".parse::<Wire>().unwrap(),
            Wire::OpenAiResponses
        );
        let err = "openai".parse::<Wire>().unwrap_err();
        assert!(err.to_string().contains("openai-chat, openai-responses"));
    }

    #[test]
    fn adapters_carry_the_given_name_and_endpoint() {
        for w in Wire::ALL {
            let p = build_adapter(
                "my-provider",
                w,
                HttpSettings {
                    base_url: w.default_base_url().into(),
                    api_key: Some("k".into()),
                    headers: vec![("x-extra".into(), "1".into())],
                    request_timeout: Duration::from_secs(5),
                    stream: true,
                    max_response_bytes: 1024,
                },
            )
            .unwrap();
            assert_eq!(p.name(), "my-provider");
            assert_eq!(p.endpoint(), w.default_base_url());
        }
    }
}
