use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The numbered, human-readable plan the model proposes before acting. It is
/// the Plan/Act gate: a person (or the policy) approves it before any tool runs.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Plan {
    /// One line naming the change; it becomes the commit subject.
    pub title: String,
    /// The ordered steps.
    pub steps: Vec<Step>,
}

/// One step of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Step {
    /// Stable identifier within the plan, such as `"1"`.
    pub id: String,
    /// Short imperative title.
    pub title: String,
    /// What to do, in enough detail to act on.
    #[serde(default)]
    pub detail: String,
    /// What sort of work the step is.
    #[serde(default)]
    pub kind: StepKind,
    /// Ids of steps that must finish first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Free-form notes: risks, assumptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Tool calls that carry the step out by rule, without asking the model
    /// (set by the actionizer or a recipe). Absent: the model acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<StepAction>,
}

/// A step's fixed tool calls: the actionizer's answer for an intent it
/// recognises, or a recipe's fixed action. Run in order through the usual
/// tool pipeline (policy, approval, checkpoint, events).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct StepAction {
    /// The rule that mapped the step (`run_tests`, `format`, `recipe`, ...).
    pub rule: String,
    /// The calls, in order; none for a step the harness already does
    /// (a commit: every step is committed).
    #[serde(default)]
    pub calls: Vec<FixedCall>,
}

/// One tool call fixed ahead of time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FixedCall {
    /// Tool name, as the registry knows it (`shell`, `write_file`, ...).
    pub tool: String,
    /// The call's arguments.
    #[serde(default)]
    pub arguments: serde_json::Value,
}

/// Which way a step was carried out; recorded in `step_routed`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepPath {
    /// Fixed tool calls, no model turn.
    Rule,
    /// The model's tool loop.
    Model,
    /// Direct mode: the harness drives a small model through whole-file writes.
    Direct,
}

/// The sort of work a step does; used for display and, later, for routing.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Reading and understanding code.
    Analyze,
    /// Changing files.
    Edit,
    /// Running a command.
    Command,
    /// Running or writing tests.
    Test,
    /// Anything else.
    #[default]
    #[serde(other)]
    Other,
}

impl Plan {
    /// Checks the invariants a model's plan must meet before it is shown:
    /// at least one step, unique ids, dependencies that point at known steps.
    pub fn validate(&self) -> Result<(), String> {
        if self.title.trim().is_empty() {
            return Err("plan.title is empty".into());
        }
        if self.steps.is_empty() {
            return Err("plan.steps is empty: a plan needs at least one step".into());
        }
        let mut seen = std::collections::HashSet::new();
        for (i, step) in self.steps.iter().enumerate() {
            if step.title.trim().is_empty() {
                return Err(format!("plan.steps[{i}].title is empty"));
            }
            if !seen.insert(step.id.as_str()) {
                return Err(format!("plan.steps[{i}].id {:?} is used twice", step.id));
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            for dep in &step.depends_on {
                if !seen.contains(dep.as_str()) {
                    return Err(format!(
                        "plan.steps[{i}].depends_on names unknown step {dep:?}"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, deps: &[&str]) -> Step {
        Step {
            id: id.into(),
            title: format!("step {id}"),
            detail: String::new(),
            kind: StepKind::Edit,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            notes: None,
            action: None,
        }
    }

    #[test]
    fn validate_rejects_bad_plans() {
        let ok = Plan {
            title: "t".into(),
            steps: vec![step("1", &[]), step("2", &["1"])],
        };
        assert!(ok.validate().is_ok());
        let empty = Plan {
            title: "t".into(),
            steps: vec![],
        };
        assert!(empty.validate().is_err());
        let dup = Plan {
            title: "t".into(),
            steps: vec![step("1", &[]), step("1", &[])],
        };
        assert!(dup.validate().unwrap_err().contains("used twice"));
        let dangling = Plan {
            title: "t".into(),
            steps: vec![step("1", &["9"])],
        };
        assert!(dangling.validate().unwrap_err().contains("unknown step"));
    }

    #[test]
    fn unknown_step_kind_is_other() {
        let s: Step = serde_json::from_str(r#"{"id":"1","title":"x","kind":"dance"}"#).unwrap();
        assert_eq!(s.kind, StepKind::Other);
    }
}
