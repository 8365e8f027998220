use std::sync::Arc;
use std::time::Instant;

use chamber_policy::{Budget, BudgetMeter, Redactor};

use chamber_protocol::{Event, EventKind};
use chamber_store::{JsonlLog, Store};
use chrono::Utc;

use crate::failpoint::{Failpoint, When};
use crate::output_hold::OutputHold;
use crate::{AgentError, Observer};

/// Numbers, stores and fans out a run's events: the database, the run's
/// `events.jsonl`, and the live observer, in that order. Every event is
/// redacted first: this is the one choke point for stored and shown events.
pub struct Recorder {
    run_id: String,
    /// Numbering and the file copy, shared with forks (parallel plan
    /// branches) so events stay numbered without gaps or repeats.
    log: Arc<tokio::sync::Mutex<LogState>>,
    store: Store,
    observer: Arc<dyn Observer>,
    redactor: Arc<Redactor>,
    hold: OutputHold,
    /// The run's budget use (this invocation's time; the run's cost and tokens).
    pub(crate) meter: BudgetMeter,
    /// When this invocation started working on the run.
    pub(crate) started: Instant,
    /// Crash testing only (see `failpoint`).
    failpoint: Option<Failpoint>,
    /// A front end's request to stop at the next safe point.
    pub(crate) cancel: crate::cancel::CancelToken,
}

/// What every recorder of one run shares.
struct LogState {
    /// The last stored event's number.
    seq: u64,
    jsonl: Option<JsonlLog>,
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
            log: Arc::new(tokio::sync::Mutex::new(LogState {
                seq: last_seq,
                jsonl,
            })),
            store,
            observer,
            redactor: Arc::new(Redactor::builtin()),
            hold: OutputHold::default(),
            meter: BudgetMeter::new(Budget::default(), 0.0, 0),
            started: Instant::now(),
            failpoint: Failpoint::from_env(),
            cancel: crate::cancel::CancelToken::default(),
        }
    }

    /// Reopens a run's log to add events after the run itself has stopped
    /// (undo, applying or rejecting a guarded run's staged changes), so
    /// they are numbered, redacted and copied to `events.jsonl` like the
    /// run's own. The first of `log_dirs` holding an `events.jsonl` gets
    /// the copy; with none, the database alone has the events.
    pub async fn continue_log(
        store: Store,
        run_id: &str,
        log_dirs: &[std::path::PathBuf],
    ) -> Result<Self, AgentError> {
        let events = store.events(run_id).await?;
        let dir = log_dirs.iter().find(|d| d.join("events.jsonl").is_file());
        let jsonl = match dir {
            Some(dir) => {
                let mut log = JsonlLog::open(dir)?;
                // A kill between the database and the file left it short.
                log.catch_up(&events)?;
                Some(log)
            }
            None => None,
        };
        Ok(Self::new(
            run_id.to_string(),
            events.last().map_or(0, |e| e.seq),
            store,
            jsonl,
            Arc::new(crate::approval::Silent),
        ))
    }

    /// A recorder for a plan step running beside others (`parallel`): the
    /// same numbering, log, observer, redaction and cancel token, with its
    /// own output hold and a copy of the budget meter, whose use
    /// [`Recorder::absorb`] adds back. Crash-test failpoints stay with the
    /// parent.
    pub(crate) fn fork(&self) -> Recorder {
        Recorder {
            run_id: self.run_id.clone(),
            log: Arc::clone(&self.log),
            store: self.store.clone(),
            observer: Arc::clone(&self.observer),
            redactor: Arc::clone(&self.redactor),
            hold: OutputHold::default(),
            meter: self.meter.clone(),
            started: self.started,
            failpoint: None,
            cancel: self.cancel.clone(),
        }
    }

    /// Adds what `forks` (all made from this recorder, which spent nothing
    /// meanwhile) spent to this recorder's meter.
    pub(crate) fn absorb(&mut self, forks: &[Recorder]) {
        let (base_cost, base_tokens) = self.meter.used();
        for fork in forks {
            let (cost, tokens) = fork.meter.used();
            self.meter.add(
                (cost - base_cost).max(0.0),
                tokens.saturating_sub(base_tokens),
            );
        }
    }

    /// Redacts events with `redactor` (known values, `[secrets]` patterns)
    /// instead of the built-in patterns alone.
    pub fn redacting(mut self, redactor: Arc<Redactor>) -> Self {
        self.redactor = redactor;
        self
    }

    /// Records one event, with its secrets redacted. Streamed tool output
    /// is recorded in whole lines (see `output_hold`), so the event returned
    /// for a chunk that is held back entirely is not recorded (yet).
    pub async fn emit(&mut self, kind: EventKind) -> Result<Event, AgentError> {
        let held = match &kind {
            EventKind::ToolOutput {
                call_id, stream, ..
            } => Some((call_id.clone(), *stream)),
            _ => None,
        };
        let mut last = None;
        for ready in self.hold.accept(kind) {
            last = Some(self.record(ready).await?);
        }
        match (last, held) {
            (Some(event), _) => Ok(event),
            (None, Some((call_id, stream))) => Ok(Event {
                run_id: self.run_id.clone(),
                seq: self.log.lock().await.seq,
                ts: Utc::now(),
                kind: EventKind::ToolOutput {
                    call_id,
                    stream,
                    chunk: String::new(),
                },
            }),
            (None, None) => Err(AgentError::InvalidState(
                "an event was neither recorded nor held".into(),
            )),
        }
    }

    async fn record(&mut self, kind: EventKind) -> Result<Event, AgentError> {
        let kind = crate::redaction::redact_event(&self.redactor, kind)?;
        let type_name = kind.type_name();
        let fail = |f: &Option<Failpoint>, when| {
            if let Some(f) = f {
                f.check(when, type_name);
            }
        };
        if let Some(f) = self.failpoint.as_mut() {
            f.count(type_name);
        }
        fail(&self.failpoint, When::Before);
        // Held across the store write: forks number their events in turn.
        let mut log = self.log.lock().await;
        let event = Event {
            run_id: self.run_id.clone(),
            seq: log.seq + 1,
            ts: Utc::now(),
            kind,
        };
        self.store.append_event(&event).await?;
        // Numbered only once stored: a failed store leaves no hole.
        log.seq += 1;
        fail(&self.failpoint, When::Between);
        if let Some(file) = log.jsonl.as_mut()
            && let Err(e) = file.append(&event)
        {
            // The database already has the event; losing the file copy is not fatal.
            tracing::warn!("cannot append to events.jsonl: {e}");
        }
        drop(log);
        fail(&self.failpoint, When::After);
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
