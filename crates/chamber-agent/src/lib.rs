//! The run loop: a task becomes a plan, the plan passes the approval gate,
//! each step runs as a tool-calling loop under the policy, failures are
//! recovered or reported, and the result is committed. Every step is an
//! event in the store, which is what makes `resume` possible.

mod act;
pub mod actionizer;
mod approval;
mod cancel;
mod checkpoint;
mod commit_text;
mod compaction;
pub mod context;
pub mod direct;
mod engine;
mod error;
mod executor;
mod failpoint;
mod file_checkpoint;
mod fix_context;
mod fix_loop;
mod fix_report;
mod fix_run;
mod gatekeeper;
mod guarded;
mod history_fit;
mod interrupted;
mod model_call;
mod model_chain;
mod options;
mod output_hold;
mod parallel;
mod planner;
mod playbook;
mod prompts;
mod providers;
mod recorder;
mod recovery;
mod redaction;
mod replay;
mod resume;
mod run_budget;
mod run_entry;
mod secret_sources;
mod step_needs;
mod step_revert;
mod tool_batch;
mod turn_request;
mod undo;
mod workspace;
mod worktree;
mod write_guard;

pub use approval::{ActionAnswer, ActionQuestion, Approver, Observer, PlanDecision, Silent};
pub use cancel::CancelToken;
pub use commit_text::{SUBJECT_MAX, shape_message, trim_subject, wrap};
pub use engine::Engine;
pub use error::AgentError;
pub use fix_report::{FixReport, FixSettings, FixStop};
pub use guarded::{StagedChange, diff_files, find_staged, list_staged, staged_dir, unstage};
pub use interrupted::{pid_alive, reconcile_interrupted};
pub use model_chain::{OneShotAnswer, OneShotModel};
pub use options::SideEffectFence;
pub use options::{RunOptions, RunOutcome};
pub use playbook::PLAYBOOK_PATH;
pub use providers::{
    BUILTIN_BASE_URL_SOURCE, DEFAULT_REMOTE_MODEL, ProviderChoice, ProviderDef, RoutePlan,
    RouteRole, Routes, all_provider_defs, build_provider, choice_for, choose_provider, model_table,
    parse_model_ref, plan_routes, preferred_model, provider_def, with_tool_mode,
};
pub use recorder::Recorder;
pub use redaction::redact_request;
pub use run_budget::{from_record as budget_from_record, to_record as budget_record};
pub use secret_sources::{build_redactor, parse_dotenv};
pub use undo::{UndoAction, UndoFile, UndoPlan, UndoReport, UndoRequest, apply_undo, plan_undo};
pub use workspace::CHAMBER_GITIGNORE;
