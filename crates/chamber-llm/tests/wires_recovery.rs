//! Recovery over real HTTP: `complete_with_retry` on every wire, and `complete_with_fallback`
//! moving a request between adapters of different wire formats served by one mock server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[macro_use]
mod wire_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_llm::{
    CallNote, ChatResponse, ErrorKind, LlmError, Provider, RetryPolicy, Target, Wire,
    build_adapter, complete_with_fallback, complete_with_retry,
};
use chamber_mock_llm::{MockServer, Turn};
use wire_support::*;

per_wire!(
    retries_429_then_succeeds,
    retries_disconnect_then_succeeds,
    gives_up_after_max_retries,
);

fn policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        idle_timeout: Duration::from_secs(5),
        limits: chamber_llm::AnswerLimits::default(),
    }
}

/// `complete_with_retry` against `turns`: the outcome, every `on_error` call as
/// (attempt, kind, retrying), and the number of requests the server saw.
async fn retry(
    wire: Wire,
    turns: Vec<Turn>,
    max_retries: u32,
) -> (
    Result<ChatResponse, LlmError>,
    Vec<(u32, ErrorKind, bool)>,
    usize,
) {
    let server = MockServer::start(turns).await.unwrap();
    let p = adapter(&server, wire, true);
    let mut errors = Vec::new();
    let out = complete_with_retry(
        p.as_ref(),
        &request(wire),
        policy(max_retries),
        &mut |_: &str| {},
        &mut |attempt, e: &LlmError, retrying| errors.push((attempt, e.kind, retrying)),
    )
    .await;
    (out, errors, server.requests().len())
}

async fn retries_429_then_succeeds(wire: Wire) {
    let turns = vec![Turn::http_error(429), Turn::text("recovered")];
    let (out, errors, requests) = retry(wire, turns, 2).await;
    assert_eq!(out.unwrap().content, "recovered");
    assert_eq!(errors, [(1, ErrorKind::RateLimited, true)]);
    assert_eq!(requests, 2);
}

async fn retries_disconnect_then_succeeds(wire: Wire) {
    let cut = Turn::text("This first answer is cut off half way through. ".repeat(3))
        .with_stop_after_events(3);
    let (out, errors, requests) = retry(wire, vec![cut, Turn::text("recovered")], 2).await;
    let resp = out.unwrap();
    assert_eq!(
        resp.content, "recovered",
        "nothing of the cut answer is kept"
    );
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
    assert_eq!(errors.len(), 1);
    assert!(matches!(
        errors[0],
        (1, ErrorKind::MalformedStream | ErrorKind::Network, true)
    ));
    assert_eq!(requests, 2);
}

async fn gives_up_after_max_retries(wire: Wire) {
    let turns = vec![Turn::http_error(503); 4];
    let (out, errors, requests) = retry(wire, turns, 2).await;
    assert_eq!(out.unwrap_err().kind, ErrorKind::Overloaded);
    assert_eq!(
        errors,
        [
            (1, ErrorKind::Overloaded, true),
            (2, ErrorKind::Overloaded, true),
            (3, ErrorKind::Overloaded, false)
        ]
    );
    assert_eq!(requests, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn permanent_errors_are_not_retried() {
    for wire in Wire::ALL {
        let turns = vec![Turn::http_error(401), Turn::text("never")];
        let (out, errors, requests) = retry(wire, turns, 3).await;
        assert_eq!(out.unwrap_err().kind, ErrorKind::Auth, "{wire}");
        assert_eq!(errors, [(1, ErrorKind::Auth, false)]);
        assert_eq!(requests, 1);
    }
}

/// The server's `retry-after` (here as fractional seconds) sets the wait, over the policy's
/// 1 ms base delay.
#[tokio::test(flavor = "multi_thread")]
async fn retry_waits_as_long_as_the_server_asks() {
    for wire in [Wire::OpenAiChat, Wire::Anthropic] {
        let turns = vec![
            Turn::http_error(429).with_retry_after("0.3"),
            Turn::text("ok"),
        ];
        let started = Instant::now();
        let (out, _, _) = retry(wire, turns, 1).await;
        assert_eq!(out.unwrap().content, "ok");
        assert!(started.elapsed() >= Duration::from_millis(300), "{wire}");
    }
}

/// A target for `wire` on `server`, named after the wire.
fn target(server: &MockServer, wire: Wire) -> Target {
    let provider: Arc<dyn Provider> =
        build_adapter(wire.as_str(), wire, settings(server, wire, true)).unwrap();
    Target {
        provider,
        model: model(wire).into(),
    }
}

/// `complete_with_fallback` over `chain`, with every note as text.
async fn fallback(
    chain: &[Target],
    fall_on: &[ErrorKind],
) -> (Result<chamber_llm::Served, LlmError>, Vec<String>) {
    let mut notes = Vec::new();
    let out = complete_with_fallback(
        chain,
        &request(Wire::OpenAiChat),
        policy(1),
        fall_on,
        &mut |_: &str| {},
        &mut |n| {
            notes.push(match n {
                CallNote::Attempt {
                    target,
                    attempt,
                    outcome,
                    retrying,
                    ..
                } => format!(
                    "{}#{attempt} {} retry={retrying}",
                    target.label(),
                    match outcome {
                        Ok(_) => "ok",
                        Err(e) => e.kind.code(),
                    }
                ),
                CallNote::FellBack { from, to, .. } => {
                    format!("{} -> {}", from.label(), to.label())
                }
            });
        },
    )
    .await;
    (out, notes)
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_chat_overloaded_falls_back_to_anthropic() {
    let server = MockServer::start(vec![
        Turn::http_error(503),
        Turn::http_error(503),
        Turn::text("Anthropic answers.").with_usage(20, 5),
    ])
    .await
    .unwrap();
    let chain = [
        target(&server, Wire::OpenAiChat),
        target(&server, Wire::Anthropic),
    ];
    let (out, notes) = fallback(&chain, &[ErrorKind::Overloaded]).await;
    let served = out.unwrap();
    assert_eq!(served.index, 1);
    assert_eq!(served.response.content, "Anthropic answers.");
    assert_eq!(served.response.usage.prompt_tokens, 20);
    assert_eq!(
        notes,
        [
            "openai-chat:gpt-4.1-mini#1 overloaded retry=true",
            "openai-chat:gpt-4.1-mini#2 overloaded retry=false",
            "openai-chat:gpt-4.1-mini -> anthropic:claude-sonnet-4-5",
            "anthropic:claude-sonnet-4-5#1 ok retry=false",
        ]
    );
    let seen = server.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v1/chat/completions",
            "/v1/chat/completions",
            "/v1/messages"
        ]
    );
    // Each pair's own model goes out, in its own wire's form.
    assert_eq!(seen[0].body["model"], "gpt-4.1-mini");
    assert_eq!(seen[2].body["model"], "claude-sonnet-4-5");
    assert_eq!(seen[2].body["system"], "You are Chamber.");
    assert_eq!(seen[2].header("x-api-key"), Some(KEY));
}

/// A failure inside a Gemini stream moves the request on to the Responses API.
#[tokio::test(flavor = "multi_thread")]
async fn gemini_in_stream_error_falls_back_to_responses() {
    let failing = Turn::text("Partial answer that fails midway. ".repeat(3))
        .with_in_stream_error("RESOURCE_EXHAUSTED");
    let server = MockServer::start(vec![
        failing.clone(),
        failing,
        Turn::call("read_file", serde_json::json!({"path": "a.py"})),
    ])
    .await
    .unwrap();
    let chain = [
        target(&server, Wire::Gemini),
        target(&server, Wire::OpenAiResponses),
    ];
    let (out, notes) = fallback(&chain, &[ErrorKind::RateLimited]).await;
    let served = out.unwrap();
    assert_eq!(served.index, 1);
    assert_eq!(served.response.tool_calls.len(), 1);
    assert_eq!(
        served.response.tool_calls[0].arguments,
        r#"{"path":"a.py"}"#
    );
    assert_eq!(
        served.response.content, "",
        "no text of the failed attempts"
    );
    assert_eq!(notes.len(), 4, "{notes:?}");
    let seen = server.requests();
    assert!(
        seen[1]
            .path
            .ends_with("/gemini-2.5-flash:streamGenerateContent")
    );
    assert_eq!(seen[2].path, "/v1/responses");
    assert_eq!(seen[2].body["model"], "gpt-5-mini");
}

/// Error classes not listed stop the chain at once.
#[tokio::test(flavor = "multi_thread")]
async fn unlisted_errors_do_not_fall_back() {
    let server = MockServer::start(vec![Turn::http_error(401), Turn::text("never")])
        .await
        .unwrap();
    let chain = [
        target(&server, Wire::Anthropic),
        target(&server, Wire::Gemini),
    ];
    let (out, notes) = fallback(&chain, &[ErrorKind::Overloaded]).await;
    assert_eq!(out.unwrap_err().kind, ErrorKind::Auth);
    assert_eq!(notes, ["anthropic:claude-sonnet-4-5#1 auth retry=false"]);
    assert_eq!(server.remaining(), 1);
}
