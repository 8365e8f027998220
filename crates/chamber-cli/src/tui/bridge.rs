//! The seams between a run and the TUI: the run's approver and observer
//! send what they have to the UI loop over a channel; approvals wait on a
//! one-shot answer from the keyboard.

use chamber_agent::{ActionAnswer, ActionQuestion, Approver, Observer, PlanDecision};
use chamber_protocol::{Event, Plan};
use tokio::sync::{mpsc, oneshot};

/// What the run side tells the UI loop.
pub enum UiMsg {
    /// A recorded event.
    Event(Box<Event>),
    /// The plan waits for a decision.
    Plan(Box<Plan>, oneshot::Sender<PlanDecision>),
    /// An action waits for an answer.
    Action(Box<ActionQuestion>, oneshot::Sender<ActionAnswer>),
    /// The run ended (or could not start: the error text).
    Finished(Box<Result<Ended, String>>),
}

/// How a run ended, whether it ran here or on a server.
#[derive(Debug, Clone)]
pub struct Ended {
    /// The run's id.
    pub run_id: String,
    /// It completed.
    pub ok: bool,
    /// Its final status (`completed`, `failed`…).
    pub status: String,
    /// Its summary (or the error).
    pub summary: String,
    /// The branch it committed to.
    pub branch: Option<String>,
    /// The branch it started from, when known.
    pub base: Option<String>,
    /// Its last commit.
    pub commit: Option<String>,
    /// What it cost.
    pub cost_usd: f64,
    /// Prompt + completion tokens.
    pub tokens: u64,
}

impl Ended {
    /// From a local run's outcome (`base`: its start branch).
    pub fn of(outcome: &chamber_agent::RunOutcome, base: Option<String>) -> Self {
        Self {
            run_id: outcome.run_id.clone(),
            ok: outcome.status == chamber_protocol::RunStatus::Completed,
            status: outcome.status.as_str().to_string(),
            summary: outcome.summary.clone(),
            branch: outcome.branch.clone(),
            base,
            commit: outcome.commit.clone(),
            cost_usd: outcome.cost_usd,
            tokens: outcome.usage.prompt_tokens + outcome.usage.completion_tokens,
        }
    }
}

/// Forwards events to the UI loop.
pub struct TuiObserver(pub mpsc::UnboundedSender<UiMsg>);

impl Observer for TuiObserver {
    fn event(&self, event: &Event) {
        let _ = self.0.send(UiMsg::Event(Box::new(event.clone())));
    }
}

/// Asks in the TUI: the question goes to the UI loop, the answer comes
/// back from the keys `y`, `a`, `p`, `n`, `e`.
pub struct TuiApprover {
    /// Where questions go.
    pub tx: mpsc::UnboundedSender<UiMsg>,
    /// Who answers, as recorded.
    pub name: String,
}

#[async_trait::async_trait]
impl Approver for TuiApprover {
    fn interactive(&self) -> bool {
        true
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    async fn review_plan(&self, plan: &Plan) -> PlanDecision {
        let (tx, rx) = oneshot::channel();
        if self
            .tx
            .send(UiMsg::Plan(Box::new(plan.clone()), tx))
            .is_err()
        {
            return PlanDecision::Reject("the TUI closed".into());
        }
        rx.await
            .unwrap_or_else(|_| PlanDecision::Reject("the TUI closed".into()))
    }

    async fn approve_action(&self, question: &ActionQuestion) -> ActionAnswer {
        let (tx, rx) = oneshot::channel();
        if self
            .tx
            .send(UiMsg::Action(Box::new(question.clone()), tx))
            .is_err()
        {
            return ActionAnswer::declined();
        }
        rx.await.unwrap_or_else(|_| ActionAnswer::declined())
    }
}
