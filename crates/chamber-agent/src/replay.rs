use std::collections::{HashMap, HashSet};

use chamber_llm::Message;
use chamber_protocol::{Checkpoint, Event, EventKind, Plan, ToolCall};

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
    /// Parallel steps whose merge was recorded but not completed: the
    /// merge is finished, not the step run again.
    pub merging: Vec<(String, chamber_protocol::PendingMerge)>,
}

/// A step interrupted midway.
pub struct PartialStep {
    /// Its id.
    pub step_id: String,
    /// Recorded model answers and tool results, in order.
    pub messages: Vec<Message>,
    /// Calls the model asked for that never finished.
    pub pending: Vec<PendingCall>,
    /// Model turns already spent.
    pub turns_used: u32,
    /// The checkpoint the step made before its first change, if it got that far.
    pub checkpoint: Option<Checkpoint>,
}

/// A call the model asked for that has no recorded end.
#[derive(Debug, Clone)]
pub struct PendingCall {
    /// The call.
    pub call: ToolCall,
    /// Whether it had started (`tool_started`): its effects may have happened.
    pub started: bool,
    /// The writes it announced before making them, in order.
    pub intents: Vec<RecordedIntent>,
    /// Output it streamed before the stop.
    pub output: String,
}

/// One `edit_intended` event: a file write announced before it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedIntent {
    /// Path relative to the workspace.
    pub path: String,
    /// sha256 of the content before (`None`: absent).
    pub before_sha256: Option<String>,
    /// sha256 of the content after (`None`: deleted).
    pub after_sha256: Option<String>,
}

/// What the events say about one call of a turn.
#[derive(Default)]
struct CallTrace {
    result: Option<String>,
    started: bool,
    intents: Vec<RecordedIntent>,
    output: String,
}

/// One recorded model turn of a step, with what became of its calls.
struct Turn {
    step: String,
    content: String,
    calls: Vec<ToolCall>,
    traces: HashMap<String, CallTrace>,
}

/// The step that failed last, with the checkpoint it made, when no step
/// started after it: resuming a failed run retries that step from scratch,
/// so its partial effects must be taken back first.
pub fn failed_step(events: &[Event]) -> Option<(String, Checkpoint)> {
    let mut current: Option<(String, Option<Checkpoint>)> = None;
    let mut failed = None;
    for ev in events {
        match &ev.kind {
            EventKind::StepStarted { step_id, .. } => {
                current = Some((step_id.clone(), None));
                failed = None;
            }
            EventKind::CheckpointCreated {
                step_id,
                checkpoint,
            } => {
                if let Some((id, slot)) = current.as_mut()
                    && id == step_id
                {
                    *slot = Some(checkpoint.clone());
                }
            }
            EventKind::StepFailed { step_id, .. } => {
                failed = current
                    .take()
                    .filter(|(id, _)| id == step_id)
                    .and_then(|(id, cp)| cp.map(|cp| (id, cp)));
            }
            EventKind::StepCompleted { .. } => current = None,
            _ => {}
        }
    }
    failed
}

/// Rebuilds the resume point from a run's events.
pub fn resume_point(events: &[Event]) -> ResumePoint {
    let mut point = ResumePoint::default();
    let mut current: Option<String> = None;
    let mut checkpoint: Option<Checkpoint> = None;
    // Each turn keeps its own results: ids from some servers repeat across
    // turns, so a later call must never pick up an earlier call's result.
    let mut turns: Vec<Turn> = Vec::new();
    // Steps running in their own worktrees (`parallel`): their turns acted
    // there, not in the run's tree, so none of them is resumed midway. One
    // not merged when the run stopped starts again from scratch.
    let mut branched: HashSet<String> = HashSet::new();
    for ev in events {
        match &ev.kind {
            EventKind::StepsParallel { step_ids } => branched.extend(step_ids.iter().cloned()),
            EventKind::StepMerged {
                step_id,
                merged: false,
                ..
            } => {
                branched.remove(step_id);
            }
            EventKind::StepMerged {
                step_id,
                merge: Some(merge),
                ..
            } => point.merging.push((step_id.clone(), merge.clone())),
            EventKind::StepStarted { step_id, .. } if branched.contains(step_id) => {}
            EventKind::ModelTurn {
                step_id: Some(step),
                ..
            } if branched.contains(step) => {}
            EventKind::PlanApproved { plan, .. } => {
                point.plan = Some(plan.clone());
                point.done.clear();
                point.merging.clear();
            }
            EventKind::Replanned { plan, .. } => {
                point.plan = Some(plan.clone());
                point.done.clear();
                point.merging.clear();
                point.replans_used += 1;
            }
            EventKind::StepStarted { step_id, .. } => {
                current = Some(step_id.clone());
                checkpoint = None;
            }
            EventKind::CheckpointCreated {
                step_id,
                checkpoint: made,
            } if current.as_ref() == Some(step_id) => checkpoint = Some(made.clone()),
            EventKind::StepCompleted { step_id, summary } => {
                branched.remove(step_id);
                point.merging.retain(|(id, _)| id != step_id);
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
            EventKind::ModelTurn {
                step_id: Some(step),
                content,
                tool_calls,
                ..
            } => {
                turns.push(Turn {
                    step: step.clone(),
                    content: content.clone(),
                    calls: tool_calls.clone(),
                    traces: HashMap::new(),
                });
            }
            EventKind::ToolFinished {
                step_id,
                call_id,
                result,
                ..
            } => {
                if let Some(turn) = turns.last_mut().filter(|t| t.step == *step_id) {
                    turn.traces.entry(call_id.clone()).or_default().result =
                        Some(result.to_model_text());
                }
            }
            EventKind::ToolStarted { step_id, call } => {
                if let Some(turn) = turns.last_mut().filter(|t| t.step == *step_id) {
                    turn.traces.entry(call.id.clone()).or_default().started = true;
                }
            }
            EventKind::ToolOutput { call_id, chunk, .. } => {
                if let Some(turn) = turns.last_mut() {
                    turn.traces
                        .entry(call_id.clone())
                        .or_default()
                        .output
                        .push_str(chunk);
                }
            }
            EventKind::EditIntended {
                step_id,
                call_id,
                path,
                before_sha256,
                after_sha256,
            } => {
                if let Some(turn) = turns.last_mut().filter(|t| t.step == *step_id) {
                    turn.traces
                        .entry(call_id.clone())
                        .or_default()
                        .intents
                        .push(RecordedIntent {
                            path: path.clone(),
                            before_sha256: before_sha256.clone(),
                            after_sha256: after_sha256.clone(),
                        });
                }
            }
            _ => {}
        }
    }
    if let Some(step_id) = current {
        let mut messages = Vec::new();
        let mut pending = Vec::new();
        let mut turns_used = 0;
        for mut turn in turns.into_iter().filter(|t| t.step == step_id) {
            turns_used += 1;
            pending.clear();
            messages.push(Message::assistant(turn.content, turn.calls.clone()));
            for call in turn.calls {
                let trace = turn.traces.remove(&call.id).unwrap_or_default();
                match trace.result {
                    Some(text) => messages.push(Message::tool(call.id.clone(), text)),
                    None => pending.push(PendingCall {
                        call,
                        started: trace.started,
                        intents: trace.intents,
                        output: trace.output,
                    }),
                }
            }
        }
        point.partial = Some(PartialStep {
            step_id,
            messages,
            pending,
            turns_used,
            checkpoint,
        });
    }
    point
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_protocol::{Step, StepKind, ToolResult, ToolStatus, Usage};
    use chrono::Utc;

    fn ev(seq: u64, kind: EventKind) -> Event {
        Event {
            run_id: "r".into(),
            seq,
            ts: Utc::now(),
            kind,
        }
    }

    fn plan(ids: &[&str]) -> Plan {
        Plan {
            title: "t".into(),
            steps: ids
                .iter()
                .map(|id| Step {
                    id: id.to_string(),
                    title: format!("s{id}"),
                    detail: String::new(),
                    kind: StepKind::Edit,
                    depends_on: vec![],
                    notes: None,
                    action: None,
                })
                .collect(),
        }
    }

    fn call(id: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "shell".into(),
            arguments: "{}".into(),
        }
    }

    fn turn(step: &str) -> EventKind {
        EventKind::ModelTurn {
            step_id: Some(step.into()),
            content: String::new(),
            tool_calls: vec![call(&format!("c{step}"))],
            usage: Usage::default(),
            duration_ms: 1,
            provider: String::new(),
            model: String::new(),
            cost_usd: None,
        }
    }

    #[test]
    fn parallel_steps_are_done_once_merged_and_never_resumed_midway() {
        let started = |id: &str| EventKind::StepStarted {
            step_id: id.into(),
            title: format!("s{id}"),
        };
        let mut events = vec![
            ev(
                1,
                EventKind::PlanApproved {
                    plan: plan(&["1", "2", "3"]),
                    by: "x".into(),
                },
            ),
            ev(
                2,
                EventKind::StepsParallel {
                    step_ids: vec!["1".into(), "2".into()],
                },
            ),
            ev(3, started("1")),
            ev(4, started("2")),
            ev(5, turn("1")),
            ev(6, turn("2")),
            ev(
                7,
                EventKind::StepMerged {
                    step_id: "1".into(),
                    merged: true,
                    files: vec!["a.txt".into()],
                    detail: String::new(),
                    merge: None,
                },
            ),
            ev(
                8,
                EventKind::StepCompleted {
                    step_id: "1".into(),
                    summary: "did 1".into(),
                },
            ),
        ];
        // Killed between recording the merge and completing the step: the
        // merge is finished on resume, the step not run again.
        let completed = events.pop().expect("step_completed");
        if let EventKind::StepMerged { merge, .. } = &mut events[6].kind {
            *merge = Some(chamber_protocol::PendingMerge {
                base_tree: "b".into(),
                branch_tree: "t".into(),
                summary: "did 1".into(),
            });
        }
        let point = resume_point(&events);
        assert!(point.done.is_empty());
        assert_eq!(point.merging.len(), 1);
        assert_eq!(point.merging[0].0, "1");
        assert!(point.partial.is_none());
        events.push(completed);
        // Killed before step 2 was merged: 1 is done, 2 starts afresh.
        let point = resume_point(&events);
        assert!(point.merging.is_empty(), "a completed merge is not redone");
        assert_eq!(point.done, ["1"]);
        assert!(
            point.partial.is_none(),
            "a worktree's turns are not resumed"
        );
        // Step 2 fell back and runs alone in the run's tree: that is resumable.
        events.push(ev(
            9,
            EventKind::StepMerged {
                step_id: "2".into(),
                merged: false,
                files: vec![],
                detail: "conflict".into(),
                merge: None,
            },
        ));
        events.push(ev(10, started("2")));
        events.push(ev(11, turn("2")));
        let point = resume_point(&events);
        let partial = point.partial.expect("step 2 is resumed");
        assert_eq!(partial.step_id, "2");
        assert_eq!(partial.turns_used, 1, "only the turn in the run's tree");
    }

    #[test]
    fn rebuilds_partial_step_with_finished_and_pending_calls() {
        let events = vec![
            ev(
                1,
                EventKind::PlanApproved {
                    plan: plan(&["1", "2"]),
                    by: "x".into(),
                },
            ),
            ev(
                2,
                EventKind::StepStarted {
                    step_id: "1".into(),
                    title: "s1".into(),
                },
            ),
            ev(
                3,
                EventKind::StepCompleted {
                    step_id: "1".into(),
                    summary: "did 1".into(),
                },
            ),
            ev(
                4,
                EventKind::StepStarted {
                    step_id: "2".into(),
                    title: "s2".into(),
                },
            ),
            ev(
                5,
                EventKind::ModelTurn {
                    step_id: Some("2".into()),
                    content: String::new(),
                    tool_calls: vec![call("a"), call("b")],
                    usage: Usage::default(),
                    duration_ms: 1,
                    provider: String::new(),
                    model: String::new(),
                    cost_usd: None,
                },
            ),
            ev(
                6,
                EventKind::ToolFinished {
                    step_id: "2".into(),
                    call_id: "a".into(),
                    name: "shell".into(),
                    result: ToolResult {
                        status: ToolStatus::Ok,
                        stdout: "out-a".into(),
                        ..Default::default()
                    },
                },
            ),
        ];
        let p = resume_point(&events);
        assert_eq!(p.done, vec!["1".to_string()]);
        assert_eq!(p.summaries, vec![("s1".to_string(), "did 1".to_string())]);
        let partial = p.partial.unwrap();
        assert_eq!(partial.step_id, "2");
        assert_eq!(partial.turns_used, 1);
        assert_eq!(
            partial.messages.len(),
            2,
            "assistant turn + one finished tool result"
        );
        assert!(partial.messages[1].content.contains("out-a"));
        assert_eq!(
            partial
                .pending
                .iter()
                .map(|c| c.call.id.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
    }

    #[test]
    fn replan_resets_done_steps() {
        let events = vec![
            ev(
                1,
                EventKind::PlanApproved {
                    plan: plan(&["1"]),
                    by: "x".into(),
                },
            ),
            ev(
                2,
                EventKind::StepStarted {
                    step_id: "1".into(),
                    title: "s1".into(),
                },
            ),
            ev(
                3,
                EventKind::StepFailed {
                    step_id: "1".into(),
                    error: "e".into(),
                },
            ),
            ev(
                4,
                EventKind::Replanned {
                    plan: plan(&["1", "2"]),
                    reason: "e".into(),
                },
            ),
        ];
        let p = resume_point(&events);
        assert_eq!(p.replans_used, 1);
        assert!(p.done.is_empty());
        assert!(p.partial.is_none());
        assert_eq!(p.plan.unwrap().steps.len(), 2);
    }

    #[test]
    fn a_repeated_call_id_never_borrows_an_earlier_result() {
        let turn = |seq, calls| {
            ev(
                seq,
                EventKind::ModelTurn {
                    step_id: Some("1".into()),
                    content: String::new(),
                    tool_calls: calls,
                    usage: Usage::default(),
                    duration_ms: 1,
                    provider: String::new(),
                    model: String::new(),
                    cost_usd: None,
                },
            )
        };
        let events = vec![
            ev(
                1,
                EventKind::PlanApproved {
                    plan: plan(&["1"]),
                    by: "x".into(),
                },
            ),
            ev(
                2,
                EventKind::StepStarted {
                    step_id: "1".into(),
                    title: "s1".into(),
                },
            ),
            turn(3, vec![call("same")]),
            ev(
                4,
                EventKind::ToolFinished {
                    step_id: "1".into(),
                    call_id: "same".into(),
                    name: "shell".into(),
                    result: ToolResult {
                        status: ToolStatus::Ok,
                        stdout: "first".into(),
                        ..Default::default()
                    },
                },
            ),
            turn(5, vec![call("same")]),
        ];
        let partial = resume_point(&events).partial.unwrap();
        assert_eq!(partial.turns_used, 2);
        assert_eq!(partial.pending.len(), 1, "the second call never ran");
        assert_eq!(partial.messages.len(), 3);
    }
}
