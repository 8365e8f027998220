//! Reads events from the store in order, after a cursor, for one task or
//! for all: the source of the SSE and WebSocket streams. Replay comes from
//! the store, so a client that reconnects with its last cursor (even after
//! a server restart) gets exactly what it missed.

use chamber_protocol::Event;
use chamber_store::TaskRecord;

use crate::api_error::ApiError;
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
    cursor: i64,
    done: bool,
}

impl Feed {
    /// A feed from `cursor` (exclusive). For all runs without a cursor, it
    /// starts at the newest event.
    pub async fn new(
        state: AppState,
        task_id: Option<String>,
        cursor: Option<i64>,
    ) -> Result<Self, ApiError> {
        let cursor = match (cursor, &task_id) {
            (Some(c), _) => c,
            (None, Some(_)) => 0,
            (None, None) => state.store.last_event_cursor().await?,
        };
        Ok(Self {
            state,
            task_id,
            cursor,
            done: false,
        })
    }

    /// The next batch, waiting until there is one (or the task is over).
    /// `None` once the stream has ended.
    pub async fn next_batch(&mut self) -> Option<Vec<FeedItem>> {
        if self.done {
            return None;
        }
        loop {
            let notify = self.state.wake.clone();
            let wake = notify.notified();
            match self.poll().await {
                Ok(items) if !items.is_empty() => return Some(items),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e.message, "event feed read failed; retrying");
                }
            }
            let _ = tokio::time::timeout(self.state.settings.poll, wake).await;
        }
    }

    async fn poll(&mut self) -> Result<Vec<FeedItem>, ApiError> {
        let store = &self.state.store;
        let (run_id, task) = match &self.task_id {
            Some(id) => {
                let task = store.get_task(id).await?;
                (task.run_id.clone(), Some(task))
            }
            None => (None, None),
        };
        if self.task_id.is_some() && run_id.is_none() {
            // Not started yet: nothing to replay, unless it ended unstarted.
            return Ok(match task {
                Some(t) if t.state.is_terminal() => {
                    self.done = true;
                    vec![FeedItem::TaskDone(Box::new(t))]
                }
                _ => Vec::new(),
            });
        }
        let events = store
            .events_after(self.cursor, run_id.as_deref(), 500)
            .await?;
        let mut items: Vec<FeedItem> = Vec::with_capacity(events.len() + 1);
        for (cursor, event) in events {
            self.cursor = cursor;
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
