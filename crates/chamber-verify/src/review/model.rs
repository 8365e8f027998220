//! The model review's pure parts: the bounded prompt (secrets redacted),
//! the JSON Schema of the answer, and a tolerant reader of the answer that
//! keeps only comments pointing into the diff.

use serde_json::{Value, json};

use super::secrets::redact;
use super::{FileDiff, Finding, Severity};

/// The system prompt of a model review.
pub const SYSTEM: &str = "You review code changes. You get a unified diff. Report real problems only: bugs, \
security issues, missing error handling, broken edge cases, misleading names or comments. \
Do not comment on style a formatter would fix, and do not praise. Each comment names the file \
as written after `+++ b/` and a line number in the new file that the diff shows. Severity: \
`error` for bugs and security problems that must be fixed, `warning` for likely problems, \
`info` for suggestions. Answer with JSON only: {\"comments\": [{\"file\", \"line\", \"severity\", \
\"comment\"}]}; an empty list when the change looks right.";

/// Name of the constrained-output schema.
pub const SCHEMA_NAME: &str = "review_comments";

/// JSON Schema of the answer: `{comments: [{file, line, severity, comment}]}`.
pub fn comments_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "comments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string"},
                        "line": {"type": "integer"},
                        "severity": {"type": "string", "enum": ["error", "warning", "info"]},
                        "comment": {"type": "string"}
                    },
                    "required": ["file", "line", "severity", "comment"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["comments"],
        "additionalProperties": false
    })
}

/// The user message: the diff with secrets redacted, cut at a line boundary
/// to at most `max_chars` characters (saying so when cut).
pub fn user_prompt(diff: &str, max_chars: usize) -> String {
    let mut body = String::new();
    let mut cut = false;
    for line in diff.lines() {
        let line = redact(line);
        if body.len() + line.len() + 1 > max_chars {
            cut = true;
            break;
        }
        body.push_str(&line);
        body.push('\n');
    }
    let note = if cut {
        "\n(The diff was cut here; review what is shown.)\n"
    } else {
        ""
    };
    format!("Review this change.\n\n```diff\n{body}```\n{note}")
}

/// Reads the model's answer into findings (check `model`), dropping
/// comments that are empty or point at files or lines outside the diff.
/// Returns the findings and how many comments were dropped.
pub fn parse_comments(answer: &str, files: &[FileDiff]) -> (Vec<Finding>, usize) {
    let Some(value) = json_in(answer) else {
        return (Vec::new(), 0);
    };
    let items = match &value {
        Value::Array(items) => items.clone(),
        Value::Object(map) => map
            .get("comments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut kept = Vec::new();
    let mut dropped = 0;
    for item in &items {
        match comment(item, files) {
            Some(f) => kept.push(f),
            None => dropped += 1,
        }
    }
    (kept, dropped)
}

fn comment(item: &Value, files: &[FileDiff]) -> Option<Finding> {
    let text = item
        .get("comment")
        .or_else(|| item.get("message"))
        .or_else(|| item.get("body"))
        .and_then(Value::as_str)?
        .trim();
    let file = item
        .get("file")
        .or_else(|| item.get("path"))
        .and_then(Value::as_str)?
        .trim();
    let file = file
        .strip_prefix("b/")
        .filter(|f| files.iter().any(|d| d.path == *f))
        .unwrap_or(file);
    let line = match item.get("line")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    let line = u32::try_from(line).ok()?;
    let diff = files.iter().find(|d| d.path == file)?;
    if text.is_empty() || !diff.covers(line) {
        return None;
    }
    let severity = item
        .get("severity")
        .and_then(Value::as_str)
        .map_or(Severity::Warning, Severity::parse_loose);
    Some(Finding::new(severity, "model", file, Some(line), text))
}

/// The first JSON value in a text: the whole text, a fenced block, or the
/// outermost braces.
fn json_in(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(v) = serde_json::from_str(t) {
        return Some(v);
    }
    let unfenced = t
        .split("```")
        .nth(1)
        .map(|b| b.trim_start_matches("json").trim());
    if let Some(v) = unfenced.and_then(|b| serde_json::from_str(b).ok()) {
        return Some(v);
    }
    let (start, end) = (t.find('{')?, t.rfind('}')?);
    (start < end)
        .then(|| serde_json::from_str(&t[start..=end]).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::parse_diff;

    const DIFF: &str = "diff --git a/src/a.py b/src/a.py
--- a/src/a.py
+++ b/src/a.py
@@ -10,2 +10,3 @@
 def f(x):
+    KEY = 'AKIAZ4XQ7LMN2PRT5VWA'
     return x / 0
";

    #[test]
    fn keeps_comments_inside_the_diff() {
        let files = parse_diff(DIFF);
        let answer = r#"Here you go:
```json
{"comments": [
  {"file": "src/a.py", "line": 12, "severity": "error", "comment": "division by zero"},
  {"file": "b/src/a.py", "line": "11", "severity": "nit", "comment": "name the key"},
  {"file": "src/a.py", "line": 99, "severity": "error", "comment": "outside"},
  {"file": "other.py", "line": 1, "severity": "error", "comment": "not in diff"},
  {"file": "src/a.py", "line": 10, "comment": ""}
]}
```"#;
        let (kept, dropped) = parse_comments(answer, &files);
        assert_eq!(dropped, 3);
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (kept[0].line, kept[0].severity, kept[0].message.as_str()),
            (Some(12), Severity::Error, "division by zero")
        );
        assert_eq!(
            (kept[1].file.as_str(), kept[1].severity),
            ("src/a.py", Severity::Info)
        );
        assert_eq!(kept[1].check, "model");
    }

    #[test]
    fn tolerates_garbage_and_bare_arrays() {
        let files = parse_diff(DIFF);
        assert_eq!(parse_comments("no json here", &files), (Vec::new(), 0));
        let (kept, _) = parse_comments(
            r#"[{"path": "src/a.py", "line": 11, "message": "hm"}]"#,
            &files,
        );
        assert_eq!(kept[0].severity, Severity::Warning);
    }

    #[test]
    fn prompt_is_bounded_and_redacted() {
        let p = user_prompt(DIFF, 10_000);
        assert!(
            p.contains("AKIA…(20 chars)") && !p.contains("Z4XQ7LMN"),
            "{p}"
        );
        assert!(!p.contains("was cut"));
        let p = user_prompt(DIFF, 60);
        assert!(p.contains("was cut") && !p.contains("return x"), "{p}");
        assert!(comments_schema()["required"][0] == "comments");
    }
}
