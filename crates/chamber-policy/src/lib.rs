//! Decides whether an action may run: allow, ask or deny, with the rule that
//! decided. Pure logic over its configuration; it never executes anything.
//!
//! Commands are parsed as bash would parse them (`command`): every simple
//! command inside a line — behind `&&`, pipes, subshells, substitutions,
//! `sudo`/`env`/`xargs`/`sh -c`/`eval`/`find -exec` wrappers — is judged
//! against the built-in deny list and the user's rules from
//! `.chamber/policy.toml` (`rules`); the strictest decision wins. Run
//! budgets (cost, time, tokens) are metered here too.

mod budget;
pub mod command;
mod command_split;
mod gate;
mod known;
mod redact;
mod rules;
mod user_rules;

pub use budget::{Budget, BudgetMeter, BudgetVerdict, Reading, Resource, parse_duration};
pub use command::{CommandContext, ParseError, parse_script};
pub use command_split::split_commands;
pub use gate::{
    ApprovalMode, Gate, GateSettings, GateVerdict, GrantScope, Grants, Judgement, PathRules,
    PathSpec, Request, RiskTier, SandboxState, ToolOverride, WriteFacts, prefix_of,
};
pub use redact::{
    MIN_ENTROPY, MIN_SECRET_LEN, PLACEHOLDER_PREFIX, RedactError, Redactor, SecretSpec,
    SecretValue, is_secret_name, looks_random, placeholder, shannon_entropy,
};
pub use rules::{
    Action, BUILTIN_RULES, CommandReport, DEFAULT_POLICY_TOML, Decision, PartVerdict, Policy,
    PolicyError, RuleSpec, TEST_COMMAND_RULE, UNREADABLE_RULES, Verdict,
};
