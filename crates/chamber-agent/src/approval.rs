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
    /// Asks whether one action may run, and how far the answer reaches.
    async fn approve_action(&self, question: &ActionQuestion) -> ActionAnswer;
}

/// One action put to a person.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionQuestion {
    /// What would run (`shell: cargo test`).
    pub description: String,
    /// Why the policy asks.
    pub reason: String,
    /// `low`, `medium` or `high`.
    pub tier: String,
    /// How many different people must say yes (2 under the two-person rule).
    pub approvers: u8,
    /// The words a prefix grant would cover (`cargo test`), for commands;
    /// `None` where only this call or this exact action can be approved.
    pub prefix: Option<String>,
    /// Whether the answer may be remembered for the session (not under the
    /// two-person rule).
    pub rememberable: bool,
}

/// A person's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionAnswer {
    /// Yes or no.
    pub approved: bool,
    /// How far a yes reaches.
    pub scope: chamber_policy::GrantScope,
    /// Who answered; two distinct names under the two-person rule.
    pub approvers: Vec<String>,
    /// With a no: what the person wants done instead (`e` in the TUI and
    /// the prompt); the model reads it as the call's result.
    pub feedback: Option<String>,
}

impl ActionAnswer {
    /// A no from nobody in particular.
    pub fn declined() -> Self {
        Self {
            approved: false,
            scope: chamber_policy::GrantScope::Once,
            approvers: Vec::new(),
            feedback: None,
        }
    }
}

/// Receives events and streamed model text as they happen (live output).
pub trait Observer: Send + Sync {
    /// Called for every recorded event.
    fn event(&self, event: &Event);
    /// Called for each piece of model text as it streams.
    fn text(&self, _chunk: &str) {}
}

/// An observer that shows nothing, for events a front end reports itself
/// (an undo, an applied guarded run).
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _event: &Event) {}
}
