//! Prometheus metrics: tasks by state, queue depth and age, lease rescues,
//! run latency, model tokens and cost, HTTP latency by route and status,
//! and backpressure refusals. Queue figures are read from the store at
//! scrape time, so every worker's work shows, wherever it ran.

use std::sync::atomic::AtomicU64;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabel {
    phase: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

/// The registry and the handles the server updates.
pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Histogram>,
    tasks: Family<StateLabel, Gauge>,
    depth: Family<QueueLabel, Gauge>,
    oldest: Gauge<f64, AtomicU64>,
    rescues: Gauge,
    claims: Gauge,
    runs: Family<OutcomeLabel, Histogram>,
    phases: Family<PhaseLabel, Histogram>,
    tokens: Family<KindLabel, Counter>,
    cost: Counter<f64, AtomicU64>,
    backpressure: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "chamber_http_request_duration_seconds",
            "HTTP request latency by route, method and status",
            http.clone(),
        );
        let tasks = Family::<StateLabel, Gauge>::default();
        registry.register("chamber_tasks", "Tasks by state", tasks.clone());
        let depth = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "chamber_queue_depth",
            "Queued tasks per queue",
            depth.clone(),
        );
        let oldest = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "chamber_queue_oldest_age_seconds",
            "Age of the oldest queued task",
            oldest.clone(),
        );
        let rescues = Gauge::default();
        registry.register(
            "chamber_lease_rescues",
            "Tasks taken back from a worker whose lease expired (all time)",
            rescues.clone(),
        );
        let claims = Gauge::default();
        registry.register("chamber_claims", "Task claims (all time)", claims.clone());
        let runs = Family::<OutcomeLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.05, 2.0, 16))
        });
        registry.register(
            "chamber_run_duration_seconds",
            "Task run latency in this process, by outcome",
            runs.clone(),
        );
        let phases = Family::<PhaseLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 22))
        });
        registry.register(
            "chamber_phase_duration_seconds",
            "Phases of task runs in this process: plan, approval_wait, step, tool, model",
            phases.clone(),
        );
        let tokens = Family::<KindLabel, Counter>::default();
        registry.register(
            "chamber_model_tokens",
            "Model tokens used by runs in this process",
            tokens.clone(),
        );
        let cost = Counter::<f64, AtomicU64>::default();
        registry.register(
            "chamber_model_cost_usd",
            "Model cost of runs in this process",
            cost.clone(),
        );
        let backpressure = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "chamber_backpressure",
            "Requests refused by the queue cap or a rate limit",
            backpressure.clone(),
        );
        Self {
            registry,
            http,
            tasks,
            depth,
            oldest,
            rescues,
            claims,
            runs,
            phases,
            tokens,
            cost,
            backpressure,
        }
    }

    /// Records how long one phase of a task run took.
    pub fn phase(&self, phase: &str, seconds: f64) {
        self.phases
            .get_or_create(&PhaseLabel {
                phase: phase.into(),
            })
            .observe(seconds);
    }

    /// Counts a refusal (`queue_full`, `rate_limit`).
    pub fn backpressure(&self, reason: &str) {
        self.backpressure
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc();
    }

    /// Records one finished task run.
    pub fn run_finished(
        &self,
        outcome: &str,
        seconds: f64,
        prompt: u64,
        completion: u64,
        usd: f64,
    ) {
        self.runs
            .get_or_create(&OutcomeLabel {
                outcome: outcome.into(),
            })
            .observe(seconds);
        for (kind, n) in [("prompt", prompt), ("completion", completion)] {
            self.tokens
                .get_or_create(&KindLabel { kind: kind.into() })
                .inc_by(n);
        }
        if usd > 0.0 {
            self.cost.inc_by(usd);
        }
    }

    /// The text exposition, with queue figures read from the store now.
    pub async fn render(&self, store: &chamber_store::Store) -> Result<String, String> {
        let stats = store.queue_stats().await.map_err(|e| e.to_string())?;
        for state in chamber_store::TaskState::ALL {
            let n = stats.by_state.get(state).copied().unwrap_or(0);
            self.tasks
                .get_or_create(&StateLabel {
                    state: state.as_str().into(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        // A queue that emptied must read 0, not its last depth.
        self.depth.clear();
        for (queue, n) in &stats.depth {
            self.depth
                .get_or_create(&QueueLabel {
                    queue: queue.clone(),
                })
                .set(i64::try_from(*n).unwrap_or(i64::MAX));
        }
        self.oldest.set(stats.oldest_queued_age_secs.unwrap_or(0.0));
        self.rescues
            .set(i64::try_from(stats.rescues).unwrap_or(i64::MAX));
        self.claims
            .set(i64::try_from(stats.claims).unwrap_or(i64::MAX));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| e.to_string())?;
        Ok(text)
    }
}

/// Middleware: times every request by its route pattern (not its path, so
/// ids do not explode the label set).
pub async fn track_http(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .http
        .get_or_create(&HttpLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}
