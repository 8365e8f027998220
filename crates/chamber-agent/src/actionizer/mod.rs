//! The rule-based actionizer: a plan step whose intent is known (run the
//! tests, format, install a package, commit, read a file) is mapped to fixed
//! tool calls, so no model is asked for it. Every action taken by rule is
//! one a small model cannot get wrong; unmapped steps go to the model.

mod facts;
mod rules;
mod run;

pub use facts::ActionFacts;

use chamber_protocol::Plan;

/// Maps each step of `plan` that has no action yet and whose intent a rule
/// recognises; returns how many steps it mapped. Direct-mode steps are left
/// alone (the harness already drives them).
pub fn actionize(plan: &mut Plan, facts: &ActionFacts) -> usize {
    let mut mapped = 0;
    for step in &mut plan.steps {
        if step.action.is_some() || crate::direct::is_direct(step) {
            continue;
        }
        if let Some(action) = rules::rule_for(step, facts) {
            step.action = Some(action);
            mapped += 1;
        }
    }
    mapped
}

impl crate::engine::Engine {
    /// Runs the actionizer over a new plan when `[agent] actionizer` is on;
    /// returns how many steps it mapped.
    pub(crate) fn actionize(&self, plan: &mut Plan, workspace: &std::path::Path) -> usize {
        if !self.config.agent.actionizer {
            return 0;
        }
        let facts = ActionFacts::gather(workspace, &self.config.test, self.registry.names());
        actionize(plan, &facts)
    }
}
