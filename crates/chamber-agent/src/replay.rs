use std::collections::HashMap;

use chamber_llm::Message;
use chamber_protocol::{Event, EventKind, Plan, ToolCall};

/// Where an interrupted run stands, rebuilt from its events.
#[derive(Default)]
pub struct ResumePoint {
    /// The plan in force (approved or re-planned), if planning finished.
    pub plan: Option<Plan>,
    /// Steps of that plan already completed.
    pub done: Vec<String>,
    /// `(title, summary)` of completed work, for prompts.
    pub summaries: Vec<(String, String)>,
    /// Re-plans already used.
    pub replans_used: u32,
    /// The step that was in progress, with its recorded conversation.
    pub partial: Option<PartialStep>,
}

/// A step interrupted midway.
pub struct PartialStep {
    /// Its id.
    pub step_id: String,
    /// Recorded model answers and tool results, in order.
    pub messages: Vec<Message>,
    /// Calls the model asked for that never finished.
    pub pending: Vec<ToolCall>,
    /// Model turns already spent.
    pub turns_used: u32,
}

/// Rebuilds the resume point from a run's events.
pub fn resume_point(events: &[Event]) -> ResumePoint {
    let mut point = ResumePoint::default();
    let mut current: Option<String> = None;
    let mut results: HashMap<String, String> = HashMap::new();
    let mut turns: Vec<(String, String, Vec<ToolCall>)> = Vec::new();
    for ev in events {
        match &ev.kind {
            EventKind::PlanApproved { plan, .. } => {
                point.plan = Some(plan.clone());
                point.done.clear();
            }
            EventKind::Replanned { plan, .. } => {
                point.plan = Some(plan.clone());
                point.done.clear();
                point.replans_used += 1;
            }
            EventKind::StepStarted { step_id, .. } => current = Some(step_id.clone()),
            EventKind::StepCompleted { step_id, summary } => {
                point.done.push(step_id.clone());
                let title = point
                    .plan
                    .as_ref()
                    .and_then(|p| p.steps.iter().find(|s| &s.id == step_id))
                    .map(|s| s.title.clone())
                    .unwrap_or_else(|| step_id.clone());
                point.summaries.push((title, summary.clone()));
                current = None;
            }
            EventKind::StepFailed { .. } => current = None,
            EventKind::ModelTurn { step_id: Some(step), content, tool_calls, .. } => {
                turns.push((step.clone(), content.clone(), tool_calls.clone()));
            }
            EventKind::ToolFinished { call_id, result, .. } => {
                results.insert(call_id.clone(), result.to_model_text());
            }
            _ => {}
        }
    }
    if let Some(step_id) = current {
        let mut messages = Vec::new();
        let mut pending = Vec::new();
        let mut turns_used = 0;
        for (step, content, calls) in turns.into_iter().filter(|(s, _, _)| *s == step_id) {
            turns_used += 1;
            pending.clear();
            messages.push(Message::assistant(content, calls.clone()));
            for call in calls {
                match results.get(&call.id) {
                    Some(text) => messages.push(Message::tool(call.id.clone(), text.clone())),
                    None => pending.push(call),
                }
            }
            let _ = step;
        }
        point.partial = Some(PartialStep { step_id, messages, pending, turns_used });
    }
    point
}
