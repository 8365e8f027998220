//! Wake-ups for idle workers: on PostgreSQL a submit or retry sends
//! `NOTIFY chamber_tasks` (delivered when its transaction commits) and a
//! worker's listener connection hears it at once. SQLite has no such
//! channel; its workers poll (and wake each other within one process).

use sqlx::postgres::PgListener;

use crate::db::Dialect;
use crate::{Store, StoreError};

/// The channel new work is announced on.
pub(crate) const TASKS_CHANNEL: &str = "chamber_tasks";

/// A dedicated connection that hears announcements of new work.
pub struct TaskListener {
    inner: PgListener,
}

impl TaskListener {
    /// Waits for the next announcement. After a lost connection it
    /// reconnects (announcements sent meanwhile are lost, which the
    /// worker's polling covers).
    pub async fn recv(&mut self) -> Result<(), StoreError> {
        self.inner.recv().await?;
        Ok(())
    }
}

impl Store {
    /// A listener for new work on PostgreSQL; `None` on SQLite.
    pub async fn task_listener(&self) -> Result<Option<TaskListener>, StoreError> {
        if self.dialect != Dialect::Postgres {
            return Ok(None);
        }
        let mut inner = PgListener::connect(self.url()).await?;
        inner.listen(TASKS_CHANNEL).await?;
        Ok(Some(TaskListener { inner }))
    }
}

/// Announces new work inside the caller's transaction (PostgreSQL only).
pub(crate) async fn announce(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    if Dialect::of(conn) == Dialect::Postgres {
        sqlx::Executor::execute(conn, "NOTIFY chamber_tasks").await?;
    }
    Ok(())
}
