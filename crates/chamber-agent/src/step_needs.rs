//! What a step must do before it may count as done, for small local models
//! that tend to describe work instead of doing it. Read from the step's
//! kind and the verbs of its title.

use chamber_protocol::{Step, StepKind};

/// The kinds of tool call a step requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepNeeds {
    /// A file must be written or edited.
    pub write: bool,
    /// A command must be run.
    pub exec: bool,
}

pub(crate) const WRITE_VERBS: &[&str] = &[
    "add",
    "implement",
    "write",
    "create",
    "fix",
    "change",
    "update",
    "modify",
    "rename",
    "refactor",
    "replace",
    "insert",
    "append",
    "edit",
    "define",
    "remove",
    "delete",
    "make",
];
const EXEC_VERBS: &[&str] = &[
    "run", "execute", "test", "tests", "verify", "build", "compile",
];

impl StepNeeds {
    /// The needs of `step`.
    pub fn of(step: &Step) -> Self {
        let words: Vec<String> = step
            .title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let has = |verbs: &[&str]| words.iter().any(|w| verbs.contains(&w.as_str()));
        // An imperative title ("Add …", "Run …") says what the step is,
        // whatever kind the model gave it.
        let leads = |verbs: &[&str]| words.first().is_some_and(|w| verbs.contains(&w.as_str()));
        Self {
            write: step.kind == StepKind::Edit
                || leads(WRITE_VERBS)
                || (step.kind != StepKind::Analyze && has(WRITE_VERBS)),
            exec: matches!(step.kind, StepKind::Command | StepKind::Test)
                || leads(EXEC_VERBS)
                || (step.kind != StepKind::Analyze && has(EXEC_VERBS)),
        }
    }

    /// One line for the step request telling the model which tools the step
    /// needs; empty when it needs none in particular.
    pub fn instruction(&self) -> &'static str {
        match (self.write, self.exec) {
            (true, true) => {
                "This step must change files (write_file or edit_file) and run a command (shell)."
            }
            (true, false) => "This step must change files: call write_file or edit_file.",
            (false, true) => "This step must run a command: call shell.",
            (false, false) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(title: &str, kind: StepKind) -> Step {
        Step {
            id: "1".into(),
            title: title.into(),
            detail: String::new(),
            kind,
            depends_on: vec![],
            notes: None,
            action: None,
        }
    }

    #[test]
    fn needs_come_from_kind_and_title_verbs() {
        let n = StepNeeds::of(&step("Implement the 'greet' function", StepKind::Other));
        assert!(n.write && !n.exec);
        let n = StepNeeds::of(&step("Run the tests", StepKind::Other));
        assert!(!n.write && n.exec);
        let n = StepNeeds::of(&step("Read calc.py", StepKind::Analyze));
        assert_eq!(n, StepNeeds::default());
        assert!(n.instruction().is_empty());
        let n = StepNeeds::of(&step("Look around", StepKind::Edit));
        assert!(n.write);
        // Analysis that mentions adding is still analysis…
        let n = StepNeeds::of(&step("Find where to add greet", StepKind::Analyze));
        assert!(!n.write);
        // …but an imperative title wins over a wrong kind.
        let n = StepNeeds::of(&step("Add greet to calc.py", StepKind::Analyze));
        assert!(n.write);
    }
}
