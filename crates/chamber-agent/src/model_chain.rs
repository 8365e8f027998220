//! Calling a route's chain of models: retries and fallback along it, one
//! `model_calls` record per attempt (tokens, cost, latency, error class),
//! and the failures seen on the way. Runs use it through
//! `Engine::model_turn`; commands that ask a model once outside any run
//! (commit messages, reviews, explanations) use it through [`OneShotModel`],
//! so they get the same retries, fallback and cost records.

use std::sync::Arc;
use std::time::Duration;

use chamber_config::ProviderConfig;
use chamber_llm::{
    CallNote, ChatRequest, ChatResponse, ErrorKind, LlmError, ModelTable, RetryPolicy, Served,
    Target, complete_with_fallback,
};
use chamber_policy::Redactor;
use chamber_protocol::EventKind;
use chamber_store::{CallRecord, Store};

use crate::AgentError;
use crate::providers::{RouteRole, Routes};

/// A failure the call loop saw, kept until the request ends so that a run
/// records it as an event after the attempts.
pub(crate) enum Seen {
    /// One attempt failed.
    Failed {
        label: String,
        attempt: u32,
        error: String,
        retrying: bool,
    },
    /// The chain moved on to its next model.
    FellBack {
        from: String,
        to: String,
        class: String,
        error: String,
    },
}

impl Seen {
    /// The run event that reports this failure.
    pub(crate) fn into_event(self, step_id: Option<&str>) -> EventKind {
        match self {
            Seen::Failed {
                label,
                attempt,
                error,
                retrying,
            } => EventKind::ModelError {
                step_id: step_id.map(String::from),
                attempt,
                error: format!("{label}: {error}"),
                retrying,
            },
            Seen::FellBack {
                from,
                to,
                class,
                error,
            } => EventKind::ModelFallback {
                step_id: step_id.map(String::from),
                from,
                to,
                error_class: class,
                error,
            },
        }
    }

    /// The failure in one line, for commands that report it themselves.
    fn line(&self) -> String {
        match self {
            Seen::Failed {
                label,
                attempt,
                error,
                ..
            } => format!("{label} attempt {attempt}: {error}"),
            Seen::FellBack {
                from, to, class, ..
            } => format!("fell back from {from} to {to} ({class})"),
        }
    }
}

/// One request along a chain, and how its attempts are recorded.
pub(crate) struct ChainCall<'a> {
    pub chain: &'a [Target],
    pub models: &'a ModelTable,
    pub fall_on: &'a [ErrorKind],
    pub provider: &'a ProviderConfig,
    /// The `model_calls` phase (`plan`, `step`, `compact`, `commit`, …).
    pub phase: &'a str,
    pub role: RouteRole,
    pub step_id: Option<&'a str>,
}

/// The attempts' records (run id still empty), the failures seen, and the
/// answer; `None` when `limit` ran out first.
pub(crate) type ChainResult = (Vec<CallRecord>, Vec<Seen>, Option<Result<Served, LlmError>>);

impl ChainCall<'_> {
    /// Sends `request` along the chain, within `limit` when one is given.
    pub(crate) async fn run(
        &self,
        request: &ChatRequest,
        limit: Option<Duration>,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> ChainResult {
        let policy = RetryPolicy {
            max_retries: self.provider.max_retries,
            base_delay: Duration::from_millis(self.provider.retry_base_ms),
            idle_timeout: Duration::from_secs(self.provider.idle_timeout_secs.max(1)),
            limits: crate::providers::answer_limits(self.provider),
        };
        let mut records: Vec<CallRecord> = Vec::new();
        let mut seen: Vec<Seen> = Vec::new();
        let mut on_note = |note: CallNote<'_>| match note {
            CallNote::Attempt {
                target,
                attempt,
                outcome,
                latency,
                retrying,
            } => {
                let (usage, error) = match outcome {
                    Ok(r) => (r.usage, None),
                    Err(e) => (Default::default(), Some(e)),
                };
                records.push(CallRecord {
                    run_id: String::new(),
                    step_id: self.step_id.map(String::from),
                    phase: self.phase.into(),
                    role: self.role.as_str().into(),
                    provider: target.provider.name().to_string(),
                    model: target.model.clone(),
                    attempt,
                    ok: error.is_none(),
                    error_class: error.map(|e| e.kind.code().to_string()),
                    usage,
                    // What the server evaluated afresh and what it reused
                    // from its prompt cache, for answered attempts.
                    prompt_eval_tokens: error
                        .is_none()
                        .then(|| usage.prompt_tokens.saturating_sub(usage.cached_tokens)),
                    prompt_cached_tokens: error.is_none().then_some(usage.cached_tokens),
                    cost_usd: self.models.cost(&target.model, &usage),
                    latency_ms: latency.as_millis() as u64,
                    created_at: chrono::Utc::now(),
                });
                if let Some(e) = error {
                    seen.push(Seen::Failed {
                        label: target.label(),
                        attempt,
                        error: format!("{e}; {}", e.kind.hint()),
                        retrying,
                    });
                }
            }
            CallNote::FellBack { from, to, error } => seen.push(Seen::FellBack {
                from: from.label(),
                to: to.label(),
                class: error.kind.code().to_string(),
                error: error.to_string(),
            }),
        };
        let call = complete_with_fallback(
            self.chain,
            request,
            policy,
            self.fall_on,
            on_text,
            &mut on_note,
        );
        let result = match limit {
            Some(left) => tokio::time::timeout(left, call).await.ok(),
            None => Some(call.await),
        };
        (records, seen, result)
    }
}

/// A model asked once, outside any run, through the same path as a run's
/// turns: the tactical route with its retries and fallback, the request
/// redacted, every attempt recorded in `model_calls` (so `chamber stats`
/// counts its tokens and cost).
pub struct OneShotModel {
    /// The main provider and model, and why they were chosen.
    pub choice: crate::ProviderChoice,
    /// The chains to use (the tactical one).
    pub routes: Routes,
    /// Retry, timeout and answer-size settings.
    pub provider: ProviderConfig,
    /// Hides secrets in what is sent.
    pub redactor: Arc<Redactor>,
    /// Where the attempts are recorded.
    pub store: Store,
}

/// A one-shot answer and where it came from.
#[derive(Debug, Clone)]
pub struct OneShotAnswer {
    /// The answer.
    pub response: ChatResponse,
    /// The provider that answered.
    pub provider: String,
    /// The model that answered.
    pub model: String,
    /// Its price, when the model's price is known.
    pub cost_usd: Option<f64>,
    /// Failed attempts and fallbacks before the answer, in words.
    pub notes: Vec<String>,
}

impl OneShotModel {
    /// Asks for one answer; `phase` names the command in `model_calls`
    /// (`commit`, `review`, `explain`). Every attempt is recorded, the
    /// failed ones too, before an error is returned.
    pub async fn ask(
        &self,
        phase: &str,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<OneShotAnswer, AgentError> {
        let mut redacted = request.clone();
        crate::redaction::redact_request(&self.redactor, &mut redacted);
        let chain = self.routes.chain(RouteRole::Tactical);
        let call = ChainCall {
            chain,
            models: &self.routes.models,
            fall_on: &self.routes.fall_on,
            provider: &self.provider,
            phase,
            role: RouteRole::Tactical,
            step_id: None,
        };
        let (records, seen, result) = call.run(&redacted, None, on_text).await;
        for r in &records {
            self.store.record_call(r).await?;
        }
        let served = result
            .ok_or_else(|| AgentError::InvalidState("the model request did not finish".into()))??;
        let target = &chain[served.index];
        Ok(OneShotAnswer {
            cost_usd: self
                .routes
                .models
                .cost(&target.model, &served.response.usage),
            provider: target.provider.name().to_string(),
            model: target.model.clone(),
            response: served.response,
            notes: seen.iter().map(Seen::line).collect(),
        })
    }
}
