//! End to end: `ToolModeProvider` around `OpenAiChat`, talking to a scripted
//! local OpenAI-compatible server that streams its answers in small chunks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::sync::Arc;
use std::time::Duration;

use chamber_llm::{
    ChatRequest, ChatResponse, EventStream, LlmError, Message, OpenAiChat, OpenAiSettings,
    Provider, StreamEvent, ToolCallMode, ToolDef, ToolModeProvider, collect,
};
use chamber_mock_llm::{MockServer, Turn};
use chamber_protocol::ToolCall;
use futures::StreamExt;
use serde_json::{Value, json};

fn provider(server: &MockServer, mode: ToolCallMode) -> ToolModeProvider {
    let inner = OpenAiChat::new(OpenAiSettings {
        base_url: server.base_url(),
        api_key: None,
        request_timeout: Duration::from_secs(30),
    })
    .unwrap();
    ToolModeProvider::new(Arc::new(inner), mode)
}

fn request() -> ChatRequest {
    let mut r = ChatRequest::new(
        "qwen2.5-coder-0.5b",
        vec![
            Message::system("You are Chamber."),
            Message::user("Fix a.py"),
        ],
    );
    r.tools = vec![
        ToolDef {
            name: "read_file".into(),
            description: "Read a file.".into(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}},
                "required": ["path"], "additionalProperties": false}),
        },
        ToolDef {
            name: "shell".into(),
            description: "Run a command.".into(),
            parameters: json!({"type": "object", "properties": {"command": {"type": "string"}},
                "required": ["command"], "additionalProperties": false}),
        },
    ];
    r
}

async fn ask(p: &dyn Provider, r: &ChatRequest) -> (ChatResponse, String) {
    let mut shown = String::new();
    let resp = collect(p, r, Duration::from_secs(10), &mut |t: &str| {
        shown.push_str(t)
    })
    .await
    .unwrap();
    (resp, shown)
}

fn args(call: &ToolCall) -> Value {
    serde_json::from_str(&call.arguments).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_schema_call_and_answer() {
    let server = MockServer::start(vec![
        Turn::text(r#"{"tool":"read_file","arguments":{"path":"a.py"}}"#),
        Turn::text(r#"{"answer":"done"}"#),
    ])
    .await
    .unwrap();
    let p = provider(&server, ToolCallMode::JsonSchema);
    assert_eq!(p.mode(), ToolCallMode::JsonSchema);
    assert_eq!(p.name(), "openai");
    assert_eq!(p.endpoint(), server.base_url());

    let first = request();
    let (resp, shown) = ask(&p, &first).await;
    assert_eq!(resp.tool_calls.len(), 1, "{resp:?}");
    let call = &resp.tool_calls[0];
    assert_eq!(call.name, "read_file");
    assert_eq!(args(call), json!({"path": "a.py"}));
    assert!(call.id.starts_with("call_"));
    assert_eq!(resp.content, "");
    assert_eq!(shown, "", "raw JSON must not reach the user");
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert!(resp.usage.completion_tokens > 0);

    let mut second = request();
    second
        .messages
        .push(Message::assistant("", resp.tool_calls.clone()));
    second
        .messages
        .push(Message::tool(call.id.clone(), "print(1 - 1)"));
    let (resp, shown) = ask(&p, &second).await;
    assert!(resp.tool_calls.is_empty());
    assert_eq!(resp.content, "done");
    assert_eq!(shown, "done");
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));

    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    for req in &sent {
        let body = &req.body;
        assert!(body.get("tools").is_none(), "{body}");
        assert_eq!(body["response_format"]["type"], json!("json_schema"));
        let schema = &body["response_format"]["json_schema"];
        assert_eq!(schema["name"], json!("tool_or_answer"));
        let branches = schema["schema"]["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), 3);
        assert_eq!(
            branches[0]["properties"]["tool"]["const"],
            json!("read_file")
        );
        assert_eq!(branches[1]["properties"]["tool"]["const"], json!("shell"));
        let system = body["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains("read_file: Read a file."));
        let roles: Vec<&str> = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert!(!roles.contains(&"tool"), "{roles:?}");
    }
    let msgs = sent[1].body["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert!(msgs[2].get("tool_calls").is_none());
    let said: Value = serde_json::from_str(msgs[2]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        said,
        json!({"tool": "read_file", "arguments": {"path": "a.py"}})
    );
    assert_eq!(msgs[3]["role"], json!("user"));
    assert!(
        msgs[3]["content"]
            .as_str()
            .unwrap()
            .starts_with("Result of read_file")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn text_mode_turns_tool_call_blocks_into_calls() {
    let server = MockServer::start(vec![Turn::text(
        "I'll run the tests first.\n<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"python3 -m unittest\"}}\n</tool_call>",
    )])
    .await
    .unwrap();
    let p = provider(&server, ToolCallMode::Text);
    let (resp, shown) = ask(&p, &request()).await;
    assert_eq!(resp.tool_calls.len(), 1, "{resp:?}");
    assert_eq!(resp.tool_calls[0].name, "shell");
    assert_eq!(
        args(&resp.tool_calls[0]),
        json!({"command": "python3 -m unittest"})
    );
    assert_eq!(resp.content, "I'll run the tests first.");
    assert_eq!(shown, resp.content);

    let body = &server.requests()[0].body;
    assert!(body.get("tools").is_none());
    assert!(body.get("response_format").is_none());
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("<tool_call>")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn native_mode_passes_tools_and_calls_through() {
    let server = MockServer::start(vec![Turn::call("read_file", json!({"path": "a.py"}))])
        .await
        .unwrap();
    let p = provider(&server, ToolCallMode::Native);
    let (resp, _) = ask(&p, &request()).await;
    assert_eq!(resp.tool_calls.len(), 1);
    assert_eq!(args(&resp.tool_calls[0]), json!({"path": "a.py"}));
    let body = &server.requests()[0].body;
    assert_eq!(body["tools"].as_array().unwrap().len(), 2);
    assert!(body.get("response_format").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn answer_split_across_raw_chunks() {
    let mut sse = String::new();
    let pieces = [
        "{\"tool\":",
        "\"shell\",",
        "\"arguments\":",
        "{\"command\":\"ls\"}}",
    ];
    for piece in pieces {
        let chunk =
            json!({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]});
        sse.push_str(&format!("data: {chunk}\n\n"));
    }
    let end = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    sse.push_str(&format!("data: {end}\n\ndata: [DONE]\n\n"));
    let server = MockServer::start(vec![Turn::raw_sse(sse)]).await.unwrap();
    let p = provider(&server, ToolCallMode::JsonSchema);
    let (resp, _) = ask(&p, &request()).await;
    assert_eq!(resp.tool_calls.len(), 1);
    assert_eq!(resp.tool_calls[0].name, "shell");
    assert_eq!(args(&resp.tool_calls[0]), json!({"command": "ls"}));
}

/// A provider that streams text pieces slowly, like a small model on a CPU.
struct Slow {
    pieces: Vec<&'static str>,
    gap: Duration,
}

#[async_trait::async_trait]
impl Provider for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    fn endpoint(&self) -> &str {
        "local"
    }

    async fn stream(&self, _request: &ChatRequest) -> Result<EventStream, LlmError> {
        let gap = self.gap;
        let mut events: Vec<StreamEvent> = self
            .pieces
            .iter()
            .map(|p| StreamEvent::Text((*p).to_string()))
            .collect();
        events.push(StreamEvent::Finish("stop".into()));
        events.push(StreamEvent::Done);
        let stream = futures::stream::iter(events).then(move |e| async move {
            tokio::time::sleep(gap).await;
            Ok(e)
        });
        Ok(Box::pin(stream))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn held_back_answer_keeps_idle_timer_alive() {
    // Ten pieces 50 ms apart take 500 ms in all; nothing is shown until the
    // end, yet a 250 ms idle timeout must not fire.
    let mut pieces = vec!["{\"tool\":\"shell\",\"arguments\":{\"command\":\""];
    pieces.extend(["l"; 8]);
    pieces.push("s\"}}");
    let slow = Slow {
        pieces,
        gap: Duration::from_millis(50),
    };
    let p = ToolModeProvider::new(Arc::new(slow), ToolCallMode::JsonSchema);
    let resp = collect(
        &p,
        &request(),
        Duration::from_millis(250),
        &mut |_: &str| {},
    )
    .await
    .unwrap();
    assert_eq!(resp.tool_calls.len(), 1);
    assert_eq!(args(&resp.tool_calls[0]), json!({"command": "lllllllls"}));
}

/// A recorded answer, the mode it came from, the call it must become (if
/// any) and the prose that must remain.
type RecordedCase = (
    &'static str,
    ToolCallMode,
    Option<(&'static str, Value)>,
    &'static str,
);

/// Answers recorded from qwen2.5-coder-0.5b and -1.5b behind llama-server
/// (`--jinja`, constrained by the `tool_or_answer` schema, or unconstrained),
/// taken from Chamber's debug log during the task benchmark.
#[tokio::test]
async fn recorded_small_model_answers_become_the_right_calls() {
    let cases: [RecordedCase; 5] = [
        // Constrained, keys in the "wrong" order, stray spaces.
        (
            r#"{"arguments": {"path": "./calc.py" }, "tool": "read_file" }"#,
            ToolCallMode::JsonSchema,
            Some(("read_file", json!({"path": "./calc.py"}))),
            "",
        ),
        // Constrained, the plain-answer branch.
        (
            r#"{"answer":"wrote calc.py (2 lines, 31 bytes)"}"#,
            ToolCallMode::JsonSchema,
            None,
            "wrote calc.py (2 lines, 31 bytes)",
        ),
        // Unconstrained Qwen style: a fenced JSON call with prose after it.
        (
            "```json\n{\"name\": \"shell\", \"arguments\": {\"command\": \"python3 -m unittest -q\"}}\n```\nThis runs the tests.",
            ToolCallMode::Text,
            Some(("shell", json!({"command": "python3 -m unittest -q"}))),
            "This runs the tests.",
        ),
        // Qwen's own tool-call tags.
        (
            "<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"leap.py\"}}\n</tool_call>",
            ToolCallMode::Text,
            Some(("read_file", json!({"path": "leap.py"}))),
            "",
        ),
        // A JSON answer that is not a call stays text.
        (
            r#"{"result": "ok", "read_file": "is a tool"}"#,
            ToolCallMode::Text,
            None,
            r#"{"result": "ok", "read_file": "is a tool"}"#,
        ),
    ];
    for (text, mode, call, prose) in cases {
        let server = MockServer::start(vec![Turn::text(text)]).await.unwrap();
        let (resp, _) = ask(&provider(&server, mode), &request()).await;
        match call {
            Some((name, args)) => {
                assert_eq!(resp.tool_calls.len(), 1, "{text}: {resp:?}");
                assert_eq!(resp.tool_calls[0].name, name, "{text}");
                let got: Value = serde_json::from_str(&resp.tool_calls[0].arguments).unwrap();
                assert_eq!(got, args, "{text}");
            }
            None => assert!(resp.tool_calls.is_empty(), "{text}: {resp:?}"),
        }
        assert_eq!(resp.content.trim(), prose, "{text}");
    }
}

/// An answer cut off by `max_tokens` mid-call is surfaced as a malformed
/// call (so the registry tells the model exactly what is wrong), never
/// dropped and never run as something else.
#[tokio::test]
async fn truncated_call_is_kept_as_a_malformed_call() {
    let server = MockServer::start(vec![Turn::text(
        "<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"python3 -m unitt",
    )])
    .await
    .unwrap();
    let (resp, _) = ask(&provider(&server, ToolCallMode::Text), &request()).await;
    assert_eq!(resp.tool_calls.len(), 1, "{resp:?}");
    assert_eq!(resp.tool_calls[0].name, "shell");
    assert!(serde_json::from_str::<Value>(&resp.tool_calls[0].arguments).is_err());
}
