use std::path::Path;

use std::time::Duration;

use chamber_config::{AgentConfig, Config};
use chamber_index::context::{BuiltContext, ContextOptions, PieceKind, context_for_task};
use chamber_index::{Index, IndexOptions};
use chamber_protocol::{ContextPiece, ToolCall};
use chamber_tools::{Registry, ToolContext};

/// What the model is told about the project besides the task: instruction
/// files, a project tree summary, and — from the codebase index — the repo
/// map, the retrieved files, their tests and recent history, fitted within
/// the context budget. When the index cannot be used the run goes on with
/// the first three and `fallback` says why.
pub struct ProjectContext {
    /// `(path, contents)` of each instruction file found.
    pub instructions: Vec<(String, String)>,
    /// The gitignore-aware project tree, trimmed.
    pub tree: String,
    /// `(path, contents)` of small files the task names, so the model sees
    /// the code it is asked about without spending a turn (and small models
    /// without guessing at it).
    pub named_files: Vec<(String, String)>,
    /// The index-based context, when it was built.
    pub built: Option<BuiltContext>,
    /// Why the index-based context was not used (disabled, failed, slow).
    pub fallback: Option<String>,
}

/// The tree's lines without `.chamber/` and what is under it (run data and
/// the index are not the project).
fn without_chamber_dir(tree: &str) -> Vec<&str> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    let mut skipping: Option<usize> = None;
    for line in tree.lines() {
        if let Some(depth) = skipping {
            if indent(line) > depth {
                continue;
            }
            skipping = None;
        }
        if line.trim() == ".chamber/" {
            skipping = Some(indent(line));
            continue;
        }
        out.push(line);
    }
    out
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

/// The context budget in tokens: `[context] budget_tokens`, and for the
/// built-in local model a quarter of its context window at most.
pub fn context_budget(config: &Config, local: bool) -> usize {
    let mut budget = config.context.budget_tokens as usize;
    if local {
        budget = budget.min(config.local.context as usize / 4);
    }
    budget
}

/// The context builder's options from the config, for `budget` tokens.
pub fn context_options(config: &Config, budget: usize) -> ContextOptions {
    ContextOptions {
        budget_tokens: budget,
        map_tokens: (config.context.map_tokens as usize).min(budget / 4),
        max_files: config.context.max_files as usize,
        max_tests: config.context.max_tests as usize,
        history_commits: config.context.history_commits as usize,
        instruction_files: crate::playbook::instruction_files(&config.agent),
    }
}

/// Updates the index of `dir` and builds the context for `task` within
/// `opts`, giving up after `timeout`.
pub async fn indexed_context(
    dir: &Path,
    config: &Config,
    task: &str,
    opts: &ContextOptions,
    timeout: Duration,
) -> Result<BuiltContext, String> {
    let work = async {
        let index = Index::open(dir, IndexOptions::from_config(&config.index))
            .await
            .map_err(|e| format!("the codebase index could not be opened: {e}"))?;
        context_for_task(&index, task, opts)
            .await
            .map(|(built, _)| built)
            .map_err(|e| format!("the codebase index failed: {e}"))
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "the codebase index took longer than {}s (context.index_timeout_secs)",
            timeout.as_secs()
        )),
    }
}

impl ProjectContext {
    /// Reads instruction files, lists the tree under `dir`, reads the small
    /// files `task` names, and (with `[context] enabled`) builds the
    /// index-based context within the budget left.
    pub async fn gather(
        dir: &Path,
        config: &Config,
        local: bool,
        registry: &Registry,
        task: &str,
    ) -> Self {
        let mut ctx = Self::gather_basic(dir, &config.agent, registry, task).await;
        if !config.context.enabled {
            ctx.fallback = Some("context.enabled is off".into());
            return ctx;
        }
        let budget = context_budget(config, local);
        let tree_tokens = chamber_index::context::estimate_tokens(&ctx.tree) + 10;
        let named: usize = ctx
            .named_files
            .iter()
            .map(|(_, t)| chamber_index::context::estimate_tokens(t) + 20)
            .sum();
        let opts = context_options(config, budget.saturating_sub(tree_tokens + named));
        let timeout = Duration::from_secs(config.context.index_timeout_secs.max(1));
        match indexed_context(dir, config, task, &opts, timeout).await {
            Ok(built) => ctx.built = Some(built),
            Err(why) => ctx.fallback = Some(why),
        }
        ctx
    }

    /// The pieces for the trace (empty without the index-based context).
    pub fn pieces(&self) -> Vec<ContextPiece> {
        self.built
            .iter()
            .flat_map(|b| &b.pieces)
            .map(|p| ContextPiece {
                kind: p.kind.as_str().to_string(),
                path: p.path.clone(),
                tokens: p.tokens,
                reason: p.reason.clone(),
            })
            .collect()
    }

    /// Names of the instruction files included.
    pub fn instruction_names(&self) -> Vec<String> {
        match &self.built {
            Some(b) => b
                .pieces
                .iter()
                .filter(|p| p.kind == PieceKind::Instructions)
                .filter_map(|p| p.path.clone())
                .collect(),
            None => self.instructions.iter().map(|(n, _)| n.clone()).collect(),
        }
    }

    /// Instruction files, the project tree and the small named files only
    /// (the context before the codebase index, and its fallback).
    pub async fn gather_basic(
        dir: &Path,
        config: &AgentConfig,
        registry: &Registry,
        task: &str,
    ) -> Self {
        let mut instructions = Vec::new();
        for name in &crate::playbook::instruction_files(config) {
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
                let lines = without_chamber_dir(&result.stdout);
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
            built: None,
            fallback: None,
        }
    }

    /// The context as text for a prompt.
    pub fn render(&self) -> String {
        let Some(built) = &self.built else {
            return self.render_basic();
        };
        let mut out = String::new();
        let (instructions, rest): (Vec<_>, Vec<_>) = built
            .pieces
            .iter()
            .partition(|p| p.kind == PieceKind::Instructions);
        for p in instructions {
            out.push_str(&p.text);
        }
        out.push_str("## Project files\n");
        if self.tree.trim().is_empty() {
            out.push_str("(empty)\n");
        } else {
            out.push_str(&self.tree);
            out.push('\n');
        }
        out.push('\n');
        for p in rest {
            out.push_str(&p.text);
        }
        for (name, text) in &self.named_files {
            if built
                .pieces
                .iter()
                .any(|p| p.path.as_deref() == Some(name.as_str()) && p.kind == PieceKind::File)
            {
                continue;
            }
            out.push_str(&format!(
                "\n## {name} (as it was when the run started)\n```\n{}\n```\n",
                text.trim_end()
            ));
        }
        out
    }

    /// The context without the codebase index.
    fn render_basic(&self) -> String {
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
    fn the_tree_leaves_out_chamber_data() {
        let tree = "./\n  .chamber/\n    index/\n      a.db\n  src/\n    lib.rs\n  README.md\n";
        assert_eq!(
            without_chamber_dir(tree),
            vec!["./", "  src/", "    lib.rs", "  README.md"]
        );
    }

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
