//! Where function bodies are, so that changes land inside functions:
//! Rust `fn` items (brace-delimited) and Python `def`s (indented).

use super::mutate::Lang;

/// Function bodies as `(first, end)` line ranges (end exclusive), without
/// the signature and closing lines, at least 5 lines long.
pub fn bodies(lines: &[&str], lang: Lang) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = match lang {
            Lang::Rust => rust_body(lines, i, line),
            Lang::Python => python_body(lines, i, line),
        };
        if let Some((start, end)) = body
            && end >= start + 5
        {
            out.push((start, end));
        }
    }
    out
}

/// Leading whitespace of `line`, in bytes.
pub fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn rust_body(lines: &[&str], i: usize, line: &str) -> Option<(usize, usize)> {
    let t = line.trim_start();
    let is_fn = t.starts_with("fn ")
        || ["pub", "async", "const", "unsafe"]
            .iter()
            .any(|p| t.starts_with(p))
            && t.contains(" fn ");
    if !is_fn || t.ends_with(';') {
        return None;
    }
    let depth = indent_of(line);
    let open = (i..lines.len().min(i + 12)).find(|&j| lines[j].trim_end().ends_with('{'))?;
    let close = (open + 1..lines.len())
        .find(|&j| indent_of(lines[j]) == depth && lines[j].trim_start().starts_with('}'))?;
    Some((open + 1, close))
}

fn python_body(lines: &[&str], i: usize, line: &str) -> Option<(usize, usize)> {
    let t = line.trim_start();
    if !(t.starts_with("def ") || t.starts_with("async def ")) {
        return None;
    }
    let depth = indent_of(line);
    let colon = (i..lines.len().min(i + 12)).find(|&j| lines[j].trim_end().ends_with(':'))?;
    let mut end = colon + 1;
    for (j, l) in lines.iter().enumerate().skip(colon + 1) {
        if l.trim().is_empty() {
            continue;
        }
        if indent_of(l) <= depth {
            break;
        }
        end = j + 1;
    }
    Some((colon + 1, end))
}
