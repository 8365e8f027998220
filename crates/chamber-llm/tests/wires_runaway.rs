//! Servers that misbehave without failing: an HTML page where the API should be, bytes that
//! are not UTF-8, answers that never end, grow without bound or trickle in forever, and tool
//! calls whose arguments never close. Each ends in its own error class, within the
//! [`AnswerLimits`], on every wire that can carry it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[macro_use]
mod wire_support;

use std::time::{Duration, Instant};

use chamber_llm::{AnswerLimits, ErrorKind, LlmError, Wire, collect_limited};
use chamber_mock_llm::{Flood, MockServer, Turn};
use wire_support::*;

per_wire!(html_page_is_an_unexpected_reply, invalid_utf8_is_malformed);

/// One streamed answer of `turn` collected within `limits` (idle timeout 1 s).
async fn limited(wire: Wire, turn: Turn, limits: AnswerLimits) -> (LlmError, Duration) {
    let server = MockServer::start(vec![turn]).await.unwrap();
    let p = adapter(&server, wire, true);
    let started = Instant::now();
    let idle = Duration::from_secs(1);
    let out = collect_limited(p.as_ref(), &request(wire), idle, limits, &mut |_: &str| {}).await;
    (out.unwrap_err(), started.elapsed())
}

fn small(timeout_ms: u64, max_bytes: usize, max_tool_call_bytes: usize) -> AnswerLimits {
    AnswerLimits {
        timeout: Duration::from_millis(timeout_ms),
        max_bytes,
        max_tool_call_bytes,
    }
}

async fn html_page_is_an_unexpected_reply(wire: Wire) {
    let page = "<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>";
    for stream in [true, false] {
        // A page labelled as JSON, too (a streamed request answered whole).
        for content_type in ["text/html", "application/json"] {
            let e = fails(wire, Turn::raw_reply(content_type, page), stream).await;
            assert_eq!(e.kind, ErrorKind::UnexpectedReply, "{wire} {stream}: {e}");
            assert!(!e.kind.is_transient());
            assert!(e.message.contains("Welcome to nginx!"), "{e}");
        }
    }
}

async fn invalid_utf8_is_malformed(wire: Wire) {
    let turn = Turn::text("Some text that will not arrive intact.").with_invalid_utf8_at_event(1);
    let e = fails(wire, turn, true).await;
    assert_eq!(e.kind, ErrorKind::MalformedStream, "{wire}: {e}");
    assert!(e.message.contains("not valid UTF-8"), "{e}");
}

/// A 100 MB answer stops at the byte limit, on both flooding wires.
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_answer_stops_at_the_byte_limit() {
    for wire in [Wire::OpenAiChat, Wire::Anthropic] {
        let huge = Flood::text("x".repeat(65536)).total_bytes(100 << 20);
        let turn = Turn::text("Here:").with_flood(huge);
        let (e, _) = limited(wire, turn, small(60_000, 1 << 20, 1 << 20)).await;
        assert_eq!(e.kind, ErrorKind::TooLarge, "{wire}: {e}");
        assert!(e.message.contains("1 MiB"), "{e}");
        assert!(!e.kind.is_transient());
    }
}

/// A well-formed flood under the limits is a normal answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_bounded_flood_within_limits_is_an_answer() {
    let turn = Turn::text("a").with_flood(Flood::text("bc").total_bytes(1000));
    let server = MockServer::start(vec![turn]).await.unwrap();
    let p = adapter(&server, Wire::Anthropic, true);
    let idle = Duration::from_secs(5);
    let limits = small(10_000, 4096, 4096);
    let resp = collect_limited(
        p.as_ref(),
        &request(Wire::Anthropic),
        idle,
        limits,
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(resp.content, format!("a{}", "bc".repeat(500)));
}

/// Endless valid deltas and a trickle inside the idle timeout both end at the time limit.
#[tokio::test(flavor = "multi_thread")]
async fn endless_and_trickling_streams_end_at_the_time_limit() {
    for wire in [Wire::OpenAiChat, Wire::Anthropic] {
        for flood in &[
            Flood::text("tick ").every_ms(10),
            Flood::text("z").trickle(16).every_ms(20),
        ] {
            let turn = Turn::text("Go").with_flood(flood.clone());
            let (e, took) = limited(wire, turn, small(1500, 1 << 20, 1 << 20)).await;
            assert_eq!(e.kind, ErrorKind::AnswerTimeout, "{wire} {flood:?}: {e}");
            assert!(e.message.contains("1.5s"), "{e}");
            assert!(took < Duration::from_secs(5), "{wire}: {took:?}");
        }
    }
}

/// Arguments that never close stop at the per-call limit, naming the tool.
#[tokio::test(flavor = "multi_thread")]
async fn tool_arguments_that_never_close_stop_at_the_call_limit() {
    for wire in [Wire::OpenAiChat, Wire::Anthropic] {
        let turn = Turn::raw_call("write_file", r#"{"path":"a","content":""#)
            .with_flood(Flood::arguments("y".repeat(1000)));
        let (e, _) = limited(wire, turn, small(60_000, 1 << 20, 64 << 10)).await;
        assert_eq!(e.kind, ErrorKind::TooLarge, "{wire}: {e}");
        assert!(
            e.message.contains("`write_file`") && e.message.contains("64 KiB"),
            "{e}"
        );
    }
}

/// One event longer than the limit (no line end in sight) stops there, before it is whole.
#[tokio::test(flavor = "multi_thread")]
async fn one_endless_event_stops_at_the_byte_limit() {
    let body = format!("data: {{\"x\":\"{}", "w".repeat(3 << 20));
    let server = MockServer::start(vec![Turn::raw_sse(body)]).await.unwrap();
    let mut s = settings(&server, Wire::OpenAiChat, true);
    s.max_response_bytes = 1 << 20;
    let p = chamber_llm::build_adapter("big", Wire::OpenAiChat, s).unwrap();
    let e = ask(p.as_ref(), &request(Wire::OpenAiChat))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge, "{e}");
    assert!(e.message.contains("one event"), "{e}");
}
