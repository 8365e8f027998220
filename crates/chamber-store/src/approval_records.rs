//! The types of durable approvals: what a run asks a human, the answers it
//! gets and where the request stands.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::str_enum;

str_enum! {
    /// Where an approval request stands.
    pub enum ApprovalState ("approval state") {
        /// Waiting for answers.
        Pending = "pending",
        /// Enough approvers approved.
        Approved = "approved",
        /// Someone rejected it.
        Rejected = "rejected",
        /// Nobody decided before it expired.
        Expired = "expired",
    }
}

str_enum! {
    /// One approver's answer.
    pub enum Decision ("approval decision") {
        /// Approve this once.
        Approve = "approve",
        /// Approve this and the same kind of request for the rest of the run.
        ApproveForSession = "approve_for_session",
        /// Refuse.
        Reject = "reject",
    }
}

impl Decision {
    /// Whether this answer approves (either way).
    pub fn approves(self) -> bool {
        !matches!(self, Self::Reject)
    }
}

/// A question a run puts to humans.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// The queued task the run executes, if any.
    pub task_id: Option<String>,
    /// The run asking.
    pub run_id: String,
    /// `plan` or `action`.
    pub kind: String,
    /// What would happen, in a line.
    pub what: String,
    /// Why the run wants it.
    pub why: String,
    /// Policy tier that demanded the approval.
    pub tier: String,
    /// The diff or command in full.
    pub detail: String,
    /// How many different approvers must approve (values under 1 count as 1).
    pub approvers_needed: u8,
    /// Unanswered past this, it expires.
    pub expires_at: DateTime<Utc>,
}

/// One approver's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ApprovalAnswer {
    /// Who answered.
    pub approver: String,
    /// What they answered.
    pub decision: Decision,
    /// When.
    pub at: DateTime<Utc>,
}

/// A stored approval request.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ApprovalRecord {
    /// Request id (a UUID).
    pub id: String,
    /// The queued task the run executes, if any.
    pub task_id: Option<String>,
    /// The run asking.
    pub run_id: String,
    /// `plan` or `action`.
    pub kind: String,
    /// What would happen, in a line.
    pub what: String,
    /// Why the run wants it.
    pub why: String,
    /// Policy tier that demanded it.
    pub tier: String,
    /// The diff or command in full.
    pub detail: String,
    /// How many different approvers must approve.
    pub approvers_needed: u8,
    /// Where it stands.
    pub state: ApprovalState,
    /// The outcome once decided: `Reject` when rejected; when approved,
    /// `ApproveForSession` only if every counted approval said so, else
    /// `Approve`.
    pub decision: Option<Decision>,
    /// Every answer, in the order given (one per approver, their latest).
    pub answers: Vec<ApprovalAnswer>,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// When it expires unanswered.
    pub expires_at: DateTime<Utc>,
    /// When it was decided or found expired.
    pub decided_at: Option<DateTime<Utc>>,
}
