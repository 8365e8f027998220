//! The `type` tag of each event kind, as stored in the `events.type`
//! column and written in the flat JSON form.

use crate::EventKind;

impl EventKind {
    /// The `type` tag, for indexing and filtering.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::RunStarted { .. } => "run_started",
            EventKind::SandboxUnavailable { .. } => "sandbox_unavailable",
            EventKind::McpServer { .. } => "mcp_server",
            EventKind::ContextBuilt { .. } => "context_built",
            EventKind::PlanProposed { .. } => "plan_proposed",
            EventKind::ApprovalRequested { .. } => "approval_requested",
            EventKind::PlanApproved { .. } => "plan_approved",
            EventKind::PlanRejected { .. } => "plan_rejected",
            EventKind::PlanSaved { .. } => "plan_saved",
            EventKind::StepStarted { .. } => "step_started",
            EventKind::StepRouted { .. } => "step_routed",
            EventKind::CheckpointCreated { .. } => "checkpoint_created",
            EventKind::EditIntended { .. } => "edit_intended",
            EventKind::StepRestored { .. } => "step_restored",
            EventKind::StepsParallel { .. } => "steps_parallel",
            EventKind::StepMerged { .. } => "step_merged",
            EventKind::PatchRecorded { .. } => "patch_recorded",
            EventKind::Undone { .. } => "undone",
            EventKind::TestsChecked { .. } => "tests_checked",
            EventKind::RoundReverted { .. } => "round_reverted",
            EventKind::FocusFound { .. } => "focus_found",
            EventKind::CandidateScored { .. } => "candidate_scored",
            EventKind::CandidateChosen { .. } => "candidate_chosen",
            EventKind::ModelTurn { .. } => "model_turn",
            EventKind::ModelError { .. } => "model_error",
            EventKind::ModelFallback { .. } => "model_fallback",
            EventKind::Escalated { .. } => "escalated",
            EventKind::ContextCompacted { .. } => "context_compacted",
            EventKind::BudgetWarning { .. } => "budget_warning",
            EventKind::BudgetUnmeasured { .. } => "budget_unmeasured",
            EventKind::BudgetExceeded { .. } => "budget_exceeded",
            EventKind::PolicyDecision { .. } => "policy_decision",
            EventKind::ToolStarted { .. } => "tool_started",
            EventKind::ToolOutput { .. } => "tool_output",
            EventKind::ToolFinished { .. } => "tool_finished",
            EventKind::StepCompleted { .. } => "step_completed",
            EventKind::StepFailed { .. } => "step_failed",
            EventKind::Replanned { .. } => "replanned",
            EventKind::Committed { .. } => "committed",
            EventKind::RunResumed { .. } => "run_resumed",
            EventKind::RunFinished { .. } => "run_finished",
        }
    }
}
