use std::sync::Arc;
use std::time::Instant;

use chamber_policy::{Budget, BudgetMeter};

use chamber_protocol::{Event, EventKind};
use chamber_store::{JsonlLog, Store};
use chrono::Utc;

use crate::{AgentError, Observer};

/// Numbers, stores and fans out a run's events: the database, the run's
/// `events.jsonl`, and the live observer, in that order.
pub struct Recorder {
    run_id: String,
    seq: u64,
    store: Store,
    jsonl: Option<JsonlLog>,
    observer: Arc<dyn Observer>,
    /// The run's budget use (this invocation's time; the run's cost and tokens).
    pub(crate) meter: BudgetMeter,
    /// When this invocation started working on the run.
    pub(crate) started: Instant,
}

impl Recorder {
    /// Starts recording after `last_seq` (0 for a new run).
    pub fn new(
        run_id: String,
        last_seq: u64,
        store: Store,
        jsonl: Option<JsonlLog>,
        observer: Arc<dyn Observer>,
    ) -> Self {
        Self {
            run_id,
            seq: last_seq,
            store,
            jsonl,
            observer,
            meter: BudgetMeter::new(Budget::default(), 0.0, 0),
            started: Instant::now(),
        }
    }

    /// Records one event.
    pub async fn emit(&mut self, kind: EventKind) -> Result<Event, AgentError> {
        self.seq += 1;
        let event = Event {
            run_id: self.run_id.clone(),
            seq: self.seq,
            ts: Utc::now(),
            kind,
        };
        self.store.append_event(&event).await?;
        if let Some(log) = self.jsonl.as_mut()
            && let Err(e) = log.append(&event)
        {
            // The database already has the event; losing the file copy is not fatal.
            tracing::warn!("cannot append to events.jsonl: {e}");
        }
        self.observer.event(&event);
        Ok(event)
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The store, for status updates.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The live observer.
    pub fn observer(&self) -> &Arc<dyn Observer> {
        &self.observer
    }
}
