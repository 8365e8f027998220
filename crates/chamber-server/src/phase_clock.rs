//! Phase latencies of task runs, read off the events a run emits: planning
//! (run start to plan), waiting for a person (approval request to the next
//! event), each plan step, each tool call, and each model request. They go
//! to `chamber_phase_duration_seconds{phase}`.

use std::collections::HashMap;

use chamber_protocol::{Event, EventKind};
use chrono::{DateTime, Utc};

/// The open phases of one run and when each began.
#[derive(Debug, Default)]
pub struct PhaseClock {
    run_started: Option<DateTime<Utc>>,
    approval_asked: Option<DateTime<Utc>>,
    steps: HashMap<String, DateTime<Utc>>,
    tools: HashMap<String, DateTime<Utc>>,
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6
}

impl PhaseClock {
    /// Takes the run's next event; returns the phases it ended, as
    /// `(phase, seconds)`.
    pub fn observe(&mut self, event: &Event) -> Vec<(&'static str, f64)> {
        let at = event.ts;
        let mut ended = Vec::new();
        // A person answered (or the request expired) before anything else
        // could happen: the wait ends at the next event.
        if let Some(asked) = self.approval_asked.take() {
            ended.push(("approval_wait", seconds(asked, at)));
        }
        match &event.kind {
            EventKind::RunStarted { .. } | EventKind::RunResumed { .. } => {
                self.run_started = Some(at);
            }
            EventKind::PlanProposed { .. } => {
                if let Some(start) = self.run_started.take() {
                    ended.push(("plan", seconds(start, at)));
                }
            }
            EventKind::ApprovalRequested { .. } => self.approval_asked = Some(at),
            EventKind::StepStarted { step_id, .. } => {
                self.steps.insert(step_id.clone(), at);
            }
            EventKind::StepCompleted { step_id, .. } | EventKind::StepFailed { step_id, .. } => {
                if let Some(start) = self.steps.remove(step_id) {
                    ended.push(("step", seconds(start, at)));
                }
            }
            EventKind::ToolStarted { call, .. } => {
                self.tools.insert(call.id.clone(), at);
            }
            EventKind::ToolFinished { call_id, .. } => {
                if let Some(start) = self.tools.remove(call_id) {
                    ended.push(("tool", seconds(start, at)));
                }
            }
            EventKind::ModelTurn { duration_ms, .. } => {
                ended.push(("model", *duration_ms as f64 / 1000.0));
            }
            _ => {}
        }
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_protocol::ToolCall;

    fn at(ms: i64, kind: EventKind) -> Event {
        Event {
            run_id: "r".into(),
            seq: 1,
            ts: DateTime::from_timestamp_millis(1_000_000 + ms).unwrap(),
            kind,
        }
    }

    #[test]
    fn phases_end_where_their_events_say() {
        let mut clock = PhaseClock::default();
        let mut all = Vec::new();
        let events = [
            at(
                0,
                EventKind::StepStarted {
                    step_id: "1".into(),
                    title: "t".into(),
                },
            ),
            at(
                100,
                EventKind::ToolStarted {
                    step_id: "1".into(),
                    call: ToolCall {
                        id: "c".into(),
                        name: "shell".into(),
                        arguments: "{}".into(),
                    },
                },
            ),
            at(
                350,
                EventKind::ApprovalRequested {
                    subject: "action".into(),
                    what: "shell".into(),
                    reason: "r".into(),
                    tier: "high".into(),
                    approvers: 1,
                },
            ),
            at(
                1350,
                EventKind::ToolFinished {
                    step_id: "1".into(),
                    call_id: "c".into(),
                    name: "shell".into(),
                    result: Default::default(),
                },
            ),
            at(
                1500,
                EventKind::StepCompleted {
                    step_id: "1".into(),
                    summary: String::new(),
                },
            ),
            at(
                1600,
                EventKind::StepCompleted {
                    step_id: "9".into(),
                    summary: String::new(),
                },
            ),
        ];
        for e in &events {
            all.extend(clock.observe(e));
        }
        assert_eq!(
            all,
            vec![("approval_wait", 1.0), ("tool", 1.25), ("step", 1.5)]
        );
    }
}
