//! After a recipe's run: its success checks (commands that must pass) and
//! its structured answer (JSON matching the recipe's schema).

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

/// Most characters of a check's output kept for the report.
const OUTPUT_TAIL_CHARS: usize = 2000;

/// How one success check went.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// What it checks.
    pub name: String,
    /// The command run.
    pub command: String,
    /// It exited 0 in time.
    pub passed: bool,
    /// Its exit code; none when it timed out or could not start.
    pub exit_code: Option<i32>,
    /// The tail of its output (stdout then stderr).
    pub output: String,
}

/// Runs each check with `bash -c` in `dir`, one after another.
pub async fn run_checks(
    dir: &Path,
    checks: &[(String, String)],
    timeout: Duration,
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for (name, command) in checks {
        let mut cmd = tokio::process::Command::new("bash");
        cmd.arg("-c")
            .arg(command)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let (exit_code, output) = match tokio::time::timeout(timeout, cmd.output()).await {
            Ok(Ok(out)) => {
                let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&out.stderr));
                (out.status.code(), text)
            }
            Ok(Err(e)) => (None, format!("could not start: {e}")),
            Err(_) => (None, format!("timed out after {} s", timeout.as_secs())),
        };
        results.push(CheckResult {
            name: name.clone(),
            command: command.clone(),
            passed: exit_code == Some(0),
            exit_code,
            output: tail(output.trim_end()),
        });
    }
    results
}

fn tail(text: &str) -> String {
    let count = text.chars().count();
    if count <= OUTPUT_TAIL_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().skip(count - OUTPUT_TAIL_CHARS).collect();
    format!("…{kept}")
}

/// The JSON object in `answer` (the whole text, or its first `{` to its
/// last `}`), checked against `schema`; the error lists what is wrong.
pub fn check_answer(schema: &serde_json::Value, answer: &str) -> Result<serde_json::Value, String> {
    let text = answer.trim();
    let value: serde_json::Value = serde_json::from_str(text)
        .or_else(|_| {
            let start = text.find('{').ok_or("the answer holds no JSON object")?;
            let end = text.rfind('}').ok_or("the answer holds no JSON object")?;
            serde_json::from_str(text.get(start..=end).unwrap_or_default())
                .map_err(|_| "the answer's JSON does not parse")
        })
        .map_err(|e: &str| e.to_string())?;
    let validator = jsonschema::validator_for(schema).map_err(|e| e.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(format!(
            "the answer does not match the recipe's schema: {}",
            errors.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn checks_pass_and_fail_by_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let checks = vec![
            ("ok".to_string(), "echo fine".to_string()),
            ("bad".to_string(), "echo nope >&2; exit 3".to_string()),
        ];
        let results = run_checks(dir.path(), &checks, Duration::from_secs(30)).await;
        assert!(results[0].passed);
        assert!(!results[1].passed);
        assert_eq!(results[1].exit_code, Some(3));
        assert!(results[1].output.contains("nope"));
    }

    #[test]
    fn answers_are_checked_against_the_schema() {
        let schema = json!({"type": "object", "required": ["summary"],
            "properties": {"summary": {"type": "string"}}});
        let ok = check_answer(&schema, "Here: {\"summary\": \"x\"} done").unwrap();
        assert_eq!(ok["summary"], "x");
        let err = check_answer(&schema, "{\"other\": 1}").unwrap_err();
        assert!(err.contains("summary"), "{err}");
        assert!(check_answer(&schema, "no json").is_err());
    }
}
