//! Runs one claimed task: assembles the run through `chamber-runtime`
//! exactly as the CLI does, keeps the lease alive, turns a cancel request
//! into the run's cancel token, checks the fencing token before commits,
//! and records the outcome on the task.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chamber_agent::{AgentError, CancelToken, Observer, RunOutcome, SideEffectFence};
use chamber_protocol::{Event, EventKind, Origin, RunStatus};
use chamber_runtime::{Act, Overrides, RunSettings, RuntimeError, Setup};
use chamber_store::{Claim, ErrorClass, Heartbeat, Store};

use crate::durable_approver::DurableApprover;
use crate::state::AppState;
use crate::task_request::TaskConstraints;

/// Checks the task's fencing token before a side effect leaves the run.
struct TaskFence {
    store: Store,
    task_id: String,
    token: i64,
}

impl std::fmt::Debug for TaskFence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TaskFence({} @ {})", self.task_id, self.token)
    }
}

#[async_trait::async_trait]
impl SideEffectFence for TaskFence {
    async fn check(&self) -> Result<(), String> {
        self.store
            .check_fence(&self.task_id, self.token)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Links the run to its task as soon as it starts, times its phases for
/// `/metrics`, and wakes streams.
struct TaskObserver {
    store: Store,
    task_id: String,
    token: i64,
    run_id: Arc<Mutex<Option<String>>>,
    wake: Arc<tokio::sync::Notify>,
    metrics: Arc<crate::metrics::Metrics>,
    phases: Mutex<crate::phase_clock::PhaseClock>,
}

impl Observer for TaskObserver {
    fn event(&self, event: &Event) {
        if let EventKind::RunStarted { .. } | EventKind::RunResumed { .. } = event.kind
            && let Ok(mut slot) = self.run_id.lock()
            && slot.as_deref() != Some(event.run_id.as_str())
        {
            *slot = Some(event.run_id.clone());
            let store = self.store.clone();
            let (task, token, run) = (self.task_id.clone(), self.token, event.run_id.clone());
            tokio::spawn(async move {
                if let Err(e) = store.set_task_run(&task, token, &run).await {
                    tracing::warn!(task = %task, error = %e, "cannot link the run to its task");
                }
            });
        }
        if let Ok(mut clock) = self.phases.lock() {
            for (phase, seconds) in clock.observe(event) {
                self.metrics.phase(phase, seconds);
            }
        }
        self.wake.notify_waiters();
    }
}

/// Runs `claim` to its end and records the result on the task.
pub async fn run_claimed(state: &AppState, claim: Claim) {
    let task = claim.task;
    let token = claim.fencing_token;
    let started = Instant::now();
    if task
        .constraints
        .get("noop")
        .and_then(serde_json::Value::as_bool)
        == Some(true)
    {
        let done = state
            .store
            .complete_task(&task.id, token, serde_json::json!({"noop": true}))
            .await;
        if let Err(e) = done {
            tracing::warn!(task = %task.id, error = %e, "cannot complete a no-op task");
        }
        state
            .metrics
            .run_finished("noop", started.elapsed().as_secs_f64(), 0, 0, 0.0);
        state.wake.notify_waiters();
        return;
    }
    tracing::info!(task = %task.id, attempt = task.attempts, rescued = claim.rescued, "task claimed");
    let cancel = CancelToken::new();
    let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let beat = tokio::spawn(heartbeat(
        state.clone(),
        task.id.clone(),
        token,
        cancel.clone(),
        lost.clone(),
    ));
    let beat = StopOnDrop(beat.abort_handle());
    let run_id = Arc::new(Mutex::new(task.run_id.clone()));
    let result = run_task(state, &task, token, cancel.clone(), run_id.clone()).await;
    drop(beat);
    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        tracing::warn!(task = %task.id, "lease lost: another worker has the task; nothing recorded here");
        return;
    }
    let store = &state.store;
    // A cancel the heartbeat has not seen yet (the approver saw it first)
    // still counts.
    let cancelled = cancel.reason().is_some()
        || store
            .get_task(&task.id)
            .await
            .is_ok_and(|t| t.cancel_requested);
    let (label, recorded) = match result {
        Ok((outcome, delivery)) => {
            let usage = (
                outcome.usage.prompt_tokens,
                outcome.usage.completion_tokens,
                outcome.cost_usd,
            );
            state.metrics.run_finished(
                outcome.status.as_str(),
                started.elapsed().as_secs_f64(),
                usage.0,
                usage.1,
                usage.2,
            );
            let mut payload = serde_json::to_value(&outcome).unwrap_or_default();
            if let (Some(delivery), Some(map)) = (delivery, payload.as_object_mut()) {
                map.insert("delivery".into(), delivery);
            }
            let recorded = match outcome.status {
                RunStatus::Completed | RunStatus::AwaitingApproval => store
                    .complete_task(&task.id, token, payload)
                    .await
                    .map(|_| ()),
                _ if cancelled => store.finish_cancelled(&task.id, token).await.map(|_| ()),
                status => {
                    let class = match status {
                        RunStatus::BudgetExceeded => ErrorClass::Budget,
                        RunStatus::Rejected => ErrorClass::Policy,
                        _ => ErrorClass::Model,
                    };
                    store
                        .fail_task(
                            &task.id,
                            token,
                            class,
                            &outcome.summary,
                            &state.settings.retry,
                        )
                        .await
                        .map(|_| ())
                }
            };
            (outcome.status.as_str().to_string(), recorded)
        }
        Err(RuntimeError::Agent(AgentError::Fenced(why))) => {
            tracing::warn!(task = %task.id, %why, "side effect refused: fenced out");
            return;
        }
        Err(e) if cancelled => {
            tracing::info!(task = %task.id, error = %e, "cancelled");
            (
                "cancelled".into(),
                store.finish_cancelled(&task.id, token).await.map(|_| ()),
            )
        }
        Err(e) => {
            let class = classify(&e);
            state
                .metrics
                .run_finished("error", started.elapsed().as_secs_f64(), 0, 0, 0.0);
            let text = e.to_string();
            tracing::warn!(task = %task.id, error = %text, class = %class, "task failed");
            (
                "error".into(),
                store
                    .fail_task(&task.id, token, class, &text, &state.settings.retry)
                    .await
                    .map(|_| ()),
            )
        }
    };
    if let Err(e) = recorded {
        tracing::warn!(task = %task.id, error = %e, "cannot record the task's end");
    }
    tracing::info!(task = %task.id, outcome = %label, secs = started.elapsed().as_secs_f64(), "task finished");
    // Streams see the end; a retry or a freed per-queue slot may be due.
    state.announce_work();
}

/// Stops the heartbeat when the run is over, also when the run panicked: a
/// heartbeat that outlived its run would hold the lease for ever, and the
/// task would never be rescued.
struct StopOnDrop(tokio::task::AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keeps the lease; a cancel request or a lost lease cancels the run.
async fn heartbeat(
    state: AppState,
    task_id: String,
    token: i64,
    cancel: CancelToken,
    lost: Arc<std::sync::atomic::AtomicBool>,
) {
    let lease = state.settings.lease;
    let every = (lease / 3).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(every).await;
        match state.store.heartbeat(&task_id, token, lease).await {
            Ok(Heartbeat::Held) => {}
            Ok(Heartbeat::CancelRequested) => {
                let reason = state
                    .store
                    .get_task(&task_id)
                    .await
                    .ok()
                    .and_then(|t| t.cancel_reason)
                    .unwrap_or_else(|| "cancel requested".into());
                cancel.cancel(&reason);
            }
            Ok(Heartbeat::Lost) => {
                lost.store(true, std::sync::atomic::Ordering::SeqCst);
                cancel.cancel("the lease was lost to another worker");
                return;
            }
            Err(e) => tracing::warn!(task = %task_id, error = %e, "heartbeat failed"),
        }
    }
}

async fn run_task(
    state: &AppState,
    task: &chamber_store::TaskRecord,
    token: i64,
    cancel: CancelToken,
    run_id: Arc<Mutex<Option<String>>>,
) -> Result<(RunOutcome, Option<serde_json::Value>), RuntimeError> {
    let constraints: TaskConstraints =
        serde_json::from_value(task.constraints.clone()).unwrap_or_default();
    let (dir, base) = crate::remote_task::workspace_of(state, task).await?;
    let setup = Setup::resolve(&Overrides {
        dir: Some(dir),
        // A clone of a URL is someone else's repository: its config and
        // policy files do not apply on this machine.
        untrusted_project: chamber_runtime::remote_repo::is_remote(&task.repo),
        ..Overrides::default()
    })?;
    let notice = |m: &str| tracing::info!("{m}");
    let mut engine = setup
        .engine_with_store(state.store.clone(), &notice)
        .await?;
    let settings = RunSettings {
        yes: constraints.auto_approve,
        max_turns: constraints.max_turns,
        budget_cost: constraints.budget_cost_usd,
        budget_time: constraints.budget_time_secs.map(Duration::from_secs),
        budget_tokens: constraints.budget_tokens,
        verify: constraints.verify,
        worktree: !constraints.guarded,
        base,
        mode: constraints.approval_mode.clone(),
        lane: constraints.lane.clone(),
        guarded: constraints.guarded,
        strategy: constraints.strategy.clone(),
        origin: Origin::Api,
        cancel,
        fence: Some(Arc::new(TaskFence {
            store: state.store.clone(),
            task_id: task.id.clone(),
            token,
        })),
        ..RunSettings::default()
    };
    let resumable = match &task.run_id {
        Some(run) if has_plan(state, run).await => {
            let here = workspace_here(state, run).await?;
            if !here {
                // Rescued on another machine: the old worktree, and the
                // edits in it, never left that machine (commits and pushes
                // are fenced), so the task starts again here.
                tracing::info!(task = %task.id, %run, "the run's worktree is not on this machine; starting afresh");
                let why = "taken over by a worker on another machine, which started the task again";
                state
                    .store
                    .set_status(run, RunStatus::Interrupted, Some(why))
                    .await?;
            }
            here
        }
        _ => false,
    };
    let act = match (&task.run_id, &constraints.apply_plan) {
        (Some(run), _) if resumable => {
            // A rescue: the lease, not the old process, says who may act.
            if let Ok(r) = state.store.get_run(run).await
                && r.status == RunStatus::Running
            {
                state
                    .store
                    .set_status(run, RunStatus::Interrupted, None)
                    .await?;
            }
            Act::Resume(run.clone())
        }
        // A run that never got an approved plan has nothing to resume.
        (_, Some(plan)) => Act::Apply(plan.clone()),
        (_, None) => Act::New {
            prompt: task.prompt.clone(),
            plan_only: constraints.plan_only,
            dry_run: false,
        },
    };
    let approver = DurableApprover {
        store: state.store.clone(),
        task_id: task.id.clone(),
        token,
        run_id: run_id.clone(),
        timeout: state.settings.approval_timeout,
        poll: state.settings.poll,
        wake: state.wake.clone(),
    };
    let observer = Arc::new(TaskObserver {
        store: state.store.clone(),
        task_id: task.id.clone(),
        token,
        run_id,
        wake: state.wake.clone(),
        metrics: state.metrics.clone(),
        phases: Mutex::new(Default::default()),
    });
    let outcome =
        chamber_runtime::execute(&mut engine, act, &settings, &approver, observer).await?;
    let delivery = crate::remote_task::deliver(state, task, token, &outcome).await;
    Ok((outcome, delivery))
}

/// Whether the workspace the run recorded at its start (its worktree, or
/// the checkout) exists on this machine, so that resuming can continue
/// the edits made in it.
async fn workspace_here(state: &AppState, run_id: &str) -> Result<bool, RuntimeError> {
    let events = state.store.events_of(run_id, &["run_started"]).await?;
    Ok(events.iter().any(|e| match &e.kind {
        EventKind::RunStarted { workspace, .. } => std::path::Path::new(workspace).is_dir(),
        _ => false,
    }))
}

/// Whether the run got past its plan's approval and stopped short of the
/// end (so resuming it skips finished work); a rejected or expired plan
/// starts afresh.
async fn has_plan(state: &AppState, run_id: &str) -> bool {
    state.store.get_run(run_id).await.is_ok_and(|r| {
        r.plan.is_some()
            && matches!(
                r.status,
                RunStatus::Running
                    | RunStatus::Interrupted
                    | RunStatus::Failed
                    | RunStatus::BudgetExceeded
            )
    })
}

/// Which retry class an error falls in.
fn classify(e: &RuntimeError) -> ErrorClass {
    match e {
        RuntimeError::Agent(AgentError::Llm(_)) => ErrorClass::Transient,
        RuntimeError::Agent(AgentError::BudgetExceeded(_)) => ErrorClass::Budget,
        RuntimeError::Agent(AgentError::Io { .. } | AgentError::Store(_))
        | RuntimeError::Store(_) => ErrorClass::Transient,
        RuntimeError::Local(_) => ErrorClass::Transient,
        // A remote that cannot be fetched now may answer on the next try.
        RuntimeError::Setting {
            code: "repo_unreachable",
            ..
        } => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    }
}
