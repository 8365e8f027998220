//! Reliable tool calls from models and servers that do not produce them
//! natively. [`ToolModeProvider`] wraps any [`Provider`] and, depending on
//! the [`ToolCallMode`], either passes requests through (`native`), asks the
//! server for grammar-constrained JSON (`json_schema`), or asks the model to
//! write `<tool_call>` blocks in plain text (`text`). In every mode the rest of
//! the program sees ordinary structured tool calls.

mod extract;
mod request;
mod response;

#[cfg(test)]
mod extract_tests;
#[cfg(test)]
mod request_tests;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{ChatRequest, EventStream, LlmError, Provider};

pub use extract::{Extracted, ExtractedCall, extract_tool_calls};

/// How tool calls travel between Chamber and the model. Small local models
/// and some servers cannot do native tool calling reliably, so the mode is
/// chosen per provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCallMode {
    /// The server's own tool-calling API (`tools` in the request).
    #[default]
    Native,
    /// Tools described in the prompt; the answer is constrained by a JSON
    /// schema (`response_format`) to be one tool call or a plain answer.
    JsonSchema,
    /// Tools described in the prompt; the model writes
    /// `<tool_call>{…}</tool_call>` blocks, extracted leniently afterwards.
    Text,
}

impl ToolCallMode {
    /// Every mode, in the order they are documented.
    pub const ALL: [ToolCallMode; 3] = [
        ToolCallMode::Native,
        ToolCallMode::JsonSchema,
        ToolCallMode::Text,
    ];

    /// The mode's name as written in configuration (`native`, `json_schema`, `text`).
    pub fn as_str(self) -> &'static str {
        match self {
            ToolCallMode::Native => "native",
            ToolCallMode::JsonSchema => "json_schema",
            ToolCallMode::Text => "text",
        }
    }
}

impl fmt::Display for ToolCallMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tool-call mode name that is not one of `native`, `json_schema`, `text`;
/// its message lists the valid names so a configuration typo is easy to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tool call mode `{0}`; valid modes: native, json_schema, text")]
pub struct UnknownToolCallMode(pub String);

impl FromStr for ToolCallMode {
    type Err = UnknownToolCallMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == wanted)
            .ok_or_else(|| UnknownToolCallMode(s.to_string()))
    }
}

/// A [`Provider`] decorator that gives callers structured tool calls whatever
/// the server supports. In the non-native modes it rewrites requests (tools
/// described in the system prompt, tool history turned into plain messages)
/// and turns the model's text answer back into tool-call events.
///
/// Malformed calls are never dropped: a `<tool_call>` block that is not valid
/// JSON becomes a call whose arguments are the raw block text, so the tool
/// registry's validation can tell the model exactly what was wrong.
pub struct ToolModeProvider {
    inner: Arc<dyn Provider>,
    mode: ToolCallMode,
}

impl ToolModeProvider {
    /// Wraps `inner` so it speaks tools in `mode`.
    pub fn new(inner: Arc<dyn Provider>, mode: ToolCallMode) -> Self {
        Self { inner, mode }
    }

    /// The mode this provider uses.
    pub fn mode(&self) -> ToolCallMode {
        self.mode
    }
}

#[async_trait::async_trait]
impl Provider for ToolModeProvider {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        if self.mode == ToolCallMode::Native {
            return self.inner.stream(request).await;
        }
        let prepared = request::prepare(request, self.mode);
        let stream = self.inner.stream(&prepared.request).await?;
        Ok(match prepared.interpret {
            Some(how) => response::interpret_stream(stream, how),
            None => stream,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;

    #[test]
    fn mode_names_round_trip() {
        for m in ToolCallMode::ALL {
            assert_eq!(m.to_string().parse::<ToolCallMode>().unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{m}\""));
            assert_eq!(serde_json::from_str::<ToolCallMode>(&json).unwrap(), m);
        }
        assert_eq!(
            "JSON-Schema".parse::<ToolCallMode>().unwrap(),
            ToolCallMode::JsonSchema
        );
        assert_eq!(ToolCallMode::default(), ToolCallMode::Native);
    }

    #[test]
    fn unknown_mode_lists_valid_names() {
        let err = "grammar".parse::<ToolCallMode>().unwrap_err();
        assert_eq!(err, UnknownToolCallMode("grammar".into()));
        let msg = err.to_string();
        assert!(msg.contains("grammar"));
        for m in ToolCallMode::ALL {
            assert!(msg.contains(m.as_str()), "{msg}");
        }
    }
}
