//! Catches the small-model mistake of "adding a function" by overwriting a
//! whole file with just that function: a `write_file` that would drop most
//! of an existing file's code is refused with what it would lose.

use std::path::Path;

use chamber_protocol::ToolCall;

/// Files shorter than this (non-blank lines) may be rewritten freely.
const MIN_LINES: usize = 4;

/// Why a `write_file` call would destroy most of an existing file, or
/// `None` when it is fine (another tool, a new file, or most lines kept).
pub fn destructive_write(workspace: &Path, call: &ToolCall) -> Option<String> {
    if call.name != "write_file" {
        return None;
    }
    let args: serde_json::Value = serde_json::from_str(&call.arguments).ok()?;
    let rel = args["path"].as_str()?;
    let content = args["content"].as_str()?;
    let path = workspace.join(rel.trim_start_matches("./"));
    if !path.starts_with(workspace) {
        return None;
    }
    let old = std::fs::read_to_string(&path).ok()?;
    let old_lines: Vec<&str> = old
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if old_lines.len() < MIN_LINES {
        return None;
    }
    let new_lines: std::collections::HashSet<&str> = content
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lost: Vec<&str> = old_lines
        .iter()
        .copied()
        .filter(|l| !new_lines.contains(l))
        .collect();
    if lost.len() * 2 <= old_lines.len() {
        return None;
    }
    let examples: Vec<&str> = lost.iter().copied().take(3).collect();
    Some(format!(
        "not written: this would delete {} of the {} lines of {rel} (for example `{}`). \
         To add or change code, use edit_file with a small old_string from the file, \
         or write the whole file including the code that must stay.",
        lost.len(),
        old_lines.len(),
        examples.join("`, `")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: serde_json::Value) -> ToolCall {
        ToolCall {
            id: "c".into(),
            name: name.into(),
            arguments: args.to_string(),
        }
    }

    #[test]
    fn overwriting_most_of_a_file_is_refused_keeping_it_is_fine() {
        let tmp = tempfile::tempdir().unwrap();
        let old = "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n";
        std::fs::write(tmp.path().join("mathx.py"), old).unwrap();
        let lossy = call(
            "write_file",
            serde_json::json!({"path": "./mathx.py",
            "content": "def is_prime(n):\n    return n > 1\n"}),
        );
        let problem = destructive_write(tmp.path(), &lossy).unwrap();
        assert!(problem.contains("delete 4 of the 4 lines") && problem.contains("def gcd"));
        let kept = call(
            "write_file",
            serde_json::json!({"path": "mathx.py",
            "content": format!("{old}\n\ndef is_prime(n):\n    return n > 1\n")}),
        );
        assert!(destructive_write(tmp.path(), &kept).is_none());
        let new_file = call(
            "write_file",
            serde_json::json!({"path": "new.py", "content": "x = 1\n"}),
        );
        assert!(destructive_write(tmp.path(), &new_file).is_none());
        let edit = call("edit_file", serde_json::json!({"path": "mathx.py"}));
        assert!(destructive_write(tmp.path(), &edit).is_none());
    }
}
