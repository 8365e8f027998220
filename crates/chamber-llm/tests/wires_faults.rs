//! Failures on every wire, over real HTTP against the scripted mock server: HTTP errors with
//! each vendor's native bodies, broken, cut and hung streams, and errors inside a stream all
//! come out as the right `ErrorKind`, never as a truncated answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[macro_use]
mod wire_support;

use std::time::{Duration, Instant};

use chamber_llm::{ErrorKind, Wire, collect};
use chamber_mock_llm::{MockServer, Turn};
use wire_support::*;

per_wire!(
    rate_limited_with_retry_after,
    overloaded_503,
    server_error_500,
    auth_401,
    context_too_long_native_body,
    malformed_sse,
    disconnect_mid_stream,
    hung_stream_times_out,
    in_stream_error,
);

/// An HTTP error status, streamed and not: the kind, the status and the waiting time.
async fn http_error(wire: Wire, turn: Turn, kind: ErrorKind, retry_after: Option<Duration>) {
    for stream in [true, false] {
        let e = fails(wire, turn.clone(), stream).await;
        assert_eq!(e.kind, kind, "{wire} (stream: {stream}): {e}");
        assert_eq!(e.status, turn.status, "{wire}");
        assert_eq!(e.retry_after, retry_after, "{wire}");
    }
}

async fn rate_limited_with_retry_after(wire: Wire) {
    let turn = Turn::http_error(429).with_retry_after("2");
    let two = Some(Duration::from_secs(2));
    http_error(wire, turn, ErrorKind::RateLimited, two).await;
}

async fn overloaded_503(wire: Wire) {
    http_error(wire, Turn::http_error(503), ErrorKind::Overloaded, None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn anthropic_529_is_overloaded() {
    let turn = Turn::http_error(529);
    http_error(Wire::Anthropic, turn, ErrorKind::Overloaded, None).await;
}

async fn server_error_500(wire: Wire) {
    http_error(wire, Turn::http_error(500), ErrorKind::Server, None).await;
}

async fn auth_401(wire: Wire) {
    http_error(wire, Turn::http_error(401), ErrorKind::Auth, None).await;
}

/// Status 400 with the body each vendor sends for a prompt over the model's window.
async fn context_too_long_native_body(wire: Wire) {
    let body = match wire {
        Wire::OpenAiChat => {
            r#"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#
        }
        Wire::OpenAiResponses => {
            r#"{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":"context_length_exceeded"}}"#
        }
        Wire::Anthropic => {
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210012 tokens > 200000 maximum"},"request_id":"req_011CTest"}"#
        }
        Wire::Gemini => {
            r#"{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}"#
        }
    };
    let turn = Turn {
        body: Some(body.into()),
        ..Turn::http_error(400)
    };
    http_error(wire, turn, ErrorKind::ContextTooLong, None).await;
}

/// A 400 that is not about length stays an invalid request (not retried, no fallback).
#[tokio::test(flavor = "multi_thread")]
async fn plain_bad_request_is_invalid_request() {
    for wire in Wire::ALL {
        let e = fails(wire, Turn::http_error(400), true).await;
        assert_eq!(e.kind, ErrorKind::InvalidRequest, "{wire}: {e}");
        assert!(!e.kind.is_transient());
    }
}

async fn malformed_sse(wire: Wire) {
    let bodies = [
        "data: {\"half\": [1, 2\n\n",
        "event: message_start\ndata: not json at all\n\n",
    ];
    for body in bodies {
        let e = fails(wire, Turn::raw_sse(body), true).await;
        assert_eq!(e.kind, ErrorKind::MalformedStream, "{wire}: {e}");
    }
    // A non-streamed request answered with something that is not JSON.
    let e = fails(wire, Turn::raw_sse(bodies[0]), false).await;
    assert_eq!(e.kind, ErrorKind::MalformedStream, "{wire}: {e}");
}

/// A server slower than the whole-request timeout: a timeout, streamed or not.
#[tokio::test(flavor = "multi_thread")]
async fn slow_reply_hits_the_request_timeout() {
    for wire in Wire::ALL {
        for stream in [true, false] {
            let server = MockServer::start(vec![Turn::text("late").with_delay(3000)])
                .await
                .unwrap();
            let mut s = settings(&server, wire, stream);
            s.request_timeout = Duration::from_millis(300);
            let p = chamber_llm::build_adapter("slow", wire, s).unwrap();
            let e = ask(p.as_ref(), &request(wire)).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Timeout, "{wire} (stream: {stream}): {e}");
        }
    }
}

async fn disconnect_mid_stream(wire: Wire) {
    let long = "A long answer that the server never finishes sending. ".repeat(4);
    for cut in [0, 1, 3] {
        let turn = Turn::text(long.as_str()).with_stop_after_events(cut);
        let e = fails(wire, turn, true).await;
        assert!(
            matches!(e.kind, ErrorKind::MalformedStream | ErrorKind::Network),
            "{wire} cut after {cut}: {e}"
        );
    }
    // Cut inside a tool call's arguments: never a call with half its arguments. (Gemini sends
    // a call whole, in the reply's only chunk here, so it can only be cut before it.)
    let args = format!(r#"{{"command":"{}"}}"#, "x".repeat(100));
    let cut = if wire == Wire::Gemini { 0 } else { 4 };
    let turn = Turn::raw_call("shell", &args).with_stop_after_events(cut);
    let e = fails(wire, turn, true).await;
    assert!(matches!(
        e.kind,
        ErrorKind::MalformedStream | ErrorKind::Network
    ));
}

async fn hung_stream_times_out(wire: Wire) {
    let server = MockServer::start(vec![
        Turn::text("This answer hangs after its first events.").with_stall_after_events(2),
    ])
    .await
    .unwrap();
    let p = adapter(&server, wire, true);
    let started = Instant::now();
    let mut shown = String::new();
    let e = collect(
        p.as_ref(),
        &request(wire),
        Duration::from_millis(500),
        &mut |t: &str| shown.push_str(t),
    )
    .await
    .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(e.kind, ErrorKind::Timeout, "{wire}: {e}");
    assert!(e.kind.is_transient());
    assert!(waited >= Duration::from_millis(500), "{wire}: {waited:?}");
    assert!(waited < Duration::from_secs(10), "{wire}: {waited:?}");
}

async fn in_stream_error(wire: Wire) {
    // Each format's own vocabulary for the failure.
    let cases: &[(&str, ErrorKind)] = match wire {
        Wire::OpenAiChat => &[("server_error", ErrorKind::Server)],
        Wire::OpenAiResponses => &[
            ("server_error", ErrorKind::Server),
            ("rate_limit_exceeded", ErrorKind::RateLimited),
        ],
        Wire::Anthropic => &[
            ("overloaded_error", ErrorKind::Overloaded),
            ("api_error", ErrorKind::Server),
        ],
        Wire::Gemini => &[
            ("UNAVAILABLE", ErrorKind::Overloaded),
            ("RESOURCE_EXHAUSTED", ErrorKind::RateLimited),
        ],
    };
    let long = "Some text before the stream fails. ".repeat(3);
    for &(kind, expected) in cases {
        let turn = Turn::text(long.as_str()).with_in_stream_error(kind);
        let e = fails(wire, turn, true).await;
        assert_eq!(e.kind, expected, "{wire} {kind}: {e}");
        assert_eq!(e.status, None);
        assert!(e.message.contains("error inside stream"), "{e}");
    }
}
