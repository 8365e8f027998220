//! Output of an unknown runner: error lines that point at a file.

use std::sync::LazyLock;

use regex::Regex;

use super::{file_line, one_line, re};
use crate::Failure;

static ERRORISH: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\berror\b|FAIL|panic"));
const MAX: usize = 50;

/// Lines that mention an error or a failure, with the first `file:line`
/// on that line or the next two (rustc prints ` --> file:line:col` below).
/// When none point anywhere, one failure carries the exit code and the
/// last line of output.
pub fn failures(output: &str, exit_code: Option<i32>) -> Vec<Failure> {
    let lines: Vec<&str> = output.lines().collect();
    let mut out: Vec<Failure> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if out.len() >= MAX {
            break;
        }
        if !ERRORISH.is_match(line) {
            continue;
        }
        let found = lines[i..lines.len().min(i + 3)]
            .iter()
            .find_map(|l| file_line(l));
        if let Some((file, n)) = found {
            let message = one_line(line, 300);
            if out
                .iter()
                .any(|f| f.message == message && f.file.as_deref() == Some(&file))
            {
                continue;
            }
            let mut f = Failure::new("error", message);
            f.file = Some(file);
            f.line = Some(n);
            out.push(f);
        }
    }
    if out.is_empty() {
        let last = lines
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| !l.is_empty())
            .unwrap_or("");
        let code = exit_code.map_or_else(
            || "no exit code (killed or timed out)".to_string(),
            |c| format!("exit code {c}"),
        );
        let message = if last.is_empty() {
            code
        } else {
            format!("{code}: {}", one_line(last, 300))
        };
        out.push(Failure::new("command failed", message));
    }
    out
}
