//! PostgreSQL's claim: one statement, so a claim of one task or of several
//! (a worker process asks for as many as it has free slots) costs one round
//! trip and one commit, and concurrent claimers never wait on each other.
//!
//! Expired leases whose task was asked to cancel, or has used its
//! attempts, end (cancelled / dead-lettered) instead of being rerun: a
//! sweep does that before a claim once a second, and whenever a claim finds
//! nothing. The claim's data-modifying CTEs, all on one snapshot:
//! - `rescue`, `fresh`, `next`: the longest-expired rescuable tasks (by
//!   the partial index `tasks_lease`, whose range leaves out the dead
//!   entries of tasks that finished within their lease) and the best queued
//!   tasks (by the partial index `tasks_queued`, already in claim order, so
//!   young statistics cannot lead to reading and sorting every queued task;
//!   one query with `OR` sorted the whole table), up to the number asked for, each locked with
//!   `FOR UPDATE SKIP LOCKED` so claimers pass over each other's rows; the
//!   best of them are claimed (the others' locks end with the statement);
//! - `claimed`: they become `running` under a new lease, `attempts + 1`,
//!   `fencing_token + 1`; the rows are found by primary key
//!   (`= ANY (ARRAY(…))`): a join with `next` let the planner, on a table
//!   whose statistics were young, pick a hash join over a scan of the whole
//!   table (about 1 ms per claim at 2,000 tasks);
//! - `bumped`: for rescues, the `rescues` counter (by their number), on one of 16 shards
//!   picked at random. (Claims are counted by the attempts themselves.)
//!
//! Per-queue limits need a count of held tasks under the write lock, so
//! those claims take the general path in `queue.rs`.

use std::time::Duration;

use chrono::Utc;
use sqlx::{AnyPool, Row};

use crate::db::{after, ts};
use crate::queue::task_from_row;
use crate::{Claim, Store, StoreError};

/// Counter shards a claim spreads over.
const SHARDS: u64 = 16;

/// Claims up to `max` due tasks on `queues` (all when empty) for
/// `worker`, best first, in one statement.
pub(crate) async fn claim(
    store: &Store,
    worker: &str,
    queues: &[String],
    lease: Duration,
    max: usize,
) -> Result<Vec<Claim>, StoreError> {
    let pool = &store.pool;
    let now = Utc::now();
    let swept = store.sweep_due(now.timestamp_millis());
    if swept {
        sweep(pool, &ts(now)).await?;
    }
    let mut filter = String::new();
    if !queues.is_empty() {
        filter.push_str(" AND queue IN (");
        for i in 0..queues.len() {
            filter.push_str(&format!("{}${}", if i == 0 { "" } else { ", " }, i + 6));
        }
        filter.push(')');
    }
    let sql = format!(
        "WITH rescue AS (\
           SELECT seq AS pick, state AS was, priority AS prio FROM tasks \
           WHERE state = 'running' AND lease_until < $1 \
             AND cancel_requested = 0 AND attempts < max_attempts{filter} \
           ORDER BY lease_until ASC LIMIT $5 FOR UPDATE SKIP LOCKED), \
         fresh AS (\
           SELECT seq AS pick, state AS was, priority AS prio FROM tasks \
           WHERE state = 'queued' AND run_after <= $1{filter} \
           ORDER BY priority DESC, seq ASC LIMIT $5 FOR UPDATE SKIP LOCKED), \
         next AS (\
           SELECT pick, was FROM (SELECT * FROM rescue UNION ALL SELECT * FROM fresh) AS c \
           ORDER BY prio DESC, pick ASC LIMIT $5), \
         claimed AS (\
           UPDATE tasks SET state = 'running', lease_owner = $2, lease_until = $3, \
             attempts = attempts + 1, fencing_token = fencing_token + 1, updated_at = $1 \
           WHERE tasks.seq = ANY (ARRAY(SELECT pick FROM next)) \
           RETURNING {columns}, \
             (SELECT was FROM next WHERE next.pick = tasks.seq) AS was), \
         bumped AS (\
           INSERT INTO queue_counter_shards (name, shard, value) \
           SELECT 'rescues', $4, COUNT(*) FROM claimed WHERE claimed.was = 'running' \
           HAVING COUNT(*) > 0 \
           ON CONFLICT (name, shard) DO UPDATE SET value = queue_counter_shards.value + EXCLUDED.value \
           RETURNING 1) \
         SELECT claimed.*, (SELECT COUNT(*) FROM bumped) AS bumped FROM claimed \
         ORDER BY claimed.priority DESC, claimed.seq ASC",
        columns = PREFIXED_COLUMNS.as_str(),
    );
    let shard = i64::try_from(fastrand::u64(0..SHARDS)).unwrap_or(0);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ts(now))
        .bind(worker)
        .bind(ts(after(now, lease)))
        .bind(shard)
        .bind(i64::try_from(max.max(1)).unwrap_or(1));
    for name in queues {
        q = q.bind(name.clone());
    }
    let rows = q.fetch_all(pool).await?;
    if rows.is_empty() && !swept {
        sweep(pool, &ts(now)).await?;
    }
    rows.iter()
        .map(|row| {
            let rescued = row.get::<&str, _>("was") == "running";
            let task = task_from_row(row)?;
            Ok(Claim {
                fencing_token: task.fencing_token,
                task,
                rescued,
            })
        })
        .collect()
}

/// Ends spent expired leases (see the module comment).
async fn sweep(pool: &AnyPool, now: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tasks SET \
           state = CASE WHEN cancel_requested <> 0 THEN 'cancelled' ELSE 'dead_lettered' END, \
           last_error = CASE WHEN cancel_requested <> 0 THEN last_error \
             ELSE 'lease expired on attempt ' || attempts || ' of ' || max_attempts END, \
           error_class = CASE WHEN cancel_requested <> 0 THEN error_class ELSE 'transient' END, \
           lease_owner = NULL, lease_until = NULL, finished_at = $1, updated_at = $1 \
         WHERE state = 'running' AND lease_until < $1 \
           AND (cancel_requested <> 0 OR attempts >= max_attempts)",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// `task_columns!()` qualified with the table name, for a `RETURNING` list
/// that also sees the CTE `next` (built once, not on every claim).
static PREFIXED_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    task_columns!()
        .split(',')
        .map(|c| format!("tasks.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
});
