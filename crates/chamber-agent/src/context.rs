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
}

const INSTRUCTION_CAP: usize = 8 * 1024;

impl ProjectContext {
    /// Reads instruction files and lists the tree under `dir`.
    pub async fn gather(dir: &Path, config: &AgentConfig, registry: &Registry) -> Self {
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
        Self { instructions, tree }
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
        out
    }
}
