use chamber_tools::{Registry, Risk};
use serde_json::json;

use crate::call;

#[test]
fn unknown_tool_lists_available_tools() {
    let err = Registry::standard()
        .validate(&call("bash", "{}"))
        .unwrap_err();
    assert_eq!(
        err,
        "unknown tool \"bash\"; available tools: read_file, list_files, search, write_file, edit_file, multi_edit, replace_symbol, insert_before_symbol, insert_after_symbol, delete_symbol, rename_symbol, delete_file, shell"
    );
}

#[test]
fn invalid_json_names_the_position() {
    let err = Registry::standard()
        .validate(&call("read_file", "{\"path\": "))
        .unwrap_err();
    assert!(
        err.starts_with("arguments for read_file are not valid JSON: "),
        "{err}"
    );
    assert!(err.contains("line 1 column"), "{err}");
}

#[test]
fn missing_and_unknown_fields_are_named() {
    let reg = Registry::standard();
    let err = reg.validate(&call("read_file", "{}")).unwrap_err();
    assert_eq!(
        err,
        "arguments for read_file do not match its schema: missing field `path`"
    );
    let err = reg
        .validate(&call("read_file", r#"{"path":"a","line":3}"#))
        .unwrap_err();
    assert!(
        err.starts_with("arguments for read_file do not match its schema: unknown field `line`"),
        "{err}"
    );
    assert!(
        err.contains("`start_line`"),
        "lists the expected fields: {err}"
    );
}

#[test]
fn wrong_shapes_and_ranges_are_explained() {
    let reg = Registry::standard();
    let err = reg.validate(&call("read_file", "[1]")).unwrap_err();
    assert!(err.contains("must be a JSON object"), "{err}");
    let err = reg
        .validate(&call("read_file", r#"{"path":"a","start_line":0}"#))
        .unwrap_err();
    assert_eq!(
        err,
        "invalid arguments for read_file: start_line is 1-based; use 1 for the first line"
    );
    let err = reg
        .validate(&call("shell", r#"{"command":"ls","timeout_secs":"5"}"#))
        .unwrap_err();
    assert!(err.contains("invalid type"), "{err}");
}

#[test]
fn empty_arguments_mean_an_empty_object() {
    let valid = Registry::standard()
        .validate(&call("list_files", "  "))
        .unwrap();
    assert_eq!(valid.args, json!({}));
    assert_eq!(valid.risk, Risk::Read);
    assert_eq!(valid.paths(), vec!["."]);
}

#[test]
fn double_encoded_arguments_are_accepted() {
    let valid = Registry::standard()
        .validate(&call("read_file", r#""{\"path\":\"a.txt\"}""#))
        .unwrap();
    assert_eq!(valid.paths(), vec!["a.txt"]);
}

#[test]
fn specs_are_plain_inline_object_schemas() {
    let specs = Registry::standard().specs();
    let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, Registry::standard().names());
    for spec in &specs {
        let p = &spec.parameters;
        assert_eq!(p["type"], "object", "{}", spec.name);
        assert_eq!(p["additionalProperties"], false, "{}", spec.name);
        let text = p.to_string();
        for clutter in ["$schema", "$ref", "title", "definitions", "uint"] {
            assert!(
                !text.contains(clutter),
                "{} schema has {clutter}: {text}",
                spec.name
            );
        }
    }
    let read = &specs[0].parameters;
    assert_eq!(
        read["properties"]["start_line"]["type"], "integer",
        "optional fields are not nullable"
    );
    assert_eq!(read["properties"]["start_line"]["minimum"], 1);
    assert!(read["properties"]["start_line"].get("default").is_none());
    assert_eq!(read["required"], json!(["path"]));
    assert!(
        read["properties"]["start_line"]["description"]
            .as_str()
            .unwrap()
            .contains("1-based")
    );
    let shell = specs.iter().find(|s| s.name == "shell").unwrap();
    assert_eq!(shell.risk, Risk::Exec);
    assert_eq!(serde_json::to_value(Risk::Write).unwrap(), json!("write"));
}

#[test]
fn describe_command_and_paths() {
    let reg = Registry::standard();
    let shell = reg
        .validate(&call("shell", r#"{"command":"cargo test"}"#))
        .unwrap();
    assert_eq!(shell.describe(), "shell: cargo test");
    assert_eq!(shell.command(), Some("cargo test"));
    assert!(shell.paths().is_empty());
    let write = reg
        .validate(&call(
            "write_file",
            r#"{"path":"src/a.py","content":"abc"}"#,
        ))
        .unwrap();
    assert_eq!(write.describe(), "write_file: src/a.py (3 bytes)");
    assert_eq!(write.command(), None);
    assert_eq!(write.paths(), vec!["src/a.py"]);
    let edit = reg
        .validate(&call(
            "edit_file",
            r#"{"path":"x.rs","old_string":"a","new_string":"b\nc"}"#,
        ))
        .unwrap();
    assert_eq!(
        edit.describe(),
        "edit_file: x.rs (replace 1 line with 2 lines)"
    );
    let read = reg
        .validate(&call("read_file", r#"{"path":"x.rs","start_line":5}"#))
        .unwrap();
    assert_eq!(read.describe(), "read_file: x.rs (lines 5-end)");
}
