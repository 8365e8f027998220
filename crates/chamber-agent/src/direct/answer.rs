//! Reading a file out of a small model's answer: the fenced code block it
//! was asked for, or plain code; and when there is none, the precise
//! problem, so the retry message says exactly what to fix.

/// What an answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The file's new content.
    Code(String),
    /// Why no usable content came back.
    Problem(Problem),
}

/// Why an answer could not be used as the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Nothing, or only whitespace.
    Empty,
    /// A code block that never closed: the answer was cut off.
    Truncated,
    /// Prose without any code.
    NoCode,
    /// The file exactly as it already is.
    Unchanged,
}

impl Problem {
    /// The message that tells the model what went wrong and what to send.
    pub fn retry_message(self, path: &str, lang: &str) -> String {
        let ask = format!(
            "Answer again with the complete content of `{path}` in one ```{lang} code block."
        );
        match self {
            Problem::Empty => format!("Your answer was empty. {ask}"),
            Problem::Truncated => format!(
                "Your answer was cut off before the closing ``` (it was too long). Leave out comments and explanations. {ask}"
            ),
            Problem::NoCode => {
                format!("Your answer had no code block, so `{path}` was not changed. {ask}")
            }
            Problem::Unchanged => format!(
                "Your answer was `{path}` exactly as it is now; it must change to do the task. {ask}"
            ),
        }
    }

    /// Short name for events and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Empty => "empty answer",
            Problem::Truncated => "truncated answer",
            Problem::NoCode => "no code in the answer",
            Problem::Unchanged => "file returned unchanged",
        }
    }
}

/// The file content in `text`, for the file at `current_path` whose
/// current content is `current` (`None` for a new file). `cut_off` says
/// the model stopped at its token limit.
pub fn extract(text: &str, current_path: &str, current: Option<&str>, cut_off: bool) -> Answer {
    let ext = current_path.rsplit_once('.').map_or("", |(_, e)| e);
    if text.trim().is_empty() {
        return Answer::Problem(Problem::Empty);
    }
    let code = match fenced_blocks(text) {
        Blocks::Found(blocks) => pick(blocks, ext),
        Blocks::Unclosed => return Answer::Problem(Problem::Truncated),
        Blocks::None if cut_off => return Answer::Problem(Problem::Truncated),
        Blocks::None if looks_like_code(text) => text.trim_matches('\n').to_string(),
        Blocks::None => return Answer::Problem(Problem::NoCode),
    };
    let code = without_name_line(&code, path_name(current_path));
    if code.trim().is_empty() {
        return Answer::Problem(Problem::Empty);
    }
    let mut code = code;
    if !code.ends_with('\n') {
        code.push('\n');
    }
    if current.is_some_and(|c| c.trim_end() == code.trim_end()) {
        return Answer::Problem(Problem::Unchanged);
    }
    Answer::Code(code)
}

/// A file's name without its folders.
fn path_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `code` without a first line that is only a comment naming the file
/// (`# hello.py`, `// src/lib.rs`): models label the block that way, and
/// the label is not part of the file.
fn without_name_line(code: &str, name: &str) -> String {
    let mut lines = code.lines();
    let Some(first) = lines.next() else {
        return code.to_string();
    };
    let label = first
        .trim()
        .trim_start_matches(['#', '/', '-', '*', ' '])
        .trim_start_matches("File:")
        .trim_start_matches("file:")
        .trim();
    let is_comment = ["#", "//", "--", "/*"]
        .iter()
        .any(|c| first.trim_start().starts_with(c));
    if is_comment && !name.is_empty() && (label == name || label.ends_with(&format!("/{name}"))) {
        let rest: Vec<&str> = lines.collect();
        let mut out = rest.join("\n");
        if code.ends_with('\n') {
            out.push('\n');
        }
        return out;
    }
    code.to_string()
}

enum Blocks {
    Found(Vec<(String, String)>),
    Unclosed,
    None,
}

/// Every fenced block as `(info string, body)`.
fn fenced_blocks(text: &str) -> Blocks {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String, String)> = None; // (fence, info, body)
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(fence) = fence_of(trimmed) {
                    let info = trimmed[fence.len()..].trim().to_string();
                    open = Some((fence, info, String::new()));
                }
            }
            Some((fence, _, body)) => {
                if trimmed.trim_end() == fence.as_str() {
                    if let Some((_, info, body)) = open.take() {
                        blocks.push((info, body));
                    }
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    match (blocks.is_empty(), open) {
        (false, _) => Blocks::Found(blocks),
        (true, Some(_)) => Blocks::Unclosed,
        (true, None) => Blocks::None,
    }
}

/// The fence a line opens with (three or more backticks or tildes).
fn fence_of(line: &str) -> Option<String> {
    for mark in ['`', '~'] {
        let n = line.chars().take_while(|c| *c == mark).count();
        if n >= 3 {
            return Some(mark.to_string().repeat(n));
        }
    }
    None
}

/// The block meant as the file: one tagged with the file's language, else
/// the longest (models sometimes add a usage example after the file).
fn pick(blocks: Vec<(String, String)>, ext: &str) -> String {
    let tags = language_tags(ext);
    let tagged: Vec<&(String, String)> = blocks
        .iter()
        .filter(|(info, _)| {
            let first = info.split_whitespace().next().unwrap_or("");
            tags.contains(&first.to_ascii_lowercase().as_str())
        })
        .collect();
    let pool: Vec<&(String, String)> = if tagged.is_empty() {
        blocks.iter().collect()
    } else {
        tagged
    };
    pool.into_iter()
        .max_by_key(|(_, body)| body.len())
        .map(|(_, body)| body.clone())
        .unwrap_or_default()
}

/// Info strings that name the language of files with extension `ext`.
pub fn language_tags(ext: &str) -> &'static [&'static str] {
    match ext {
        "py" => &["python", "py", "python3"],
        "rs" => &["rust", "rs"],
        "js" | "mjs" | "cjs" => &["javascript", "js"],
        "ts" => &["typescript", "ts"],
        "go" => &["go", "golang"],
        "sh" => &["bash", "sh", "shell"],
        "md" => &["markdown", "md"],
        "toml" => &["toml"],
        "json" => &["json"],
        _ => &[],
    }
}

/// The fence tag to ask for, for a file with extension `ext`.
pub fn fence_tag(ext: &str) -> &'static str {
    language_tags(ext).first().copied().unwrap_or("")
}

/// Whether unfenced text reads as code rather than prose: its first line
/// starts like a statement.
fn looks_like_code(text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    const STARTS: &[&str] = &[
        "def ",
        "class ",
        "import ",
        "from ",
        "fn ",
        "pub ",
        "use ",
        "#",
        "//",
        "/*",
        "package ",
        "const ",
        "let ",
        "function ",
        "export ",
        "print(",
        "@",
        "mod ",
        "struct ",
        "impl ",
        "\"\"\"",
        "'''",
    ];
    STARTS.iter().any(|s| first.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_block_tagged_with_the_language() {
        let text = "Here:\n```python\ndef f():\n    return 1\n```\nUsage:\n```\nf()\n```\n";
        assert_eq!(
            extract(text, "f.py", None, false),
            Answer::Code("def f():\n    return 1\n".into())
        );
    }

    #[test]
    fn an_unclosed_block_is_truncated() {
        let text = "```python\ndef f():\n    return";
        assert_eq!(
            extract(text, "f.py", None, true),
            Answer::Problem(Problem::Truncated)
        );
    }

    #[test]
    fn plain_code_is_accepted_and_prose_is_not() {
        assert_eq!(
            extract("print('hello')", "f.py", None, false),
            Answer::Code("print('hello')\n".into())
        );
        assert_eq!(
            extract("I would write a function.", "f.py", None, false),
            Answer::Problem(Problem::NoCode)
        );
        assert_eq!(
            extract(" \n", "f.py", None, false),
            Answer::Problem(Problem::Empty)
        );
    }

    #[test]
    fn the_stub_sent_back_is_unchanged() {
        let stub = "def leap_year(year):\n    pass\n";
        let text = format!("```python\n{stub}```");
        assert_eq!(
            extract(&text, "leap.py", Some(stub), false),
            Answer::Problem(Problem::Unchanged)
        );
    }

    #[test]
    fn a_first_line_naming_the_file_is_dropped() {
        let text = "```python\n# hello.py\nprint('hello')\n```";
        assert_eq!(
            extract(text, "hello.py", None, false),
            Answer::Code("print('hello')\n".into())
        );
        let text = "```python\n# say hello\nprint('hello')\n```";
        assert_eq!(
            extract(text, "hello.py", None, false),
            Answer::Code("# say hello\nprint('hello')\n".into())
        );
    }

    #[test]
    fn retry_messages_name_the_file() {
        let m = Problem::Truncated.retry_message("leap.py", "python");
        assert!(m.contains("cut off") && m.contains("`leap.py`") && m.contains("```python"));
    }
}
