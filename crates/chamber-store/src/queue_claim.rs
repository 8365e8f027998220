//! Claiming queued tasks under a lease with a fencing token: one at a time,
//! or as many as a worker process has free slots. PostgreSQL's fast path
//! (one statement) is in `queue_claim_pg.rs`; this is the general path
//! (SQLite, and per-queue limits), run in one transaction per claim.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use sqlx::{AnyConnection, Row};

use crate::db::{Dialect, after, begin_rows, begin_write, ts};
use crate::queue::load_task;
use crate::{Claim, Store, StoreError, TaskState};

/// Adds one to a counter (shard 0; PostgreSQL's claims spread over shards,
/// see `queue_claim_pg.rs`).
async fn bump(conn: &mut AnyConnection, name: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO queue_counter_shards (name, shard, value) VALUES ($1, 0, 1) \
         ON CONFLICT (name, shard) DO UPDATE SET value = queue_counter_shards.value + 1",
    )
    .bind(name)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The first task a claim may take, as `(id, state, attempts, max_attempts,
/// cancel_requested)`.
async fn next_candidate(
    conn: &mut AnyConnection,
    now: &str,
    queues: &[String],
    full: &[String],
) -> Result<Option<(String, TaskState, i64, i64, bool)>, StoreError> {
    let mut sql = String::from(
        "SELECT id, state, attempts, max_attempts, cancel_requested FROM tasks \
         WHERE ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND lease_until < $1))",
    );
    let mut n = 1;
    for (list, op) in [(queues, " AND queue IN ("), (full, " AND queue NOT IN (")] {
        if list.is_empty() {
            continue;
        }
        sql.push_str(op);
        for i in 0..list.len() {
            n += 1;
            sql.push_str(&format!("{}${n}", if i == 0 { "" } else { ", " }));
        }
        sql.push(')');
    }
    sql.push_str(" ORDER BY priority DESC, seq ASC LIMIT 1");
    if Dialect::of(conn) == Dialect::Postgres {
        // Concurrent claimers pass over each other's rows instead of
        // queueing behind them.
        sql.push_str(" FOR UPDATE SKIP LOCKED");
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now.to_owned());
    for name in queues.iter().chain(full) {
        q = q.bind(name.clone());
    }
    let Some(row) = q.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    Ok(Some((
        row.get("id"),
        row.get::<&str, _>("state").parse()?,
        row.get("attempts"),
        row.get("max_attempts"),
        row.get::<i64, _>("cancel_requested") != 0,
    )))
}

impl Store {
    /// Claims up to `max` due tasks at once, best first, for a worker
    /// process with that many free slots. On PostgreSQL without per-queue
    /// limits this is one statement (one commit for all of them); otherwise
    /// it claims them one by one.
    pub async fn claim_tasks(
        &self,
        worker: &str,
        queues: &[String],
        lease: Duration,
        limits: &HashMap<String, u32>,
        max: usize,
    ) -> Result<Vec<Claim>, StoreError> {
        if self.dialect == Dialect::Postgres && limits.is_empty() {
            return crate::queue_claim_pg::claim(self, worker, queues, lease, max).await;
        }
        let mut claims = Vec::new();
        while claims.len() < max.max(1) {
            match self.claim_task(worker, queues, lease, limits).await {
                Ok(Some(c)) => claims.push(c),
                Ok(None) => break,
                // Each claim committed on its own: the ones made are the
                // worker's to run (else they would wait out their lease
                // unrun); the next call meets the error again.
                Err(_) if !claims.is_empty() => break,
                Err(e) => return Err(e),
            }
        }
        Ok(claims)
    }

    /// Takes the next task for `worker`, or `None` when nothing is due.
    ///
    /// Eligible are tasks on `queues` (all queues when empty) that are
    /// `queued` with `run_after` passed, and `running` tasks whose lease ran
    /// out (a rescue: their worker is presumed dead). Highest priority goes
    /// first, then oldest. A queue named in `limits` is skipped while that
    /// many of its tasks are held under a live lease (running or awaiting
    /// approval).
    ///
    /// The claim makes the task `running` under a lease of `lease` for
    /// `worker`, counts an attempt and raises the fencing token. A rescue
    /// that finds the task cancel-requested cancels it instead, and one that
    /// finds it out of attempts dead-letters it; both then look further.
    pub async fn claim_task(
        &self,
        worker: &str,
        queues: &[String],
        lease: Duration,
        limits: &HashMap<String, u32>,
    ) -> Result<Option<Claim>, StoreError> {
        if self.dialect == Dialect::Postgres && limits.is_empty() {
            let mut claims = crate::queue_claim_pg::claim(self, worker, queues, lease, 1).await?;
            return Ok(claims.pop());
        }
        // Per-queue limits count held tasks, so those claims take the write
        // lock; others rely on row locks (`SKIP LOCKED` on PostgreSQL).
        let mut tx = if limits.is_empty() {
            begin_rows(&self.pool, self.dialect).await?
        } else {
            begin_write(&self.pool, self.dialect).await?
        };
        let now = Utc::now();
        let now_s = ts(now);
        let mut full = Vec::new();
        if !limits.is_empty() {
            let held = sqlx::query(
                "SELECT queue, COUNT(*) AS n FROM tasks \
                 WHERE state IN ('running', 'awaiting_approval') AND lease_until >= $1 \
                 GROUP BY queue",
            )
            .bind(&now_s)
            .fetch_all(&mut *tx)
            .await?;
            for row in held {
                let queue: String = row.get("queue");
                let n = row.get::<i64, _>("n");
                if limits
                    .get(&queue)
                    .is_some_and(|&limit| n >= i64::from(limit))
                {
                    full.push(queue);
                }
            }
            for (queue, limit) in limits {
                if *limit == 0 && !full.contains(queue) {
                    full.push(queue.clone());
                }
            }
        }
        loop {
            let Some((id, state, attempts, max_attempts, cancel_requested)) =
                next_candidate(&mut tx, &now_s, queues, &full).await?
            else {
                tx.commit().await?;
                return Ok(None);
            };
            let rescued = state == TaskState::Running;
            if rescued && (cancel_requested || attempts >= max_attempts) {
                let (to, error) = if cancel_requested {
                    (TaskState::Cancelled, None)
                } else {
                    (
                        TaskState::DeadLettered,
                        Some(format!(
                            "lease expired on attempt {attempts} of {max_attempts}"
                        )),
                    )
                };
                sqlx::query(
                    "UPDATE tasks SET state = $1, lease_owner = NULL, lease_until = NULL, \
                     last_error = COALESCE($2, last_error), \
                     error_class = CASE WHEN $3 IS NULL THEN error_class ELSE 'transient' END, \
                     finished_at = $4, updated_at = $5 WHERE id = $6",
                )
                .bind(to.as_str())
                .bind(&error)
                .bind(&error)
                .bind(&now_s)
                .bind(&now_s)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                continue;
            }
            sqlx::query(
                "UPDATE tasks SET state = 'running', lease_owner = $1, lease_until = $2, \
                 attempts = attempts + 1, fencing_token = fencing_token + 1, updated_at = $3 \
                 WHERE id = $4",
            )
            .bind(worker)
            .bind(ts(after(now, lease)))
            .bind(&now_s)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if rescued {
                bump(&mut tx, "rescues").await?;
            }
            let task = load_task(&mut tx, &id).await?;
            tx.commit().await?;
            return Ok(Some(Claim {
                fencing_token: task.fencing_token,
                task,
                rescued,
            }));
        }
    }
}
