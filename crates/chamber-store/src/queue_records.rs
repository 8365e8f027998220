//! The task queue's types: task states and error classes, what a submitter
//! gives, what a worker gets, and the stored task as the API shows it.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::str_enum;

str_enum! {
    /// Where a queued task stands.
    pub enum TaskState ("task state") {
        /// Waiting for a worker (possibly until `run_after`).
        Queued = "queued",
        /// A worker holds its lease and is running it.
        Running = "running",
        /// Its worker waits for a human to approve something.
        AwaitingApproval = "awaiting_approval",
        /// Finished with a result.
        Completed = "completed",
        /// Failed with an error that retrying would not fix.
        Failed = "failed",
        /// Cancelled before it finished.
        Cancelled = "cancelled",
        /// Failed with retryable errors until it ran out of attempts.
        DeadLettered = "dead_lettered",
    }
}

impl TaskState {
    /// Whether the task is over (no worker will touch it again unless it is
    /// retried by hand).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Cancelled | Self::DeadLettered
        )
    }
}

str_enum! {
    /// Why a task attempt failed, which decides whether it is retried.
    pub enum ErrorClass ("error class") {
        /// Network trouble, timeouts, overload: worth another attempt.
        Transient = "transient",
        /// The model misbehaved (bad output, refusal): worth another attempt.
        Model = "model",
        /// A budget ran out.
        Budget = "budget",
        /// Policy forbade what the task needs.
        Policy = "policy",
        /// Anything else that another attempt would not fix.
        Permanent = "permanent",
    }
}

impl ErrorClass {
    /// Whether a failure of this class is retried (`Transient`, `Model`).
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Transient | Self::Model)
    }
}

/// A task to put on the queue.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// What to do.
    pub prompt: String,
    /// Repository to do it in.
    pub repo: String,
    /// Branch to start from (the repository's current one when `None`).
    pub base_branch: Option<String>,
    /// Run constraints, as the caller encodes them.
    pub constraints: serde_json::Value,
    /// Higher runs first.
    pub priority: i32,
    /// Queue name (workers choose which queues they serve).
    pub queue: String,
    /// Free-form labels for filtering.
    pub labels: Vec<String>,
    /// A client's key for this request: submitting it again returns the
    /// task it made instead of a second one.
    pub idempotency_key: Option<String>,
    /// A digest of the request; the same key with another digest is a
    /// conflict.
    pub request_hash: Option<String>,
    /// While a task with this key is not finished, submitting another with
    /// it returns that one.
    pub unique_key: Option<String>,
    /// How many times a worker may take it (values under 1 count as 1).
    pub max_attempts: u32,
    /// Who submitted it (`cli`, `api`, `webhook`, ...).
    pub origin: String,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TaskRecord {
    /// Insertion order; the cursor for paging through `list_tasks`.
    pub seq: i64,
    /// Task id (a UUID).
    pub id: String,
    /// Where it stands.
    pub state: TaskState,
    /// What to do.
    pub prompt: String,
    /// Repository to do it in.
    pub repo: String,
    /// Branch to start from.
    pub base_branch: Option<String>,
    /// Run constraints.
    pub constraints: serde_json::Value,
    /// Higher runs first.
    pub priority: i32,
    /// Queue name.
    pub queue: String,
    /// Labels.
    pub labels: Vec<String>,
    /// The submitter's idempotency key.
    pub idempotency_key: Option<String>,
    /// The submitter's uniqueness key.
    pub unique_key: Option<String>,
    /// Times a worker has taken it (since it was last retried by hand).
    pub attempts: u32,
    /// Most times a worker may take it.
    pub max_attempts: u32,
    /// Rises with every claim; a worker's writes carry the value its claim
    /// returned and are refused once it has moved on.
    pub fencing_token: i64,
    /// Worker holding its lease.
    pub lease_owner: Option<String>,
    /// When that lease runs out unless renewed.
    pub lease_until: Option<DateTime<Utc>>,
    /// The run executing it.
    pub run_id: Option<String>,
    /// The latest failure.
    pub last_error: Option<String>,
    /// That failure's class.
    pub error_class: Option<ErrorClass>,
    /// Not to be claimed before this time (retry backoff).
    pub run_after: DateTime<Utc>,
    /// When it last entered the `queued` state.
    pub queued_at: DateTime<Utc>,
    /// Someone asked to cancel it while a worker held it.
    pub cancel_requested: bool,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// What it produced.
    pub result: Option<serde_json::Value>,
    /// Who submitted it.
    pub origin: String,
    /// Submission time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it reached a terminal state.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What `submit_task` did.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    /// The task: the new one, or the one the keys matched.
    pub task: TaskRecord,
    /// `false` when an idempotency or unique key matched an existing task.
    pub created: bool,
}

/// A task a worker took.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// The task, as it stands after the claim.
    pub task: TaskRecord,
    /// The token every later write for this attempt must carry.
    pub fencing_token: i64,
    /// Whether it was taken over from a worker whose lease ran out.
    pub rescued: bool,
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Heartbeat {
    /// The lease is still this worker's and was extended.
    Held,
    /// The lease was extended, but someone asked to cancel: stop at the next
    /// safe point and call `finish_cancelled`.
    CancelRequested,
    /// Another worker has the task, or it is over: stop without side effects.
    Lost,
}

/// How long a failed task waits before it may be claimed again: `base`
/// doubled per attempt already made, at most `cap`, with ±20% jitter (and
/// still at most `cap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt.
    pub base: Duration,
    /// Longest delay.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(62);
        let nominal = self
            .base
            .checked_mul(1u32.checked_shl(doublings).unwrap_or(u32::MAX))
            .unwrap_or(self.cap)
            .min(self.cap);
        nominal.mul_f64(0.8 + 0.4 * fastrand::f64()).min(self.cap)
    }
}

/// Which tasks `list_tasks` returns. Results are newest first; to page,
/// pass the smallest `seq` of one page as `before_seq` for the next.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// Only tasks on this queue.
    pub queue: Option<String>,
    /// Only tasks carrying this label.
    pub label: Option<String>,
    /// Only tasks with a `seq` below this (the next page).
    pub before_seq: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// A snapshot of the queue for dashboards and alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueStats {
    /// Number of tasks in each state (every state present, zeros included).
    pub by_state: BTreeMap<TaskState, u64>,
    /// Queued tasks per queue (queues with none queued are left out).
    pub depth: BTreeMap<String, u64>,
    /// Seconds since the longest-waiting queued task entered the queue.
    pub oldest_queued_age_secs: Option<f64>,
    /// Claims that took a task over from an expired lease, ever.
    pub rescues: u64,
    /// Claims, ever.
    pub claims: u64,
}

impl QueueStats {
    /// Number of tasks in `state`.
    pub fn count(&self, state: TaskState) -> u64 {
        self.by_state.get(&state).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_serde_names() {
        for s in TaskState::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(s.as_str().parse::<TaskState>().unwrap(), *s);
        }
        for c in ErrorClass::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.as_str().parse::<ErrorClass>().unwrap(), *c);
        }
        assert!("paused".parse::<TaskState>().is_err());
    }

    #[test]
    fn terminal_and_retryable_sets() {
        let terminal: Vec<_> = TaskState::ALL.iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [
                &TaskState::Completed,
                &TaskState::Failed,
                &TaskState::Cancelled,
                &TaskState::DeadLettered
            ]
        );
        let retryable: Vec<_> = ErrorClass::ALL
            .iter()
            .filter(|c| c.is_retryable())
            .collect();
        assert_eq!(retryable, [&ErrorClass::Transient, &ErrorClass::Model]);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let p = RetryPolicy::default();
        for (attempt, nominal) in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0)] {
            for _ in 0..50 {
                let d = p.delay(attempt).as_secs_f64();
                assert!(
                    (nominal * 0.8..=nominal * 1.2).contains(&d),
                    "attempt {attempt}: {d}s"
                );
            }
        }
        for attempt in [10, 11, 40, u32::MAX] {
            let d = p.delay(attempt).as_secs_f64();
            assert!((240.0..=300.0).contains(&d), "attempt {attempt}: {d}s");
        }
    }
}
