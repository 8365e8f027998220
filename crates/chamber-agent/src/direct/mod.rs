//! Direct mode: the strategy for models too small to drive a plan-and-tool
//! loop. The harness finds the files to change, shows the model those
//! files with the tests and instructions, asks for one file's complete new
//! content at a time, writes it through the tool pipeline, runs the tests
//! and feeds back the precise failure; with `candidates > 1` it makes
//! several attempts and applies the best by the tests.

mod answer;
mod candidates;
mod merge;
mod prompt;
mod rounds;
mod targets;

use std::time::Duration;

use chamber_protocol::{EventKind, Plan, Step, StepKind};
use chamber_verify::{TestConfig, Tools, detect};

use crate::engine::Engine;
use crate::fix_report::FixSettings;
use crate::providers::ProviderChoice;

pub(crate) use candidates::run_direct_step;

/// The note that marks a plan step as carried out in direct mode, so a
/// resumed run keeps the strategy it started with.
pub const DIRECT_NOTE: &str = "strategy: direct";

/// How a run is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The model plans and calls tools.
    Loop,
    /// The harness navigates and tests; the model writes files.
    Direct,
}

/// Models at or below this many billion parameters get direct mode under
/// `strategy = "auto"`.
const SMALL_MODEL_BILLIONS: f64 = 3.0;

impl Engine {
    /// The strategy `[agent] strategy` asks for `task`; `auto` is direct
    /// for a task that asks for a change (it has a verb such as add, fix,
    /// implement, solve) on the built-in local model or any model whose name
    /// gives a size of 3B parameters or fewer.
    pub fn strategy(&self, task: &str) -> Strategy {
        match self.config.agent.strategy.as_str() {
            "loop" => Strategy::Loop,
            "direct" => Strategy::Direct,
            _ if is_small(&self.choice) && asks_for_change(task) => Strategy::Direct,
            _ => Strategy::Loop,
        }
    }

    /// The project's tests as direct mode runs them, when it has any.
    pub(crate) fn direct_tests(&self, dir: &std::path::Path) -> Option<FixSettings> {
        let section = &self.config.test;
        let config = TestConfig {
            command: Some(section.command.clone()).filter(|c| !c.trim().is_empty()),
            runner: Some(section.runner.clone()).filter(|r| !r.trim().is_empty()),
        };
        let configured = config.command.is_some();
        if !configured
            && !targets::project_files(dir)
                .iter()
                .any(|f| targets::is_test_file(f))
        {
            return None;
        }
        let detected = detect(dir, &config, Tools::probe(dir))
            .ok()?
            .into_iter()
            .next()?;
        Some(FixSettings {
            detected,
            max_rounds: self.config.agent.direct_rounds,
            max_no_progress: self.config.agent.direct_rounds,
            test_timeout: Duration::from_secs(section.timeout_secs.max(1)),
            sandbox: self.config.sandbox.clone(),
        })
    }
}

/// Whether a task asks for files to change (a question or "run the
/// tests" does not: direct mode would only rewrite a file).
pub fn asks_for_change(task: &str) -> bool {
    const MORE: &[&str] = &["solve", "support", "return", "handle", "convert", "pass"];
    task.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .any(|w| crate::step_needs::WRITE_VERBS.contains(&w.as_str()) || MORE.contains(&w.as_str()))
}

/// Whether a model is small enough for direct mode under `auto`.
fn is_small(choice: &ProviderChoice) -> bool {
    choice.local || billions(&choice.model).is_some_and(|b| b <= SMALL_MODEL_BILLIONS)
}

/// The parameter count a model name gives (`qwen2.5-coder:1.5b` → 1.5,
/// `smollm2-135m` → 0.135), if any.
pub fn billions(model: &str) -> Option<f64> {
    model
        .to_ascii_lowercase()
        .split(['-', ':', '_', '/', ' '])
        .find_map(|part| {
            let (num, scale) = if let Some(n) = part.strip_suffix('b') {
                (n, 1.0)
            } else if let Some(n) = part.strip_suffix('m') {
                (n, 0.001)
            } else {
                return None;
            };
            num.parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0)
                .map(|v| v * scale)
        })
}

/// The one-step plan of a direct run: no model call, the harness's own.
pub fn direct_plan(task: &str) -> Plan {
    let first = task
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(task)
        .trim();
    let mut title: String = first.chars().take(72).collect();
    if first.chars().count() > 72 {
        title.push('…');
    }
    Plan {
        title,
        steps: vec![Step {
            id: "1".into(),
            title: "Write the change and run the tests".into(),
            detail: "Direct mode: the harness finds the files to change, the model writes each file whole, the tests judge each round.".into(),
            kind: StepKind::Edit,
            depends_on: Vec::new(),
            notes: Some(DIRECT_NOTE.into()),
            action: None,
        }],
    }
}

/// Whether a plan step is carried out in direct mode.
pub fn is_direct(step: &Step) -> bool {
    step.notes.as_deref() == Some(DIRECT_NOTE)
}

/// The `focus_found` event for what an attempt chose.
fn focus_event(step_id: &str, focus: &targets::Focus) -> EventKind {
    EventKind::FocusFound {
        step_id: step_id.to_string(),
        targets: focus
            .targets
            .iter()
            .map(|(path, why)| chamber_protocol::FocusedFile {
                path: path.clone(),
                reason: (*why).to_string(),
            })
            .collect(),
        tests: focus.tests.clone(),
        documents: focus.documents.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_from_model_names() {
        assert_eq!(billions("qwen2.5-coder-1.5b"), Some(1.5));
        assert_eq!(billions("qwen2.5-coder:0.5b"), Some(0.5));
        assert_eq!(billions("smollm2-135m"), Some(0.135));
        assert_eq!(billions("llama3.1-70b-instruct"), Some(70.0));
        assert_eq!(billions("gpt-4.1-mini"), None);
        assert_eq!(billions("claude-sonnet-4"), None);
    }

    #[test]
    fn only_tasks_that_change_files_go_direct() {
        assert!(asks_for_change("Add a function greet(name) to calc.py"));
        assert!(asks_for_change("Solve the exercise in INSTRUCTIONS.md"));
        assert!(!asks_for_change("Print the contents of hello.py"));
        assert!(!asks_for_change("Explain what main.rs does"));
    }

    #[test]
    fn the_direct_plan_is_marked() {
        let plan = direct_plan("Create hello.py\nwith a greeting");
        assert_eq!(plan.title, "Create hello.py");
        assert!(is_direct(&plan.steps[0]));
    }
}
