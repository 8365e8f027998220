//! One model request as the run loop makes it: routed by role, retried and
//! failed over along its chain, priced, recorded per attempt, and metered
//! against the run's budget.

use std::time::Instant;

use chamber_llm::{ChatRequest, ChatResponse};
use chamber_policy::{BudgetVerdict, Reading, Resource};
use chamber_protocol::EventKind;

use crate::AgentError;
use crate::engine::Engine;
use crate::model_chain::ChainCall;
use crate::providers::RouteRole;
use crate::recorder::Recorder;

/// Why a request is made, which decides how it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A turn of planning or of a step: a `model_turn` event, which resume
    /// replays into the step's conversation.
    Turn,
    /// Summarising a step's old turns (context compaction): recorded in
    /// `model_calls` under the phase `compact`, but never replayed as a turn.
    Compaction,
}

impl Engine {
    /// One model request with retries and fallback along `role`'s chain.
    /// Records each attempt, the turn (or the errors), cost and budget use.
    pub(crate) async fn model_turn(
        &self,
        rec: &mut Recorder,
        request: &ChatRequest,
        step_id: Option<&str>,
        role: RouteRole,
    ) -> Result<ChatResponse, AgentError> {
        self.model_request(rec, request, step_id, role, Purpose::Turn)
            .await
    }

    /// [`Engine::model_turn`] for any [`Purpose`].
    pub(crate) async fn model_request(
        &self,
        rec: &mut Recorder,
        request: &ChatRequest,
        step_id: Option<&str>,
        role: RouteRole,
        purpose: Purpose,
    ) -> Result<ChatResponse, AgentError> {
        self.check_time(rec).await?;
        // Nothing leaves for a provider unredacted: the task, file contents
        // and tool output in the conversation all pass through here.
        let mut redacted = request.clone();
        crate::redaction::redact_request(&self.redactor, &mut redacted);
        let request = &redacted;
        let started = Instant::now();
        let chain = self.routes.chain(role);
        let observer = rec.observer().clone();
        let phase = match (purpose, step_id) {
            (Purpose::Compaction, _) => "compact",
            (Purpose::Turn, Some(_)) => "step",
            (Purpose::Turn, None) => "plan",
        };
        let call = ChainCall {
            chain,
            models: &self.routes.models,
            fall_on: &self.routes.fall_on,
            provider: &self.config.provider,
            phase,
            role,
            step_id,
        };
        let mut on_text = |t: &str| observer.text(t);
        let (records, seen, result) = call.run(request, rec.meter.time_left(), &mut on_text).await;
        for mut r in records {
            r.run_id = rec.run_id().to_string();
            rec.store().record_call(&r).await?;
        }
        for s in seen {
            rec.emit(s.into_event(step_id)).await?;
        }
        let Some(result) = result else {
            // The time budget ran out mid-request; nothing was acted on.
            return Err(self.stop_for_time(rec).await);
        };
        let served = result?;
        let target = &chain[served.index];
        let response = served.response;
        let cost = self.routes.models.cost(&target.model, &response.usage);
        if purpose == Purpose::Turn {
            rec.emit(EventKind::ModelTurn {
                step_id: step_id.map(String::from),
                content: response.content.clone(),
                tool_calls: response.tool_calls.clone(),
                usage: response.usage,
                duration_ms: started.elapsed().as_millis() as u64,
                provider: target.provider.name().to_string(),
                model: target.model.clone(),
                cost_usd: cost,
            })
            .await?;
        }
        rec.store()
            .add_usage(rec.run_id(), response.usage, cost.unwrap_or(0.0))
            .await?;
        rec.meter.add(cost.unwrap_or(0.0), response.usage.total());
        self.check_budget(rec).await?;
        Ok(response)
    }

    /// Checks the time budget before work that takes time (a model request,
    /// a tool call).
    pub(crate) async fn check_time(&self, rec: &mut Recorder) -> Result<(), AgentError> {
        self.check_budget(rec).await
    }

    /// Updates elapsed time and acts on the meter: a warning event once per
    /// resource, or a stop.
    async fn check_budget(&self, rec: &mut Recorder) -> Result<(), AgentError> {
        if let Some(reason) = rec.cancel.reason() {
            return Err(AgentError::Cancelled(reason));
        }
        rec.meter.set_elapsed(rec.started.elapsed());
        loop {
            match rec.meter.check() {
                BudgetVerdict::Within => return Ok(()),
                BudgetVerdict::Warn(r) => {
                    rec.emit(EventKind::BudgetWarning {
                        resource: r.resource.as_str().into(),
                        used: r.used,
                        limit: r.limit,
                    })
                    .await?;
                }
                BudgetVerdict::Exceeded(r) => {
                    rec.emit(EventKind::BudgetExceeded {
                        resource: r.resource.as_str().into(),
                        used: r.used,
                        limit: r.limit,
                    })
                    .await?;
                    return Err(AgentError::BudgetExceeded(r));
                }
            }
        }
    }

    async fn stop_for_time(&self, rec: &mut Recorder) -> AgentError {
        let limit = rec
            .meter
            .budget()
            .time
            .map(|t| t.as_secs_f64())
            .unwrap_or_default();
        let r = Reading {
            resource: Resource::Time,
            used: rec.started.elapsed().as_secs_f64(),
            limit,
        };
        if let Err(e) = rec
            .emit(EventKind::BudgetExceeded {
                resource: r.resource.as_str().into(),
                used: r.used,
                limit: r.limit,
            })
            .await
        {
            return e;
        }
        AgentError::BudgetExceeded(r)
    }
}
