//! A run's budget kept with its task, so that `resume` without budget flags
//! goes on under the limits the run had, and the warning that a cost limit
//! cannot be enforced on a model without a known price.

use std::time::Duration;

use chamber_policy::Budget;
use chamber_protocol::{EventKind, RunBudget};

use crate::AgentError;
use crate::engine::Engine;
use crate::recorder::Recorder;

/// The budget as recorded with a task.
pub fn to_record(budget: &Budget) -> RunBudget {
    RunBudget {
        cost_usd: budget.cost_usd,
        time_secs: budget.time.map(|t| t.as_secs_f64()),
        tokens: budget.tokens,
    }
}

/// The recorded budget `run` as limits, with `warn_at` from `base`.
pub fn from_record(run: &RunBudget, base: &Budget) -> Budget {
    Budget {
        cost_usd: run.cost_usd,
        time: run
            .time_secs
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64),
        tokens: run.tokens,
        warn_at: base.warn_at,
    }
}

impl Engine {
    /// Records `budget_unmeasured` when a cost limit is set and a model the
    /// run may use has no known price: its calls would count as free, so
    /// the limit would never stop the run.
    pub(crate) async fn warn_unmeasured(&self, rec: &mut Recorder) -> Result<(), AgentError> {
        let Some(limit) = self.budget.cost_usd else {
            return Ok(());
        };
        let mut models: Vec<&str> = self
            .routes
            .tactical
            .iter()
            .chain(&self.routes.strategic)
            .map(|t| t.model.as_str())
            .collect();
        if models.is_empty() {
            models.push(&self.choice.model);
        }
        models.sort_unstable();
        models.dedup();
        let usage = chamber_protocol::Usage::default();
        for model in models {
            if self.routes.models.cost(model, &usage).is_none() {
                rec.emit(EventKind::BudgetUnmeasured {
                    resource: "cost".into(),
                    model: model.to_string(),
                    limit,
                })
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_round_trip_through_the_record() {
        let b = Budget {
            cost_usd: Some(0.5),
            time: Some(Duration::from_secs(90)),
            tokens: Some(1000),
            warn_at: 0.7,
        };
        assert_eq!(
            from_record(&to_record(&b), &Budget::default()).tokens,
            Some(1000)
        );
        let back = from_record(&to_record(&b), &b);
        assert_eq!(back, b);
        assert_eq!(from_record(&RunBudget::default(), &b).cost_usd, None);
    }
}
