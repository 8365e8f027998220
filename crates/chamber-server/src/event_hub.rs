//! One reader of new events per process, fanned out to every stream: a
//! thousand subscribers cost one store query per wake-up, not a thousand.
//! Streams replay from the store first and fall back to it whenever they
//! lag, so the hub only speeds delivery up; it never decides what a client
//! gets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chamber_protocol::Event;
use chamber_store::Store;
use tokio::sync::{Notify, broadcast};

/// A recorded event with its cursor.
pub type Cursored = Arc<(i64, Event)>;

/// The broadcast side; the pump starts with the first subscriber.
pub struct EventHub {
    tx: broadcast::Sender<Cursored>,
    started: AtomicBool,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new()
    }
}

impl EventHub {
    /// A hub whose subscribers may fall 4,096 events behind before they
    /// switch back to reading the store.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            tx,
            started: AtomicBool::new(false),
        }
    }

    /// Subscribes, starting the pump on first use.
    pub fn subscribe(
        &self,
        store: &Store,
        wake: &Arc<Notify>,
        poll: std::time::Duration,
    ) -> broadcast::Receiver<Cursored> {
        let rx = self.tx.subscribe();
        if !self.started.swap(true, Ordering::SeqCst) {
            let (tx, store, wake) = (self.tx.clone(), store.clone(), wake.clone());
            tokio::spawn(pump(tx, store, wake, poll));
        }
        rx
    }
}

async fn pump(
    tx: broadcast::Sender<Cursored>,
    store: Store,
    wake: Arc<Notify>,
    poll: std::time::Duration,
) {
    let mut cursor = store.last_event_cursor().await.unwrap_or(0);
    loop {
        let notified = wake.notified();
        match store.events_after(cursor, None, 1000).await {
            Ok(events) if !events.is_empty() => {
                for (c, e) in events {
                    cursor = c;
                    // No receivers is fine: nobody is watching right now.
                    let _ = tx.send(Arc::new((c, e)));
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "event pump read failed; retrying"),
        }
        let _ = tokio::time::timeout(poll, notified).await;
    }
}
