use chamber_protocol::{Event, Plan};

/// What a person decided about a proposed plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanDecision {
    /// Go ahead with it.
    Approve,
    /// Go ahead with this edited version.
    Edited(Plan),
    /// Stop, with a reason.
    Reject(String),
}

/// The approval gate's front end. The CLI implements it with prompts on the
/// terminal; the API will implement it with approval requests.
#[async_trait::async_trait]
pub trait Approver: Send + Sync {
    /// Whether a person can be asked right now.
    fn interactive(&self) -> bool;
    /// Name recorded as the approver.
    fn name(&self) -> String;
    /// Shows the plan and returns the decision.
    async fn review_plan(&self, plan: &Plan) -> PlanDecision;
    /// Asks whether one action may run; `reason` says why the policy asks.
    async fn approve_action(&self, description: &str, reason: &str) -> bool;
}

/// Receives events and streamed model text as they happen (live output).
pub trait Observer: Send + Sync {
    /// Called for every recorded event.
    fn event(&self, event: &Event);
    /// Called for each piece of model text as it streams.
    fn text(&self, _chunk: &str) {}
}
