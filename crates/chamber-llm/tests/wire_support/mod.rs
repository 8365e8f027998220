//! Shared helpers for the `wires_*` integration tests: every adapter built by
//! `build_adapter`, pointed at a scripted `chamber-mock-llm` server over real HTTP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test uses every helper

use std::sync::Arc;
use std::time::Duration;

use chamber_llm::{
    ChatRequest, ChatResponse, HttpSettings, LlmError, Message, Provider, ToolDef, Wire,
    build_adapter, collect,
};
use chamber_mock_llm::{MockServer, RecordedRequest, ScriptedCall, Turn};
use chamber_protocol::Usage;
use serde_json::json;

/// The API key every adapter sends.
pub const KEY: &str = "sk-wire-test";
/// The custom header every adapter is configured with, and its value.
pub const CUSTOM: (&str, &str) = ("x-chamber-test", "wires");

/// Generates one `#[tokio::test]` per wire format for each `async fn name(wire: Wire)`
/// scenario, as `name::openai_chat`, `name::openai_responses`, `name::anthropic` and
/// `name::gemini`, so a failure names the format. (Load this module with `#[macro_use]`.)
macro_rules! per_wire {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use chamber_llm::Wire;
            #[tokio::test(flavor = "multi_thread")]
            async fn openai_chat() {
                super::$name(Wire::OpenAiChat).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn openai_responses() {
                super::$name(Wire::OpenAiResponses).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn anthropic() {
                super::$name(Wire::Anthropic).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn gemini() {
                super::$name(Wire::Gemini).await
            }
        }
    )*};
}

/// The base URL an adapter of `wire` is given for `server`.
pub fn base_url(server: &MockServer, wire: Wire) -> String {
    match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => server.base_url(),
        Wire::Anthropic | Wire::Gemini => server.root_url(),
    }
}

/// A model name typical for the wire (Gemini's goes in the URL path).
pub fn model(wire: Wire) -> &'static str {
    match wire {
        Wire::OpenAiChat => "gpt-4.1-mini",
        Wire::OpenAiResponses => "gpt-5-mini",
        Wire::Anthropic => "claude-sonnet-4-5",
        Wire::Gemini => "gemini-2.5-flash",
    }
}

/// Settings for `server` with the test key and custom header.
pub fn settings(server: &MockServer, wire: Wire, stream: bool) -> HttpSettings {
    HttpSettings {
        base_url: base_url(server, wire),
        api_key: Some(KEY.into()),
        headers: vec![(CUSTOM.0.into(), CUSTOM.1.into())],
        request_timeout: Duration::from_secs(30),
        stream,
        max_response_bytes: chamber_llm::AnswerLimits::DEFAULT_MAX_BYTES,
    }
}

/// The adapter for `wire`, talking to `server`.
pub fn adapter(server: &MockServer, wire: Wire, stream: bool) -> Arc<dyn Provider> {
    build_adapter(wire.as_str(), wire, settings(server, wire, stream)).unwrap()
}

/// A system prompt and one user message, for the wire's model.
pub fn request(wire: Wire) -> ChatRequest {
    ChatRequest::new(
        model(wire),
        vec![
            Message::system("You are Chamber."),
            Message::user("Fix a.py"),
        ],
    )
}

/// A `read_file` tool definition.
pub fn read_file_tool() -> ToolDef {
    ToolDef {
        name: "read_file".into(),
        description: "Read a file.".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}},
            "required": ["path"]}),
    }
}

/// `collect` with a generous idle timeout, discarding the text callbacks.
pub async fn ask(p: &dyn Provider, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
    collect(p, req, Duration::from_secs(10), &mut |_: &str| {}).await
}

/// One request through a fresh server holding only `turn` (so turn-derived values such as
/// the reasoning signature `sig-0` are the same for every call): the outcome, and the
/// requests the server saw.
pub async fn once(
    wire: Wire,
    turn: Turn,
    stream: bool,
) -> (Result<ChatResponse, LlmError>, Vec<RecordedRequest>) {
    let server = MockServer::start(vec![turn]).await.unwrap();
    let p = adapter(&server, wire, stream);
    let out = ask(p.as_ref(), &request(wire)).await;
    (out, server.requests())
}

/// `once`, expecting an error.
pub async fn fails(wire: Wire, turn: Turn, stream: bool) -> LlmError {
    match once(wire, turn, stream).await.0 {
        Ok(resp) => panic!("{wire} (stream: {stream}): expected an error, got {resp:?}"),
        Err(e) => e,
    }
}

/// A scripted call with a fixed id.
pub fn call(id: &str, name: &str, arguments: &str) -> ScriptedCall {
    ScriptedCall {
        id: Some(id.into()),
        ..ScriptedCall::new(name, arguments)
    }
}

/// The usage `collect` should report for a turn scripted with `with_usage(prompt, completion)`,
/// `cached` cached prompt tokens and `reasoning` reasoning tokens, per format: Anthropic has no
/// reasoning-token count; the others report it.
pub fn expected_usage(
    wire: Wire,
    prompt: u64,
    completion: u64,
    cached: u64,
    reasoning: u64,
) -> Usage {
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        cached_tokens: cached,
        reasoning_tokens: if wire == Wire::Anthropic {
            0
        } else {
            reasoning
        },
    }
}

/// The reasoning tokens the mock reports for reasoning text (bytes / 4, at least 1, at most
/// the completion tokens).
pub fn mock_reasoning_tokens(reasoning: &str, completion: u64) -> u64 {
    (reasoning.len() as u64 / 4).max(1).min(completion)
}

/// The chat path the adapter for `wire` posts to.
pub fn chat_path(wire: Wire, stream: bool) -> String {
    match wire {
        Wire::OpenAiChat => "/v1/chat/completions".into(),
        Wire::OpenAiResponses => "/v1/responses".into(),
        Wire::Anthropic => "/v1/messages".into(),
        Wire::Gemini => {
            let method = if stream {
                "streamGenerateContent"
            } else {
                "generateContent"
            };
            format!("/v1beta/models/{}:{method}", model(Wire::Gemini))
        }
    }
}
