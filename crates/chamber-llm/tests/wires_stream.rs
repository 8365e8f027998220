//! Every wire adapter, over real HTTP against the scripted mock server: streamed text, tool
//! calls (split and parallel), reasoning, and non-streamed replies matching streamed ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[macro_use]
mod wire_support;

use std::time::Duration;

use chamber_llm::{ChatResponse, Wire, collect};
use chamber_mock_llm::{MockServer, Turn};
use chamber_protocol::ToolCall;
use wire_support::*;

/// Long enough that the mock sends it in many 16-char pieces.
const ANSWER: &str = "Hello from the mock! This answer arrives in many small streamed pieces.";

per_wire!(
    streamed_text,
    tool_call_arguments_split_across_chunks,
    parallel_tool_calls_in_order,
    reasoning_is_passed_on,
    non_streamed_matches_streamed,
    unscripted_ids_and_empty_arguments,
);

async fn streamed_text(wire: Wire) {
    let server = MockServer::start(vec![
        Turn::text(ANSWER).with_usage(40, 12).with_cached_tokens(8),
    ])
    .await
    .unwrap();
    let p = adapter(&server, wire, true);
    let mut pieces = Vec::new();
    let resp = collect(
        p.as_ref(),
        &request(wire),
        Duration::from_secs(10),
        &mut |t: &str| pieces.push(t.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(resp.content, ANSWER);
    assert!(pieces.len() > 1, "text should arrive in pieces: {pieces:?}");
    assert_eq!(pieces.concat(), ANSWER);
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
    assert!(resp.tool_calls.is_empty());
    assert!(resp.reasoning.is_empty());
    assert_eq!(resp.reasoning_signature, None);
    assert_eq!(resp.usage, expected_usage(wire, 40, 12, 8, 0));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, chat_path(wire, true));
}

async fn tool_call_arguments_split_across_chunks(wire: Wire) {
    // Compact JSON with sorted keys: Gemini sends arguments as an object, which the adapter
    // re-serializes, so only a canonical text survives byte for byte on every wire.
    let args = r#"{"line_range":[10,20],"note":"a fairly long argument, split into pieces","path":"src/main.rs"}"#;
    assert!(args.len() > 48, "at least four 16-char pieces");
    let turn = Turn {
        tool_calls: vec![call("call_split_1", "read_file", args)],
        ..Turn::default()
    };
    let server = MockServer::start(vec![turn]).await.unwrap();
    let resp = ask(adapter(&server, wire, true).as_ref(), &request(wire))
        .await
        .unwrap();
    assert_eq!(
        resp.tool_calls,
        vec![ToolCall {
            id: "call_split_1".into(),
            name: "read_file".into(),
            arguments: args.into(),
        }]
    );
    assert_eq!(resp.content, "");
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
}

async fn parallel_tool_calls_in_order(wire: Wire) {
    let turn = Turn {
        tool_calls: vec![
            call("call_a", "read_file", r#"{"path":"a.py"}"#),
            call("call_b", "shell", r#"{"command":"cargo test --workspace"}"#),
        ],
        ..Turn::default()
    }
    .with_content("Checking both.");
    let server = MockServer::start(vec![turn]).await.unwrap();
    let resp = ask(adapter(&server, wire, true).as_ref(), &request(wire))
        .await
        .unwrap();
    let got: Vec<(&str, &str, &str)> = resp
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("call_a", "read_file", r#"{"path":"a.py"}"#),
            ("call_b", "shell", r#"{"command":"cargo test --workspace"}"#),
        ]
    );
    assert_eq!(resp.content, "Checking both.");
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
}

/// Calls without scripted ids get the server's ids (or, on Gemini, the adapter's own), and
/// every id is distinct.
async fn unscripted_ids_and_empty_arguments(wire: Wire) {
    let turn = Turn::calls(vec![
        ("list_dir", serde_json::json!({})),
        ("list_dir", serde_json::json!({})),
    ]);
    let server = MockServer::start(vec![turn]).await.unwrap();
    let resp = ask(adapter(&server, wire, true).as_ref(), &request(wire))
        .await
        .unwrap();
    assert_eq!(resp.tool_calls.len(), 2);
    for c in &resp.tool_calls {
        assert_eq!((c.name.as_str(), c.arguments.as_str()), ("list_dir", "{}"));
        assert!(!c.id.is_empty());
    }
    assert_ne!(resp.tool_calls[0].id, resp.tool_calls[1].id);
}

async fn reasoning_is_passed_on(wire: Wire) {
    let thought = "First, read the question; then answer briefly.";
    let turn = Turn::text("The answer is 42.")
        .with_reasoning(thought)
        .with_usage(40, 30);
    let (resp, _) = once(wire, turn, true).await;
    let resp = resp.unwrap();
    assert_eq!(resp.reasoning, thought);
    assert_eq!(resp.content, "The answer is 42.");
    // Anthropic signs its thinking blocks and Gemini its thoughts; OpenAI's formats (without
    // encrypted reasoning) carry no signature.
    let signature = match wire {
        Wire::Anthropic | Wire::Gemini => Some("sig-0"),
        Wire::OpenAiChat | Wire::OpenAiResponses => None,
    };
    assert_eq!(resp.reasoning_signature.as_deref(), signature);
    let r = mock_reasoning_tokens(thought, 30);
    assert_eq!(resp.usage, expected_usage(wire, 40, 30, 0, r));
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
}

async fn non_streamed_matches_streamed(wire: Wire) {
    let turns = [
        Turn::text(ANSWER).with_usage(40, 12).with_cached_tokens(8),
        Turn {
            tool_calls: vec![
                call("call_a", "read_file", r#"{"path":"a.py"}"#),
                call("call_b", "shell", r#"{"command":"ls -la"}"#),
            ],
            ..Turn::default()
        }
        .with_content("Checking both.")
        .with_usage(50, 20),
        Turn::text("The answer is 42.")
            .with_reasoning("Think it over first, then answer.")
            .with_usage(40, 30),
        Turn {
            tool_calls: vec![call("call_r", "read_file", r#"{"path":"b.py"}"#)],
            ..Turn::default()
        }
        .with_reasoning("I need b.py.")
        .with_usage(10, 10),
    ];
    for turn in turns {
        let (streamed, seen_s) = once(wire, turn.clone(), true).await;
        let (whole, seen_w) = once(wire, turn.clone(), false).await;
        let streamed: ChatResponse = streamed.unwrap();
        assert_eq!(whole.unwrap(), streamed, "{wire}: {turn:?}");
        assert_eq!(seen_s[0].path, chat_path(wire, true));
        assert_eq!(seen_w[0].path, chat_path(wire, false));
        match wire {
            Wire::Gemini => assert_eq!(seen_w[0].query, None),
            _ => assert_eq!(seen_w[0].body["stream"], false),
        }
    }
}
