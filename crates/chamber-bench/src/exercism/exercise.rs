//! One Exercism practice exercise: the set file naming them, reading an
//! exercise from the checkout, laying it out in a work directory, and the
//! texts both solvers are given.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::BenchError;
use crate::process::io_err;

/// The instructions file written into every work directory.
pub const INSTRUCTIONS: &str = "INSTRUCTIONS.md";
/// The most characters of test output a retry is told.
const FEEDBACK_MAX: usize = 4000;

/// An exercise as read from the checkout.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// Its slug (`leap`).
    pub slug: String,
    /// Its folder in the checkout.
    pub dir: PathBuf,
    /// The stub files to implement (relative to `dir`).
    pub solution: Vec<String>,
    /// The test files that judge it (relative to `dir`).
    pub tests: Vec<String>,
    /// Introduction, instructions and appended instructions, in that order.
    pub instructions: String,
}

/// `.meta/config.json`, the part we read.
#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    files: MetaFiles,
}

#[derive(Debug, Default, Deserialize)]
struct MetaFiles {
    #[serde(default)]
    solution: Vec<String>,
    #[serde(default)]
    test: Vec<String>,
}

fn bad_input(message: String, hint: &'static str) -> BenchError {
    BenchError::BadInput {
        message,
        hint: Some(hint),
    }
}

/// The slugs of a set file: one per line, blank lines and `#` comments skipped.
pub fn read_set(path: &Path) -> Result<Vec<String>, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(io_err(format!("cannot read the set {}", path.display())))?;
    let slugs = parse_set(&text);
    if slugs.is_empty() {
        return Err(bad_input(
            format!("the set {} names no exercise", path.display()),
            "write one exercise slug per line, such as `leap`",
        ));
    }
    Ok(slugs)
}

fn parse_set(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads exercise `slug` from the checkout at `repo`.
pub fn load(repo: &Path, slug: &str) -> Result<Exercise, BenchError> {
    let dir = repo.join("exercises/practice").join(slug);
    if !dir.is_dir() {
        return Err(BenchError::NotFound {
            message: format!("no exercise {slug}: {} is not a folder", dir.display()),
            hint: Some("--repo is the exercism/python checkout; check the slug in the set"),
        });
    }
    let meta: Meta = match std::fs::read_to_string(dir.join(".meta/config.json")) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            bad_input(
                format!("{slug}/.meta/config.json: {e}"),
                "files.solution and files.test are lists of file names",
            )
        })?,
        Err(_) => Meta::default(),
    };
    let module = slug.replace('-', "_");
    let or_default = |list: Vec<String>, default: String| {
        if list.is_empty() { vec![default] } else { list }
    };
    let solution = or_default(meta.files.solution, format!("{module}.py"));
    let tests = or_default(meta.files.test, format!("{module}_test.py"));
    for file in solution.iter().chain(&tests) {
        if !dir.join(file).is_file() {
            return Err(BenchError::NotFound {
                message: format!("exercise {slug} has no {file}"),
                hint: None,
            });
        }
    }
    let mut instructions = String::new();
    for doc in [
        "introduction.md",
        "instructions.md",
        "instructions.append.md",
    ] {
        if let Ok(text) = std::fs::read_to_string(dir.join(".docs").join(doc)) {
            instructions.push_str(text.trim());
            instructions.push_str("\n\n");
        }
    }
    Ok(Exercise {
        slug: slug.to_string(),
        dir,
        solution,
        tests,
        instructions,
    })
}

impl Exercise {
    /// Writes the stubs, the tests and `INSTRUCTIONS.md` into `work`.
    pub fn lay_out(&self, work: &Path) -> Result<(), BenchError> {
        for file in self.solution.iter().chain(&self.tests) {
            let target = work.join(file);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io_err(format!("cannot create {}", parent.display())))?;
            }
            std::fs::copy(self.dir.join(file), &target)
                .map_err(io_err(format!("cannot copy {}/{file}", self.slug)))?;
        }
        std::fs::write(work.join(INSTRUCTIONS), &self.instructions)
            .map_err(io_err(format!("cannot write {}", work.display())))
    }

    /// The test files, as paths relative to a work directory.
    pub fn test_paths(&self) -> Vec<PathBuf> {
        self.tests.iter().map(PathBuf::from).collect()
    }

    /// What is asked of both solvers, in one sentence of rules.
    fn ask(&self) -> String {
        format!(
            "Implement the exercise in {} so that the tests in {} pass. Keep the names of the \
             existing functions and classes (the tests use them), use only the Python standard \
             library, and do not change the tests.",
            self.solution.join(", "),
            self.tests.join(", ")
        )
    }

    /// The task given to `chamber run` in the exercise's repo.
    pub fn task(&self) -> String {
        format!("{} The instructions are in {INSTRUCTIONS}.", self.ask())
    }

    /// The ideal prompt of the model alone: instructions, stubs and tests in
    /// one message, asking for the whole solution file in one code block.
    pub fn prompt(&self) -> String {
        let mut text = format!("# Instructions\n\n{}", self.instructions);
        for file in self.solution.iter().chain(&self.tests) {
            let body = std::fs::read_to_string(self.dir.join(file)).unwrap_or_default();
            text.push_str(&format!(
                "# {file}\n\n```python\n{}\n```\n\n",
                body.trim_end()
            ));
        }
        text.push_str(&format!(
            "{}\n\nAnswer with the whole content of {} in one fenced ```python code block.",
            self.ask(),
            self.solution
                .first()
                .map(String::as_str)
                .unwrap_or_default()
        ));
        text
    }
}

/// What a retry is told: the tail of the judge's output.
pub fn feedback(test_output: &str) -> String {
    format!(
        "The tests failed:\n```\n{}\n```\nFix the code so that they pass.",
        tail(test_output, FEEDBACK_MAX)
    )
}

/// The last `max` characters of `text`, starting at a line.
fn tail(text: &str, max: usize) -> &str {
    let text = text.trim_end();
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let cut = &text[start..];
    cut.find('\n').map(|i| &cut[i + 1..]).unwrap_or(cut)
}

/// The code of an answer: its longest fenced block tagged Python (or
/// untagged), else its longest fenced block of any language.
pub fn code_block(answer: &str) -> Option<String> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in answer.lines() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(lang) = trimmed.strip_prefix("```") {
                    open = Some((lang.trim().to_lowercase(), String::new()));
                }
            }
            Some((lang, mut body)) => {
                if trimmed.trim_end() == "```" {
                    blocks.push((lang, body));
                } else {
                    body.push_str(line);
                    body.push('\n');
                    open = Some((lang, body));
                }
            }
        }
    }
    let longest = |python: bool| {
        blocks
            .iter()
            .filter(|(lang, _)| {
                !python || matches!(lang.as_str(), "" | "python" | "py" | "python3")
            })
            .max_by_key(|(_, body)| body.len())
            .map(|(_, body)| body.clone())
    };
    longest(true).or_else(|| longest(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_files_skip_blanks_and_comments() {
        let text = "# dev set\nleap\n\n  clock  # with a comment\n#hamming\n";
        assert_eq!(parse_set(text), vec!["leap", "clock"]);
    }

    #[test]
    fn the_longest_python_block_is_the_answer() {
        let answer = "Here:\n```text\nlong long long long long long\n```\n```python\ndef f():\n    return 1\n```\nand\n```\nx = 1\n```\n";
        assert_eq!(
            code_block(answer).as_deref(),
            Some("def f():\n    return 1\n")
        );
        assert_eq!(code_block("```sh\nls\n```").as_deref(), Some("ls\n"));
        assert_eq!(code_block("no code at all"), None);
        assert_eq!(code_block("```python\nunclosed\n"), None);
    }

    #[test]
    fn feedback_keeps_the_end_of_long_output() {
        let long = format!("{}\nFAILED (failures=1)\n", "x\n".repeat(5000));
        let text = feedback(&long);
        assert!(text.contains("FAILED (failures=1)"));
        assert!(text.len() < FEEDBACK_MAX + 100);
    }
}
