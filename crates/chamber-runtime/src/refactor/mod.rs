//! `chamber refactor`: rename and move are AST-level and deterministic
//! (the symbol engine over every file, one change set written all or
//! nothing); extract and inline need judgement, so they become a one-step
//! preset plan for the model whose result is staged and shown as a diff.

mod move_symbol;
mod rename;

use std::path::{Path, PathBuf};

use chamber_edit::ChangeSet;
use chamber_protocol::{Plan, Step, StepKind};

pub use move_symbol::plan_move;
pub use rename::plan_rename;

use crate::error::{ErrorKind, RuntimeError};

/// A deterministic refactor, planned: the changes and one line saying
/// what they do.
#[derive(Debug)]
pub struct Planned {
    /// Every file's new text, written together.
    pub changes: ChangeSet,
    /// What was found and changed.
    pub summary: String,
}

fn refused(code: &'static str, why: impl Into<String>, hint: &str) -> RuntimeError {
    RuntimeError::setting(code, why, Some(hint), ErrorKind::Config)
}

/// The project's source files (gitignore respected, `.chamber/` and
/// `.git/` skipped), relative to `root`, in path order.
fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some(".git" | ".chamber")))
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .filter(|p| chamber_edit::syntax::Lang::from_path(p).is_some())
        .collect();
    files.sort();
    files
}

/// The task text and plan for a refactor the model carries out: the one
/// step says exactly what to do and that behaviour must not change; the
/// actionizer runs the tests after it.
pub fn model_plan(what: &str, detail: &str) -> (String, Plan) {
    let plan = Plan {
        title: what.to_string(),
        steps: vec![
            Step {
                id: "1".into(),
                title: what.to_string(),
                detail: format!(
                    "{detail}\nThis is a refactor: behaviour must not change. Change only what the refactor needs, in every file that needs it."
                ),
                kind: StepKind::Edit,
                depends_on: Vec::new(),
                notes: None,
                action: None,
            },
            Step {
                id: "2".into(),
                title: "Run the tests".into(),
                detail: String::new(),
                kind: StepKind::Test,
                depends_on: Vec::new(),
                notes: None,
                action: None,
            },
        ],
    };
    (format!("Refactor: {what}. {detail}"), plan)
}
