//! Each command's name as printed in envelopes and recorded in telemetry.

use crate::cli::*;

impl Command {
    /// The command's name as printed in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Init => "init",
            Command::Plan(_) => "plan",
            Command::Ab { .. } => "ab",
            Command::Apply { .. } => "apply",
            Command::Run(_) => "run",
            Command::Resume { .. } => "resume",
            Command::Status => "status",
            Command::Runs {
                action: RunsAction::List { .. },
            } => "runs list",
            Command::Runs {
                action: RunsAction::Show { .. },
            } => "runs show",
            Command::Undo { .. } => "undo",
            Command::ApplyGuarded { .. } => "apply-guarded",
            Command::Reject { .. } => "reject",
            Command::Patch { action } => match action {
                PatchAction::List => "patch list",
                PatchAction::Show { .. } => "patch show",
                PatchAction::Create { .. } => "patch create",
                PatchAction::Apply { .. } => "patch apply",
                PatchAction::Rollback { .. } => "patch rollback",
            },
            Command::TailEvents { .. } => "tail-events",
            Command::Config { .. } => "config show",
            Command::Model { action } => match action {
                ModelAction::List => "model list",
                ModelAction::Install { .. } => "model install",
                ModelAction::Serve { .. } => "model serve",
                ModelAction::Stop { .. } => "model stop",
                ModelAction::Chat { .. } => "model chat",
                ModelAction::Add { .. } => "model add",
                ModelAction::Rm { .. } => "model rm",
            },
            Command::Doctor => "doctor",
            Command::Sandbox {
                action: SandboxAction::Run { .. },
            } => "sandbox run",
            Command::Provider {
                action: ProviderAction::List,
            } => "provider list",
            Command::Provider {
                action: ProviderAction::Set { .. },
            } => "provider set",
            Command::Budget {
                action: BudgetAction::Set { .. },
            } => "budget set",
            Command::Budget {
                action: BudgetAction::Show,
            } => "budget show",
            Command::Provider {
                action: ProviderAction::Test { .. },
            } => "provider test",
            Command::Stats { .. } => "stats",
            Command::Bench {
                action: BenchAction::Tasks { .. },
            } => "bench tasks",
            Command::Bench {
                action: BenchAction::Edits { .. },
            } => "bench edits",
            Command::Bench {
                action: BenchAction::Retrieval { .. },
            } => "bench retrieval",
            Command::Bench {
                action: BenchAction::Exercism(_),
            } => "bench exercism",
            Command::Index { .. } => "index",
            Command::Search { .. } => "search",
            Command::Symbols { .. } => "symbols",
            Command::Map { .. } => "map",
            Command::Context { .. } => "context",
            Command::Explain { .. } => "explain",
            Command::Test { .. } => "test",
            Command::Fix(_) => "fix",
            Command::Commit { .. } => "commit",
            Command::Pr {
                action: PrAction::Open { .. },
            } => "pr open",
            Command::Pr {
                action: PrAction::Update { .. },
            } => "pr update",
            Command::Review { .. } => "review",
            Command::Policy {
                action: PolicyAction::Check { .. },
            } => "policy check",
            Command::Policy {
                action: PolicyAction::Guard { .. },
            } => "policy guard",
            Command::Schemas { .. } => "schemas",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
            Command::Serve(_) => "serve",
            Command::Worker(_) => "worker",
            Command::Token { action } => action.name(),
            Command::Recipe { action } => action.name(),
            Command::Telemetry { action } => action.name(),
            Command::Migrate { action } => action.name(),
            Command::Api { action } => action.name(),
            Command::Chat { .. } => "chat",
            Command::Agent { action } => action.name(),
            Command::Ui { .. } => "ui",
            Command::Edit { .. } => "edit",
            Command::Doc { .. } => "doc",
            Command::Refactor { action } => action.name(),
            Command::Task { action } => action.name(),
            Command::Mcp { action } => action.name(),
        }
    }
}
