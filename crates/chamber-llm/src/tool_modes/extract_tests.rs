//! Extractor tests on outputs shaped like what small local models really write.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::{Value, json};

use super::extract::interpret_json_answer;
use super::{ExtractedCall, extract_tool_calls};

const TOOLS: &[&str] = &["read_file", "shell", "write_file", "list_files"];

fn calls(text: &str) -> Vec<ExtractedCall> {
    extract_tool_calls(text, TOOLS).calls
}

/// Asserts one well-formed call: name and arguments compared as JSON values.
fn assert_call(call: &ExtractedCall, name: &str, args: Value) {
    assert_eq!(call.name, name);
    let parsed: Value = serde_json::from_str(&call.arguments)
        .unwrap_or_else(|e| panic!("arguments not JSON ({e}): {}", call.arguments));
    assert_eq!(parsed, args);
}

#[test]
fn qwen_coder_fenced_json() {
    let out = extract_tool_calls(
        "```json\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"calc.py\"}}\n```",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(&out.calls[0], "read_file", json!({"path": "calc.py"}));
    assert_eq!(out.text, "");
}

#[test]
fn hermes_tool_call_block() {
    let out = extract_tool_calls(
        "<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"python3 -m unittest\"}}\n</tool_call>",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(
        &out.calls[0],
        "shell",
        json!({"command": "python3 -m unittest"}),
    );
    assert_eq!(out.text, "");
}

#[test]
fn two_calls_with_prose_around_them() {
    let text = "Let me look at both files first.\n\
        <tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"calc.py\"}}\n</tool_call>\n\
        <tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"test_calc.py\"}}\n</tool_call>\n\
        Then I will fix the bug.";
    let out = extract_tool_calls(text, TOOLS);
    assert_eq!(out.calls.len(), 2);
    assert_call(&out.calls[0], "read_file", json!({"path": "calc.py"}));
    assert_call(&out.calls[1], "read_file", json!({"path": "test_calc.py"}));
    assert!(out.text.contains("Let me look at both files first."));
    assert!(out.text.contains("Then I will fix the bug."));
    assert!(!out.text.contains("tool_call"), "{}", out.text);
    assert!(!out.text.contains("calc.py"), "{}", out.text);
}

#[test]
fn fenced_calls_in_text_order_with_prose() {
    let text = "I'll list the files.\n\n```json\n{\"name\": \"list_files\", \"arguments\": {}}\n```\n\n\
        And run the tests:\n```\n{\"name\": \"shell\", \"arguments\": {\"command\": \"pytest\"}}\n```";
    let out = extract_tool_calls(text, TOOLS);
    assert_eq!(out.calls.len(), 2);
    assert_call(&out.calls[0], "list_files", json!({}));
    assert_call(&out.calls[1], "shell", json!({"command": "pytest"}));
    assert!(out.text.starts_with("I'll list the files."));
    assert!(out.text.contains("And run the tests:"));
    assert!(!out.text.contains("```"));
}

#[test]
fn arguments_as_json_string() {
    let c = calls(
        "<tool_call>{\"name\": \"shell\", \"arguments\": \"{\\\"command\\\": \\\"ls -la\\\"}\"}</tool_call>",
    );
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "shell", json!({"command": "ls -la"}));
}

#[test]
fn openai_function_shape_and_other_key_names() {
    let c = calls(
        "```json\n{\"type\": \"function\", \"function\": {\"name\": \"read_file\", \"arguments\": \"{\\\"path\\\": \\\"a.py\\\"}\"}}\n```",
    );
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "read_file", json!({"path": "a.py"}));

    let c =
        calls("{\"name\": \"write_file\", \"parameters\": {\"path\": \"x\", \"content\": \"y\"}}");
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "write_file", json!({"path": "x", "content": "y"}));

    let c = calls("{\"tool\": \"shell\", \"arguments\": {\"command\": \"make\"}}");
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "shell", json!({"command": "make"}));
}

#[test]
fn bare_object_inside_prose() {
    let out = extract_tool_calls(
        "Sure! {\"name\": \"read_file\", \"arguments\": {\"path\": \"main.rs\"}} That should show it.",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(&out.calls[0], "read_file", json!({"path": "main.rs"}));
    assert_eq!(out.text, "Sure!\nThat should show it.");
}

#[test]
fn json_answer_that_is_not_a_call_stays_text() {
    for text in [
        "Here is the config:\n```json\n{\"name\": \"my-app\", \"version\": \"1.0\"}\n```",
        "{\"name\": \"Alice\", \"arguments\": [\"a\", \"b\"]}",
        "The result is {\"data\": {\"name\": \"shell\", \"arguments\": {}}} as expected.",
        "```python\nprint({'name': 'shell'})\n```",
        "```json\n{\"files\": [{\"name\": \"shell\", \"size\": 3}]}\n```",
        "{\"files\": [{\"name\": \"shell\", \"size\": 3}]}",
    ] {
        let out = extract_tool_calls(text, TOOLS);
        assert!(out.calls.is_empty(), "{text} -> {:?}", out.calls);
        assert_eq!(out.text, text);
    }
}

#[test]
fn broken_json_in_tool_call_block_is_surfaced() {
    let inner =
        "{\"name\": \"write_file\", \"arguments\": {\"path\": \"a.py\", \"content\": \"x = 1\n}}";
    let out = extract_tool_calls(&format!("<tool_call>\n{inner}\n</tool_call>"), TOOLS);
    assert_eq!(out.calls.len(), 1);
    assert_eq!(out.calls[0].name, "write_file");
    assert_eq!(out.calls[0].arguments, inner);
    assert!(serde_json::from_str::<Value>(&out.calls[0].arguments).is_err());
}

#[test]
fn tool_call_block_always_counts() {
    // Unknown tool name: still a call, so the registry can list the real tools.
    let c = calls("<tool_call>{\"name\": \"run_tests\", \"arguments\": {}}</tool_call>");
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "run_tests", json!({}));
    // No name at all: a call with an empty name and the raw text.
    let c = calls("<tool_call>{\"path\": \"a.py\"}</tool_call>");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "");
    assert_eq!(c[0].arguments, "{\"path\": \"a.py\"}");
}

#[test]
fn unterminated_tool_call() {
    let out = extract_tool_calls(
        "I need the file.\n<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"calc.py\"}}",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(&out.calls[0], "read_file", json!({"path": "calc.py"}));
    assert_eq!(out.text, "I need the file.");

    // Cut off mid-object: surfaced as malformed, not dropped.
    let c = calls("<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"ls");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "shell");
    assert!(c[0].arguments.contains("\"command\": \"ls"));
}

#[test]
fn consecutive_blocks_without_closing_tags() {
    let c = calls(
        "<tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"}}\n\
         <tool_call>{\"name\": \"read_file\", \"arguments\": {\"path\": \"b\"}}",
    );
    assert_eq!(c.len(), 2);
    assert_call(&c[0], "read_file", json!({"path": "a"}));
    assert_call(&c[1], "read_file", json!({"path": "b"}));
}

#[test]
fn several_objects_or_array_in_one_block() {
    let c = calls(
        "<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"}}\n\
         {\"name\": \"shell\", \"arguments\": {\"command\": \"ls\"}}\n</tool_call>",
    );
    assert_eq!(c.len(), 2);
    assert_call(&c[1], "shell", json!({"command": "ls"}));
    let c = calls(
        "```json\n[{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"}}, \
         {\"name\": \"read_file\", \"arguments\": {\"path\": \"b\"}}]\n```",
    );
    assert_eq!(c.len(), 2);
    assert_call(&c[1], "read_file", json!({"path": "b"}));
}

#[test]
fn trailing_commas_and_single_quotes_are_surfaced_not_dropped() {
    let trailing = "{\"name\": \"read_file\", \"arguments\": {\"path\": \"calc.py\",},}";
    let c = calls(&format!("<tool_call>{trailing}</tool_call>"));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "read_file");
    assert_eq!(c[0].arguments, trailing);

    let single = "{'name': 'shell', 'arguments': {'command': 'ls'}}";
    let c = calls(&format!("<tool_call>\n{single}\n</tool_call>"));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "shell");
    assert_eq!(c[0].arguments, single);

    // The same inside a fence, which names a known tool.
    let c = calls(&format!("```json\n{trailing}\n```"));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "read_file");
    assert_eq!(c[0].arguments, trailing);

    // And as the whole reply.
    let c = calls(single);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "shell");
}

#[test]
fn malformed_fence_with_unknown_name_stays_text() {
    let text = "```json\n{\"name\": \"deploy\", \"arguments\": {,}}\n```";
    let out = extract_tool_calls(text, TOOLS);
    assert!(out.calls.is_empty());
    assert_eq!(out.text, text);
}

#[test]
fn empty_and_plain_text() {
    assert_eq!(extract_tool_calls("", TOOLS), Default::default());
    let out = extract_tool_calls("The tests pass now. {braces} are fine.", TOOLS);
    assert!(out.calls.is_empty());
    assert_eq!(out.text, "The tests pass now. {braces} are fine.");
}

#[test]
fn fenced_tool_call_inside_tag() {
    let c = calls(
        "<tool_call>\n```json\n{\"name\": \"shell\", \"arguments\": {\"command\": \"ls\"}}\n```\n</tool_call>",
    );
    assert_eq!(c.len(), 1);
    assert_call(&c[0], "shell", json!({"command": "ls"}));
}

#[test]
fn json_schema_answers() {
    let out = interpret_json_answer(
        "{\"tool\":\"read_file\",\"arguments\":{\"path\":\"a.py\"}}",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(&out.calls[0], "read_file", json!({"path": "a.py"}));
    assert_eq!(out.text, "");

    let out = interpret_json_answer(" {\"answer\": \"All tests pass.\"}\n", TOOLS);
    assert!(out.calls.is_empty());
    assert_eq!(out.text, "All tests pass.");

    // A server that ignored response_format: the text extractor takes over.
    let out = interpret_json_answer(
        "<tool_call>{\"name\": \"shell\", \"arguments\": {\"command\": \"ls\"}}</tool_call>",
        TOOLS,
    );
    assert_eq!(out.calls.len(), 1);
    assert_call(&out.calls[0], "shell", json!({"command": "ls"}));

    let out = interpret_json_answer("Just prose.", TOOLS);
    assert!(out.calls.is_empty());
    assert_eq!(out.text, "Just prose.");
}
