//! The approver of queued runs: each question becomes a durable approval
//! record that any channel can answer; the run waits for the answer, the
//! expiry or a cancel, and never hangs invisibly.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chamber_agent::{ActionAnswer, ActionQuestion, Approver, PlanDecision};
use chamber_policy::GrantScope;
use chamber_protocol::Plan;
use chamber_store::{ApprovalRecord, ApprovalState, Decision, NewApproval, Store};

/// Asks through approval records for one claimed task.
pub struct DurableApprover {
    /// The database.
    pub store: Store,
    /// The task.
    pub task_id: String,
    /// Its fencing token.
    pub token: i64,
    /// The run id, once the run has started.
    pub run_id: Arc<Mutex<Option<String>>>,
    /// How long a request waits.
    pub timeout: Duration,
    /// How often the record is read.
    pub poll: Duration,
    /// Rung when an answer arrives in this process.
    pub wake: Arc<tokio::sync::Notify>,
}

enum Answer {
    Decided(Box<ApprovalRecord>),
    Expired,
    Cancelled,
    Failed(String),
}

impl DurableApprover {
    async fn ask(
        &self,
        kind: &str,
        what: &str,
        why: &str,
        tier: &str,
        detail: String,
        approvers: u8,
    ) -> Answer {
        let run_id = self
            .run_id
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .unwrap_or_default();
        let expires_at = chrono::Utc::now()
            + chrono::Duration::from_std(self.timeout).unwrap_or(chrono::Duration::hours(1));
        let request = NewApproval {
            task_id: Some(self.task_id.clone()),
            run_id,
            kind: kind.into(),
            what: what.into(),
            why: why.into(),
            tier: tier.into(),
            detail,
            approvers_needed: approvers.max(1),
            expires_at,
        };
        let record = match self.store.request_approval(&request).await {
            Ok(r) => r,
            Err(e) => return Answer::Failed(e.to_string()),
        };
        tracing::info!(task = %self.task_id, approval = %record.id, kind, "waiting for approval");
        if let Err(e) = self
            .store
            .set_task_waiting(&self.task_id, self.token, true)
            .await
        {
            return Answer::Failed(e.to_string());
        }
        let answer = self.wait(&record.id).await;
        let _ = self
            .store
            .set_task_waiting(&self.task_id, self.token, false)
            .await;
        answer
    }

    async fn wait(&self, id: &str) -> Answer {
        loop {
            let wake = self.wake.notified();
            match self.store.get_approval(id).await {
                // Past its expiry: sweep once (a write), instead of on every poll.
                Ok(r) if r.state == ApprovalState::Pending && r.expires_at < chrono::Utc::now() => {
                    let _ = self.store.expire_approvals().await;
                    return Answer::Expired;
                }
                Ok(r) if r.state == ApprovalState::Pending => {}
                Ok(r) if r.state == ApprovalState::Expired => return Answer::Expired,
                Ok(r) => return Answer::Decided(Box::new(r)),
                Err(e) => return Answer::Failed(e.to_string()),
            }
            match self.store.get_task(&self.task_id).await {
                Ok(t) if t.cancel_requested => return Answer::Cancelled,
                Ok(t) if t.fencing_token != self.token => {
                    return Answer::Failed("another worker holds the task now".into());
                }
                _ => {}
            }
            let _ = tokio::time::timeout(self.poll, wake).await;
        }
    }

    fn expired_text(&self) -> String {
        format!(
            "the approval request expired after {} s without an answer ([server] approval_timeout_secs); `chamber task retry {}` asks again",
            self.timeout.as_secs(),
            self.task_id
        )
    }
}

#[async_trait::async_trait]
impl Approver for DurableApprover {
    fn interactive(&self) -> bool {
        true
    }

    fn name(&self) -> String {
        "api".into()
    }

    async fn review_plan(&self, plan: &Plan) -> PlanDecision {
        let detail = serde_json::to_string_pretty(plan).unwrap_or_default();
        match self
            .ask(
                "plan",
                &plan.title,
                "the plan needs approval before anything runs",
                "medium",
                detail,
                1,
            )
            .await
        {
            Answer::Decided(r) if r.state == ApprovalState::Approved => PlanDecision::Approve,
            Answer::Decided(r) => PlanDecision::Reject(format!("rejected by {}", names(&r))),
            Answer::Expired => PlanDecision::Reject(self.expired_text()),
            Answer::Cancelled => PlanDecision::Reject("the task was cancelled".into()),
            Answer::Failed(e) => {
                PlanDecision::Reject(format!("the approval could not be recorded: {e}"))
            }
        }
    }

    async fn approve_action(&self, q: &ActionQuestion) -> ActionAnswer {
        let detail = q.prefix.clone().map_or_else(
            || q.description.clone(),
            |p| {
                format!(
                    "{}\n(a session grant covers commands starting with `{p}`)",
                    q.description
                )
            },
        );
        match self
            .ask(
                "action",
                &q.description,
                &q.reason,
                &q.tier,
                detail,
                q.approvers,
            )
            .await
        {
            Answer::Decided(r) if r.state == ApprovalState::Approved => {
                let session = r.decision == Some(Decision::ApproveForSession) && q.rememberable;
                let scope = match (session, q.prefix.is_some()) {
                    (true, true) => GrantScope::Prefix,
                    (true, false) => GrantScope::Exact,
                    (false, _) => GrantScope::Once,
                };
                ActionAnswer {
                    approved: true,
                    scope,
                    approvers: r.answers.iter().map(|a| a.approver.clone()).collect(),
                    feedback: None,
                }
            }
            _ => ActionAnswer::declined(),
        }
    }
}

fn names(r: &ApprovalRecord) -> String {
    let list: Vec<&str> = r.answers.iter().map(|a| a.approver.as_str()).collect();
    if list.is_empty() {
        "nobody".into()
    } else {
        list.join(", ")
    }
}
