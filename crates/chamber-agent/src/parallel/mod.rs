//! Parallel plan branches. Plan steps that depend on none of each other
//! run at the same time, each in its own detached git worktree made from
//! the run's tree as it stands (uncommitted work included); each result is
//! then brought back by a 3-way merge, in plan order. A step whose merge
//! conflicts, or that fails in its worktree, runs again in the run's own
//! tree on top of what was merged, as if the plan were sequential.
//!
//! Models often leave `depends_on` empty on plans that are really ordered
//! lists, so only a plan that declares a dependency somewhere is trusted
//! with parallel steps, and only `edit` and `analyze` steps in a row are
//! taken: commands and tests see the whole tree, and run alone.

mod merge;
mod wave;

pub(crate) use wave::{WaveEnd, WaveJob};

use std::collections::HashSet;

use chamber_protocol::{Plan, Step, StepKind};

/// At most this many steps run at once.
const MAX_BRANCHES: usize = 4;

/// The steps to run together now: from the first step not done, the
/// consecutive steps whose dependencies are all done (so none depends on
/// another of them), that are `edit` or `analyze`, and that have not fallen
/// back to running alone (`serial`). Fewer than two means none.
pub(crate) fn next_wave(
    plan: &Plan,
    done: &HashSet<String>,
    serial: &HashSet<String>,
) -> Vec<Step> {
    if !plan.steps.iter().any(|s| !s.depends_on.is_empty()) {
        return Vec::new();
    }
    let mut wave = Vec::new();
    for step in plan.steps.iter().filter(|s| !done.contains(&s.id)) {
        let ready = step.depends_on.iter().all(|d| done.contains(d));
        let kind = matches!(step.kind, StepKind::Edit | StepKind::Analyze);
        let by_rule = step.action.is_some();
        if !ready || !kind || by_rule || serial.contains(&step.id) || crate::direct::is_direct(step)
        {
            break;
        }
        wave.push(step.clone());
        if wave.len() == MAX_BRANCHES {
            break;
        }
    }
    if wave.len() < 2 {
        wave.clear();
    }
    wave
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, kind: StepKind, deps: &[&str]) -> Step {
        Step {
            id: id.into(),
            title: format!("step {id}"),
            detail: String::new(),
            kind,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            notes: None,
            action: None,
        }
    }

    fn plan(steps: Vec<Step>) -> Plan {
        Plan {
            title: "p".into(),
            steps,
        }
    }

    #[test]
    fn independent_edits_run_together_until_a_dependent_or_a_command() {
        let p = plan(vec![
            step("1", StepKind::Edit, &[]),
            step("2", StepKind::Analyze, &[]),
            step("3", StepKind::Edit, &["1"]),
            step("4", StepKind::Test, &["1", "2", "3"]),
        ]);
        let none = HashSet::new();
        let ids = |w: Vec<Step>| w.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(next_wave(&p, &none, &none)), ["1", "2"]);
        // Once 1 and 2 are done, 3 is alone: no wave.
        let done: HashSet<String> = ["1", "2"].map(String::from).into();
        assert!(next_wave(&p, &done, &none).is_empty());
        // A step that fell back runs alone.
        let serial: HashSet<String> = ["2"].map(String::from).into();
        assert!(next_wave(&p, &none, &serial).is_empty());
    }

    #[test]
    fn a_plan_without_declared_dependencies_stays_in_order() {
        let p = plan(vec![
            step("1", StepKind::Edit, &[]),
            step("2", StepKind::Edit, &[]),
        ]);
        assert!(next_wave(&p, &HashSet::new(), &HashSet::new()).is_empty());
    }
}
