//! Decides whether an action may run: allow, ask or deny, with the rule that
//! decided. Pure logic over its configuration; it never executes anything.
//!
//! This is the core slice of the safety design: a shell-aware command
//! splitter, a built-in deny list and user rules from `.chamber/policy.toml`.
//! Approval modes, sandboxing and path rules grow here in their own issue.
//! Run budgets (cost, time, tokens) are metered here too.

mod budget;
mod command_split;
mod rules;

pub use budget::{Budget, BudgetMeter, BudgetVerdict, Reading, Resource, parse_duration};
pub use command_split::split_commands;
pub use rules::{Action, DEFAULT_POLICY_TOML, Decision, Policy, PolicyError, RuleSpec, Verdict};
