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
    /// The run ended: its payload (or error text) and exit status.
    Finished(Box<Result<chamber_agent::RunOutcome, String>>),
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
