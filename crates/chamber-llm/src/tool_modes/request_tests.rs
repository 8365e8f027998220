//! Request-rewrite tests: what the server is sent in each mode.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use chamber_protocol::ToolCall;
use serde_json::{Value, json};

use super::ToolCallMode;
use super::request::{SCHEMA_NAME, prepare};
use crate::{ChatRequest, Message, ResponseFormat, Role, ToolDef};

fn tool(name: &str, description: &str, prop: &str) -> ToolDef {
    ToolDef {
        name: name.into(),
        description: description.into(),
        parameters: json!({
            "type": "object",
            "properties": {prop: {"type": "string", "description": "what"}},
            "required": [prop],
            "additionalProperties": false
        }),
    }
}

fn request() -> ChatRequest {
    let mut r = ChatRequest::new(
        "qwen",
        vec![
            Message::system("You are Chamber."),
            Message::user("Fix calc.py"),
        ],
    );
    r.tools = vec![
        tool("read_file", "Read a text file.", "path"),
        tool("shell", "Run a shell command.", "command"),
    ];
    r
}

fn history() -> Vec<Message> {
    vec![
        Message::system("sys"),
        Message::user("Fix calc.py"),
        Message::assistant(
            "Looking.",
            vec![
                ToolCall {
                    id: "c1".into(),
                    name: "read_file".into(),
                    arguments: "{\"path\": \"calc.py\"}".into(),
                },
                ToolCall {
                    id: "c2".into(),
                    name: "shell".into(),
                    arguments: "{\"command\": \"ls".into(),
                },
            ],
        ),
        Message::tool("c1", "def add(a, b): return a - b"),
        Message::tool("c2", "error: invalid JSON at line 1 column 15"),
        Message::assistant("Found the bug.", Vec::new()),
    ]
}

#[test]
fn json_schema_request_moves_tools_into_prompt_and_schema() {
    let original = request();
    let prepared = prepare(&original, ToolCallMode::JsonSchema);
    let r = &prepared.request;
    assert!(r.tools.is_empty());
    let rf = r.response_format.as_ref().unwrap();
    assert_eq!(rf.name, SCHEMA_NAME);
    let branches = rf.schema["oneOf"].as_array().unwrap();
    assert_eq!(branches.len(), 3);
    for (branch, t) in branches.iter().zip(&original.tools) {
        assert_eq!(branch["properties"]["tool"]["const"], json!(t.name));
        assert_eq!(branch["properties"]["arguments"], t.parameters);
        assert_eq!(branch["required"], json!(["tool", "arguments"]));
        assert_eq!(branch["additionalProperties"], json!(false));
    }
    assert_eq!(branches[2]["properties"]["answer"]["type"], json!("string"));
    assert_eq!(branches[2]["required"], json!(["answer"]));

    // Still one system message, first, keeping the caller's text.
    assert_eq!(r.messages.len(), 2);
    assert_eq!(r.messages[0].role, Role::System);
    let system = &r.messages[0].content;
    assert!(system.starts_with("You are Chamber."));
    for t in &original.tools {
        assert!(system.contains(&format!("{}: {}", t.name, t.description)));
        assert!(system.contains(&t.parameters.to_string()), "{system}");
    }
    assert!(system.contains("\"answer\""));
    assert!(
        system.len() < 1200,
        "tool section too long: {}",
        system.len()
    );
    assert_eq!(r.messages[1], original.messages[1]);

    let how = prepared.interpret.unwrap();
    assert_eq!(how.mode, ToolCallMode::JsonSchema);
    assert_eq!(how.tool_names, vec!["read_file", "shell"]);
}

#[test]
fn text_request_has_instructions_and_no_schema() {
    let mut original = request();
    original.messages.remove(0);
    let prepared = prepare(&original, ToolCallMode::Text);
    let r = &prepared.request;
    assert!(r.tools.is_empty());
    assert!(r.response_format.is_none());
    assert_eq!(r.messages.len(), 2);
    assert_eq!(r.messages[0].role, Role::System);
    assert!(r.messages[0].content.contains("<tool_call>"));
    assert!(
        r.messages[0]
            .content
            .contains("read_file: Read a text file.")
    );
    assert_eq!(prepared.interpret.unwrap().mode, ToolCallMode::Text);
}

#[test]
fn history_becomes_plain_messages_in_json_schema_mode() {
    let mut original = request();
    original.messages = history();
    let r = prepare(&original, ToolCallMode::JsonSchema).request;
    assert!(r.messages.iter().all(|m| m.role != Role::Tool));
    assert!(r.messages.iter().all(|m| m.tool_calls.is_empty()));
    let roles: Vec<Role> = r.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::System,
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant
        ]
    );
    let lines: Vec<&str> = r.messages[2].content.lines().collect();
    assert_eq!(lines[0], "Looking.");
    let first: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        first,
        json!({"tool": "read_file", "arguments": {"path": "calc.py"}})
    );
    // Broken arguments are shown as the model wrote them.
    assert_eq!(
        lines[2],
        "{\"tool\":\"shell\",\"arguments\":{\"command\": \"ls}"
    );

    let results = &r.messages[3].content;
    let a = results.find("Result of read_file:\ndef add").unwrap();
    let b = results.find("Result of shell:\nerror").unwrap();
    assert!(a < b);
}

#[test]
fn history_becomes_tool_call_blocks_in_text_mode_even_without_tools() {
    let mut original = request();
    original.tools.clear();
    original.messages = history();
    let prepared = prepare(&original, ToolCallMode::Text);
    assert!(prepared.interpret.is_none());
    let r = prepared.request;
    assert!(r.response_format.is_none());
    assert_eq!(r.messages[0].content, "sys");
    let assistant = &r.messages[2].content;
    assert_eq!(assistant.matches("<tool_call>").count(), 2);
    let extracted = super::extract_tool_calls(assistant, &["read_file", "shell"]);
    assert_eq!(extracted.calls.len(), 2);
    assert_eq!(extracted.calls[0].name, "read_file");
    assert_eq!(extracted.calls[1].name, "shell");
    assert_eq!(r.messages[3].role, Role::User);
    assert!(r.messages[3].content.contains("Result of shell:"));
}

#[test]
fn unknown_call_id_still_converts() {
    let mut original = request();
    original.messages.push(Message::tool("zz", "orphan"));
    let r = prepare(&original, ToolCallMode::Text).request;
    let last = r.messages.last().unwrap();
    assert_eq!(last.role, Role::User);
    assert!(last.content.starts_with("Result of tool:") && last.content.ends_with("orphan"));
}

#[test]
fn own_response_format_is_left_alone() {
    let mut original = request();
    original.tools.clear();
    original.response_format = Some(ResponseFormat {
        name: "plan".into(),
        schema: json!({"type": "object"}),
    });
    for mode in [ToolCallMode::JsonSchema, ToolCallMode::Text] {
        let prepared = prepare(&original, mode);
        assert_eq!(prepared.request, original);
        assert!(prepared.interpret.is_none());
    }
    // Even with tools, the caller's schema wins and nothing is interpreted.
    original.tools = request().tools;
    let prepared = prepare(&original, ToolCallMode::JsonSchema);
    assert_eq!(prepared.request, original);
    assert!(prepared.interpret.is_none());
}

#[test]
fn native_is_untouched() {
    let mut original = request();
    original.messages = history();
    let prepared = prepare(&original, ToolCallMode::Native);
    assert_eq!(prepared.request, original);
    assert!(prepared.interpret.is_none());
}

#[test]
fn required_tool_leaves_out_the_answer_branch() {
    let mut original = request();
    let free = prepare(&original, ToolCallMode::JsonSchema).request;
    original.require_tool = true;
    let forced = prepare(&original, ToolCallMode::JsonSchema).request;
    let branches = |r: &ChatRequest| {
        r.response_format.as_ref().unwrap().schema["oneOf"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(branches(&free).len(), 3);
    let forced_branches = branches(&forced);
    assert_eq!(forced_branches.len(), 2);
    assert!(
        forced_branches
            .iter()
            .all(|b| b["properties"].get("tool").is_some())
    );
    let native = crate::OpenAiChat::request_body(&original);
    assert_eq!(native["tool_choice"], "required");
}

#[test]
fn narrowing_a_turn_changes_the_grammar_but_not_the_prompt() {
    // A small model's later turns are narrowed to the tools the step still
    // lacks and may be required to call one; the prompt must stay
    // byte-identical so the server's prompt cache keeps it.
    let free = request();
    let mut narrowed = request();
    narrowed.require_tool = true;
    narrowed.allowed_tools = Some(vec!["shell".into()]);
    for mode in [ToolCallMode::JsonSchema, ToolCallMode::Text] {
        let a = prepare(&free, mode).request;
        let b = prepare(&narrowed, mode).request;
        assert_eq!(a.messages, b.messages, "{mode}");
    }
    let b = prepare(&narrowed, ToolCallMode::JsonSchema);
    let branches = b.request.response_format.as_ref().unwrap().schema["oneOf"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(branches.len(), 1, "only shell, and no answer branch");
    assert_eq!(branches[0]["properties"]["tool"]["const"], "shell");
    assert_eq!(b.interpret.unwrap().tool_names, vec!["shell"]);
    // Every tool is still described in the prompt.
    assert!(b.request.messages[0].content.contains("read_file:"));
    // A narrowing to tools that are not offered leaves all of them allowed.
    let mut none = request();
    none.allowed_tools = Some(vec!["nothing".into()]);
    let p = prepare(&none, ToolCallMode::JsonSchema);
    assert_eq!(p.interpret.unwrap().tool_names.len(), 2);
}
