use std::path::Path;

use chamber_config::AgentConfig;
use chamber_protocol::ToolCall;
use chamber_tools::{Registry, ToolContext};

/// What the model is told about the project besides the task: instruction
/// files and a project tree summary. The full context builder (repo map,
/// retrieval, history) replaces this in the index issue.
pub struct ProjectContext {
    /// `(path, contents)` of each instruction file found.
    pub instructions: Vec<(String, String)>,
    /// The gitignore-aware project tree, trimmed.
    pub tree: String,
    /// `(path, contents)` of small files the task names, so the model sees
    /// the code it is asked about without spending a turn (and small models
    /// without guessing at it).
    pub named_files: Vec<(String, String)>,
}

/// Largest file shown because the task names it.
const NAMED_FILE_CAP: usize = 6 * 1024;

/// Most files shown because the task names them.
const NAMED_FILES_MAX: usize = 4;

/// Files under `dir` that `task` names by path (`calc.py`, `src/lib.rs`),
/// small enough to show whole.
fn named_files(dir: &Path, task: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for word in task.split_whitespace() {
        // Dots go too: a sentence's full stop, and dotfiles (`.env`) are
        // never shown unasked.
        let name = word.trim_matches(|c: char| !(c.is_alphanumeric() || "_-/".contains(c)));
        if name.is_empty()
            || !(name.contains('.') || name.contains('/'))
            || name.starts_with('/')
            || name.split('/').any(|part| part == "..")
            || found.iter().any(|(n, _)| n == name)
        {
            continue;
        }
        let path = dir.join(name);
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() || meta.len() as usize > NAMED_FILE_CAP {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            found.push((name.to_string(), text));
        }
        if found.len() == NAMED_FILES_MAX {
            break;
        }
    }
    found
}

const INSTRUCTION_CAP: usize = 8 * 1024;

impl ProjectContext {
    /// Reads instruction files, lists the tree under `dir` and reads the
    /// small files `task` names.
    pub async fn gather(dir: &Path, config: &AgentConfig, registry: &Registry, task: &str) -> Self {
        let mut instructions = Vec::new();
        for name in &config.instruction_files {
            if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
                let mut text = text;
                if text.len() > INSTRUCTION_CAP {
                    let mut cut = INSTRUCTION_CAP;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                    text.push_str("\n[… truncated]");
                }
                instructions.push((name.clone(), text));
            }
        }
        let call = ToolCall {
            id: "context".into(),
            name: "list_files".into(),
            arguments: r#"{"path":".","max_depth":4}"#.into(),
        };
        let tree = match registry.validate(&call) {
            Ok(valid) => {
                let result = registry
                    .execute(&valid, &ToolContext::new(dir.to_path_buf()))
                    .await;
                let lines: Vec<&str> = result.stdout.lines().collect();
                let keep = config.tree_max_entries.max(1);
                let mut tree = lines
                    .iter()
                    .take(keep)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("\n");
                if lines.len() > keep {
                    tree.push_str(&format!("\n[… {} more entries]", lines.len() - keep));
                }
                tree
            }
            Err(_) => String::new(),
        };
        Self {
            instructions,
            tree,
            named_files: named_files(dir, task),
        }
    }

    /// The context as text for a prompt.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, text) in &self.instructions {
            out.push_str(&format!(
                "## Instructions from {name}\n{}\n\n",
                text.trim_end()
            ));
        }
        out.push_str("## Project files\n");
        if self.tree.trim().is_empty() {
            out.push_str("(empty)\n");
        } else {
            out.push_str(&self.tree);
            out.push('\n');
        }
        for (name, text) in &self.named_files {
            out.push_str(&format!(
                "\n## {name} (as it was when the run started)\n```\n{}\n```\n",
                text.trim_end()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_the_task_names_are_read_when_small() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("calc.py"),
            "def add(a, b):\n    return a + b\n",
        )
        .unwrap();
        std::fs::create_dir(tmp.path().join("src")).unwrap();
        std::fs::write(
            tmp.path().join("src/big.rs"),
            "x".repeat(NAMED_FILE_CAP + 1),
        )
        .unwrap();
        let found = named_files(
            tmp.path(),
            "Add greet() to `calc.py`. Also see src/big.rs, ../etc/passwd and missing.py.",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "calc.py");
        assert!(found[0].1.contains("def add"));
    }
}
