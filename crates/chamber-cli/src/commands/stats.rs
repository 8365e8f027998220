//! `chamber stats`: tokens, cost, calls, errors by class and latency
//! percentiles per provider and per run phase, from the recorded calls.

use std::collections::BTreeMap;

use chamber_store::{CallFilter, CallRecord, Store};
use serde::Serialize;
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// Totals for one group of calls.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Attempts made.
    pub calls: u64,
    /// Attempts that failed.
    pub errors: u64,
    /// Failures by class code.
    pub errors_by_class: BTreeMap<String, u64>,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Prompt tokens served from cache.
    pub cached_tokens: u64,
    /// Prompt tokens the server evaluated afresh (calls that report it).
    pub prompt_eval_tokens: u64,
    /// Prompt tokens the server reused from its prompt cache (calls that
    /// report it).
    pub prompt_cached_tokens: u64,
    /// Known cost in USD.
    pub cost_usd: f64,
    /// Calls whose price is unknown.
    pub unpriced_calls: u64,
    /// Median latency.
    pub latency_p50_ms: u64,
    /// 95th percentile latency.
    pub latency_p95_ms: u64,
    #[serde(skip)]
    latencies: Vec<u64>,
}

impl Group {
    fn add(&mut self, c: &CallRecord) {
        self.calls += 1;
        if !c.ok {
            self.errors += 1;
            *self
                .errors_by_class
                .entry(c.error_class.clone().unwrap_or_else(|| "unknown".into()))
                .or_default() += 1;
        }
        self.prompt_tokens += c.usage.prompt_tokens;
        self.completion_tokens += c.usage.completion_tokens;
        self.cached_tokens += c.usage.cached_tokens;
        self.prompt_eval_tokens += c.prompt_eval_tokens.unwrap_or(0);
        self.prompt_cached_tokens += c.prompt_cached_tokens.unwrap_or(0);
        match c.cost_usd {
            Some(x) => self.cost_usd += x,
            None if c.ok => self.unpriced_calls += 1,
            None => {}
        }
        self.latencies.push(c.latency_ms);
    }

    fn finish(&mut self) {
        self.latencies.sort_unstable();
        self.latency_p50_ms = percentile(&self.latencies, 50);
        self.latency_p95_ms = percentile(&self.latencies, 95);
    }
}

/// The nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[u64], p: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// All calls, by provider, by phase and by model.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    /// Everything.
    pub total: Group,
    /// By provider name.
    pub by_provider: BTreeMap<String, Group>,
    /// By phase: a run's `plan`, `step` and `compact`, and the one-shot
    /// commands' `commit`, `review` and `explain`.
    pub by_phase: BTreeMap<String, Group>,
    /// By `provider:model`.
    pub by_model: BTreeMap<String, Group>,
    /// By step (`plan` for planning), meaningful for one run.
    pub by_step: BTreeMap<String, Group>,
    /// Distinct runs.
    pub runs: usize,
}

/// Aggregates call records.
pub fn aggregate(calls: &[CallRecord]) -> Stats {
    let mut s = Stats::default();
    let mut runs = std::collections::BTreeSet::new();
    for c in calls {
        // One-shot calls (commit, review, explain) belong to no run.
        if !c.run_id.is_empty() {
            runs.insert(c.run_id.as_str());
        }
        s.total.add(c);
        s.by_provider.entry(c.provider.clone()).or_default().add(c);
        s.by_phase.entry(c.phase.clone()).or_default().add(c);
        s.by_model
            .entry(format!("{}:{}", c.provider, c.model))
            .or_default()
            .add(c);
        s.by_step
            .entry(c.step_id.clone().unwrap_or_else(|| "plan".into()))
            .or_default()
            .add(c);
    }
    s.runs = runs.len();
    s.total.finish();
    for g in s
        .by_provider
        .values_mut()
        .chain(s.by_phase.values_mut())
        .chain(s.by_model.values_mut())
        .chain(s.by_step.values_mut())
    {
        g.finish();
    }
    s
}

/// `chamber stats [--run ID] [--since DURATION]`.
pub async fn stats(
    store: &Store,
    run: Option<String>,
    since: Option<std::time::Duration>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let run_id = match run {
        Some(id) => Some(
            store
                .get_run(&id)
                .await
                .map_err(|e| CliError::new("not_found", e.to_string(), None, status::NOT_FOUND))?
                .id,
        ),
        None => None,
    };
    let since = since
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| chrono::Utc::now() - d);
    let calls = store
        .calls(&CallFilter {
            run_id: run_id.clone(),
            since,
        })
        .await
        .map_err(|e| CliError::new("store_failed", e.to_string(), None, status::INTERNAL))?;
    let s = aggregate(&calls);
    if calls.is_empty() {
        out.line("no model calls recorded yet");
    } else {
        out.line(format!(
            "{} call(s) in {} run(s) · {} tokens in ({} evaluated, {} reused from the prompt cache) / {} out · ${:.4}{}",
            s.total.calls,
            s.runs,
            s.total.prompt_tokens,
            s.total.prompt_eval_tokens,
            s.total.prompt_cached_tokens,
            s.total.completion_tokens,
            s.total.cost_usd,
            if s.total.unpriced_calls > 0 {
                format!(" (+{} call(s) with unknown prices)", s.total.unpriced_calls)
            } else {
                String::new()
            }
        ));
        let mut tables = vec![
            ("provider", &s.by_provider),
            ("phase", &s.by_phase),
            ("model", &s.by_model),
        ];
        if run_id.is_some() {
            tables.push(("step", &s.by_step));
        }
        for (title, groups) in tables {
            out.line(format!(
                "\n{}",
                Output::styled(
                    style::HEAD,
                    format!(
                        "{:<34} {:>6} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10} {:>8} {:>8}",
                        format!("by {title}"),
                        "calls",
                        "errors",
                        "tokens in",
                        "evaluated",
                        "reused",
                        "out",
                        "cost $",
                        "p50 ms",
                        "p95 ms"
                    )
                )
            ));
            for (name, g) in groups {
                out.line(format!(
                    "{name:<34} {:>6} {:>7} {:>10} {:>10} {:>10} {:>9} {:>10.4} {:>8} {:>8}",
                    g.calls,
                    g.errors,
                    g.prompt_tokens,
                    g.prompt_eval_tokens,
                    g.prompt_cached_tokens,
                    g.completion_tokens,
                    g.cost_usd,
                    g.latency_p50_ms,
                    g.latency_p95_ms
                ));
                if !g.errors_by_class.is_empty() {
                    let classes: Vec<String> = g
                        .errors_by_class
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect();
                    out.line(Output::styled(
                        style::DIM,
                        format!("    errors: {}", classes.join(", ")),
                    ));
                }
            }
        }
    }
    Ok(json!({ "run_id": run_id, "stats": s }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_protocol::Usage;

    fn call(provider: &str, phase: &str, ok: bool, latency: u64, cost: Option<f64>) -> CallRecord {
        CallRecord {
            run_id: format!("run-{phase}"),
            step_id: None,
            phase: phase.into(),
            role: "tactical".into(),
            provider: provider.into(),
            model: "m".into(),
            attempt: 1,
            ok,
            error_class: (!ok).then(|| "rate_limited".into()),
            usage: Usage {
                prompt_tokens: if ok { 100 } else { 0 },
                completion_tokens: if ok { 10 } else { 0 },
                cached_tokens: 0,
                reasoning_tokens: 0,
            },
            prompt_eval_tokens: ok.then_some(30),
            prompt_cached_tokens: ok.then_some(70),
            cost_usd: cost,
            latency_ms: latency,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn groups_count_errors_cost_and_percentiles() {
        let mut calls: Vec<CallRecord> = (1..=20)
            .map(|i| call("openai", "step", true, i * 10, Some(0.01)))
            .collect();
        calls.push(call("openai", "plan", false, 5, None));
        calls.push(call("anthropic", "plan", true, 1000, None));
        let s = aggregate(&calls);
        assert_eq!(s.total.calls, 22);
        assert_eq!(s.runs, 2);
        let o = &s.by_provider["openai"];
        assert_eq!((o.calls, o.errors), (21, 1));
        assert_eq!(o.errors_by_class["rate_limited"], 1);
        assert!((o.cost_usd - 0.2).abs() < 1e-9);
        let step = &s.by_phase["step"];
        assert_eq!((step.latency_p50_ms, step.latency_p95_ms), (100, 190));
        assert_eq!(s.by_provider["anthropic"].unpriced_calls, 1);
        assert_eq!(s.by_step["plan"].calls, 22);
        // Evaluated and reused prompt tokens count answered calls only.
        assert_eq!(
            (s.total.prompt_eval_tokens, s.total.prompt_cached_tokens),
            (21 * 30, 21 * 70)
        );
        assert_eq!(percentile(&[], 50), 0);
        assert_eq!(percentile(&[7], 95), 7);
    }
}
