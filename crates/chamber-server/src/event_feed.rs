//! Reads events in order, after a cursor, for one task or for all: the
//! source of the SSE and WebSocket streams. It replays from the store
//! first, then follows the process's event hub; when it lags, misses the
//! hub for a while, or the run ends, it reads the store again. Replay comes
//! from the store, so a client that reconnects with its last cursor (even
//! after a server restart) gets exactly what it missed.

use std::time::Duration;

use chamber_protocol::{Event, EventKind};
use chamber_store::TaskRecord;
use tokio::sync::broadcast;

use crate::api_error::ApiError;
use crate::event_hub::Cursored;
use crate::state::AppState;

/// One item of a stream.
pub enum FeedItem {
    /// A recorded event with its global cursor (the SSE `id`).
    Event(i64, Box<Event>),
    /// The task reached a final state; the stream ends after this.
    TaskDone(Box<TaskRecord>),
}

/// A cursor over the events of one task (or of all runs).
pub struct Feed {
    state: AppState,
    task_id: Option<String>,
    run_id: Option<String>,
    cursor: i64,
    done: bool,
    /// Following the hub (caught up with the store).
    live: bool,
    /// The run has finished: the task's end comes from the store.
    run_over: bool,
    hub: broadcast::Receiver<Cursored>,
}

/// How long a live feed waits on the hub before it checks the store.
const QUIET: Duration = Duration::from_secs(2);

impl Feed {
    /// A feed from `cursor` (exclusive). For all runs without a cursor, it
    /// starts at the newest event.
    pub async fn new(
        state: AppState,
        task_id: Option<String>,
        cursor: Option<i64>,
    ) -> Result<Self, ApiError> {
        // Subscribe before reading the store: nothing falls in between.
        let hub = state
            .hub
            .subscribe(&state.store, &state.wake, state.settings.poll);
        let cursor = match (cursor, &task_id) {
            (Some(c), _) => c,
            (None, Some(_)) => 0,
            (None, None) => state.store.last_event_cursor().await?,
        };
        Ok(Self {
            state,
            task_id,
            run_id: None,
            cursor,
            done: false,
            live: false,
            run_over: false,
            hub,
        })
    }

    /// The next batch, waiting until there is one (or the task is over).
    /// `None` once the stream has ended.
    pub async fn next_batch(&mut self) -> Option<Vec<FeedItem>> {
        loop {
            if self.done {
                return None;
            }
            if self.live {
                if let Some(item) = self.next_live().await {
                    return Some(vec![item]);
                }
                continue;
            }
            let notify = self.state.wake.clone();
            let wake = notify.notified();
            match self.poll().await {
                Ok(items) if !items.is_empty() => return Some(items),
                Ok(_) => {
                    // Caught up: follow the hub, once the run is known.
                    if !self.run_over && (self.task_id.is_none() || self.run_id.is_some()) {
                        self.live = true;
                        continue;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e.message, "event feed read failed; retrying");
                }
            }
            let _ = tokio::time::timeout(self.state.settings.poll, wake).await;
        }
    }

    /// One event from the hub, or `None` after switching back to the store.
    async fn next_live(&mut self) -> Option<FeedItem> {
        loop {
            match tokio::time::timeout(QUIET, self.hub.recv()).await {
                Ok(Ok(item)) => {
                    let (cursor, event) = (item.0, &item.1);
                    if cursor <= self.cursor {
                        continue;
                    }
                    if let Some(run) = &self.run_id
                        && &event.run_id != run
                    {
                        continue;
                    }
                    self.cursor = cursor;
                    if matches!(event.kind, EventKind::RunFinished { .. }) && self.task_id.is_some()
                    {
                        // The task's own end follows: watch the store for it.
                        self.live = false;
                        self.run_over = true;
                    }
                    return Some(FeedItem::Event(cursor, Box::new(event.clone())));
                }
                // Lagged, closed or quiet: read the store again.
                _ => {
                    self.live = false;
                    return None;
                }
            }
        }
    }

    async fn poll(&mut self) -> Result<Vec<FeedItem>, ApiError> {
        let store = &self.state.store;
        let task = match &self.task_id {
            Some(id) => Some(store.get_task(id).await?),
            None => None,
        };
        if let Some(t) = &task {
            if self.run_id != t.run_id {
                self.run_id = t.run_id.clone();
                self.run_over = false;
            }
            if self.run_id.is_none() {
                // Not started yet: nothing to replay, unless it ended unstarted.
                if t.state.is_terminal() {
                    self.done = true;
                    return Ok(vec![FeedItem::TaskDone(Box::new(t.clone()))]);
                }
                return Ok(Vec::new());
            }
        }
        let events = store
            .events_after(self.cursor, self.run_id.as_deref(), 500)
            .await?;
        let mut items: Vec<FeedItem> = Vec::with_capacity(events.len() + 1);
        for (cursor, event) in events {
            self.cursor = cursor;
            if self.task_id.is_some() && matches!(event.kind, EventKind::RunFinished { .. }) {
                self.run_over = true;
            }
            items.push(FeedItem::Event(cursor, Box::new(event)));
        }
        if items.is_empty()
            && let Some(t) = task
            && t.state.is_terminal()
        {
            self.done = true;
            items.push(FeedItem::TaskDone(Box::new(t)));
        }
        Ok(items)
    }
}
