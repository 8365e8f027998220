//! Run budgets: limits on cost, time and tokens, and the meter that says
//! when a run should be warned and when it must stop. Pure bookkeeping: the
//! run loop feeds it and acts on its verdicts.

use std::time::Duration;

/// Limits of one run; `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Most USD to spend on model calls.
    pub cost_usd: Option<f64>,
    /// Longest wall-clock time.
    pub time: Option<Duration>,
    /// Most prompt + completion tokens.
    pub tokens: Option<u64>,
    /// Fraction of a limit at which to warn (0.8 warns at 80%).
    pub warn_at: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            cost_usd: None,
            time: None,
            tokens: None,
            warn_at: 0.8,
        }
    }
}

impl Budget {
    /// Whether any limit is set.
    pub fn is_limited(&self) -> bool {
        self.cost_usd.is_some() || self.time.is_some() || self.tokens.is_some()
    }
}

/// The resource a verdict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Money spent on models.
    Cost,
    /// Wall-clock time.
    Time,
    /// Tokens.
    Tokens,
}

impl Resource {
    /// Lowercase name for events and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Cost => "cost",
            Resource::Time => "time",
            Resource::Tokens => "tokens",
        }
    }

    /// A value of this resource as people read it.
    pub fn show(self, v: f64) -> String {
        match self {
            Resource::Cost => format!("${v:.4}"),
            Resource::Time => format!("{v:.1}s"),
            Resource::Tokens => format!("{} tokens", v as u64),
        }
    }
}

/// One resource's use against its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Which resource.
    pub resource: Resource,
    /// Used so far.
    pub used: f64,
    /// The limit.
    pub limit: f64,
}

/// What the meter says after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetVerdict {
    /// Carry on.
    Within,
    /// Crossed the warning line for the first time (once per resource).
    Warn(Reading),
    /// A limit is reached: stop now.
    Exceeded(Reading),
}

/// Running totals of one run against its budget.
#[derive(Debug, Clone)]
pub struct BudgetMeter {
    budget: Budget,
    cost: f64,
    tokens: u64,
    elapsed: Duration,
    warned: Vec<Resource>,
}

impl BudgetMeter {
    /// A meter starting from what a resumed run already used.
    pub fn new(budget: Budget, cost_used: f64, tokens_used: u64) -> Self {
        Self {
            budget,
            cost: cost_used,
            tokens: tokens_used,
            elapsed: Duration::ZERO,
            warned: Vec::new(),
        }
    }

    /// The limits.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The cost and tokens counted so far.
    pub fn used(&self) -> (f64, u64) {
        (self.cost, self.tokens)
    }

    /// Adds the cost and tokens of one model call.
    pub fn add(&mut self, cost_usd: f64, tokens: u64) {
        self.cost += cost_usd;
        self.tokens += tokens;
    }

    /// Sets the run's elapsed time.
    pub fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
    }

    /// Time left before the time limit, if there is one.
    pub fn time_left(&self) -> Option<Duration> {
        self.budget.time.map(|t| t.saturating_sub(self.elapsed))
    }

    /// Every limited resource with its use.
    pub fn readings(&self) -> Vec<Reading> {
        let mut out = Vec::new();
        if let Some(limit) = self.budget.cost_usd {
            out.push(Reading {
                resource: Resource::Cost,
                used: self.cost,
                limit,
            });
        }
        if let Some(limit) = self.budget.time {
            out.push(Reading {
                resource: Resource::Time,
                used: self.elapsed.as_secs_f64(),
                limit: limit.as_secs_f64(),
            });
        }
        if let Some(limit) = self.budget.tokens {
            out.push(Reading {
                resource: Resource::Tokens,
                used: self.tokens as f64,
                limit: limit as f64,
            });
        }
        out
    }

    /// Checks the totals: a reached limit first, else a first crossing of
    /// the warning line, else `Within`. Call it after every update; each
    /// resource warns once.
    pub fn check(&mut self) -> BudgetVerdict {
        let readings = self.readings();
        if let Some(r) = readings.iter().find(|r| r.used >= r.limit) {
            return BudgetVerdict::Exceeded(*r);
        }
        for r in readings {
            if r.used >= r.limit * self.budget.warn_at && !self.warned.contains(&r.resource) {
                self.warned.push(r.resource);
                return BudgetVerdict::Warn(r);
            }
        }
        BudgetVerdict::Within
    }
}

/// Parses a duration such as `90`, `30s`, `5m`, `1h30m` or `1.5h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return secs_to_duration(secs, text);
    }
    let mut total = 0.0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            _ => return Err(format!("{text:?}: unknown unit {c:?} (use s, m, h or d)")),
        };
        let n: f64 = number
            .parse()
            .map_err(|_| format!("{text:?}: expected a number before {c:?}"))?;
        total += n * unit;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("{text:?}: a number at the end needs a unit"));
    }
    secs_to_duration(total, text)
}

fn secs_to_duration(secs: f64, text: &str) -> Result<Duration, String> {
    if secs.is_finite() && secs >= 0.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!("{text:?} is not a duration"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_then_stops_at_the_limit() {
        let mut m = BudgetMeter::new(
            Budget {
                cost_usd: Some(1.0),
                tokens: Some(1000),
                ..Budget::default()
            },
            0.0,
            0,
        );
        assert_eq!(m.check(), BudgetVerdict::Within);
        m.add(0.5, 100);
        assert_eq!(m.check(), BudgetVerdict::Within);
        m.add(0.35, 100);
        let BudgetVerdict::Warn(r) = m.check() else {
            panic!("expected a warning")
        };
        assert_eq!(r.resource, Resource::Cost);
        assert_eq!(m.check(), BudgetVerdict::Within, "warns once");
        m.add(0.0, 650);
        assert!(matches!(m.check(), BudgetVerdict::Warn(r) if r.resource == Resource::Tokens));
        m.add(0.2, 0);
        let BudgetVerdict::Exceeded(r) = m.check() else {
            panic!("expected a stop")
        };
        assert_eq!((r.resource, r.limit), (Resource::Cost, 1.0));
    }

    #[test]
    fn time_counts_from_what_it_is_told() {
        let mut m = BudgetMeter::new(
            Budget {
                time: Some(Duration::from_secs(10)),
                ..Budget::default()
            },
            0.0,
            0,
        );
        m.set_elapsed(Duration::from_secs(4));
        assert_eq!(m.time_left(), Some(Duration::from_secs(6)));
        m.set_elapsed(Duration::from_secs(11));
        assert!(matches!(m.check(), BudgetVerdict::Exceeded(r) if r.resource == Resource::Time));
        assert_eq!(m.time_left(), Some(Duration::ZERO));
        assert!(!Budget::default().is_limited());
    }

    #[test]
    fn durations_parse_in_common_forms() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("5m3").is_err());
        assert!(parse_duration("").is_err());
    }
}
