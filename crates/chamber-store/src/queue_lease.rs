//! What happens to a claimed task: the worker's fenced writes (heartbeat,
//! run id, waiting for approval, completion, failure with retry backoff,
//! acknowledged cancellation) and the operator's cancel and retry.
//!
//! A worker's writes carry the fencing token its claim returned. Once the
//! task was rescued by another worker (or finished) the token no longer
//! matches and the write is refused with `StoreError::Fenced`, so a worker
//! that stalled past its lease cannot overwrite its successor's work.

use std::time::Duration;

use chrono::Utc;
use sqlx::{AnyConnection, Row};

use crate::db::{IdTable, after, begin_rows, resolve_id, ts};
use crate::queue::{load_task, task_from_row};
use crate::{ErrorClass, Heartbeat, RetryPolicy, Store, StoreError, TaskRecord, TaskState};

/// Whether a worker holds a task in this state.
fn held(state: TaskState) -> bool {
    matches!(state, TaskState::Running | TaskState::AwaitingApproval)
}

/// The task, if `token` is still its fencing token and a worker holds it.
async fn fenced(conn: &mut AnyConnection, id: &str, token: i64) -> Result<TaskRecord, StoreError> {
    let task = load_task(conn, id).await?;
    if task.fencing_token != token || !held(task.state) {
        return Err(StoreError::Fenced {
            task_id: id.into(),
            token,
            current: task.fencing_token,
        });
    }
    Ok(task)
}

impl Store {
    /// Extends the lease to `lease` from now, if `token` still holds the
    /// task (running or awaiting approval). `Lost` when it does not (or the
    /// task does not exist).
    pub async fn heartbeat(
        &self,
        id: &str,
        token: i64,
        lease: Duration,
    ) -> Result<Heartbeat, StoreError> {
        let row = sqlx::query(
            "UPDATE tasks SET lease_until = $1 WHERE id = $2 AND fencing_token = $3 \
             AND state IN ('running', 'awaiting_approval') RETURNING cancel_requested",
        )
        .bind(ts(after(Utc::now(), lease)))
        .bind(id)
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Heartbeat::Lost,
            Some(r) if r.get::<i64, _>("cancel_requested") != 0 => Heartbeat::CancelRequested,
            Some(_) => Heartbeat::Held,
        })
    }

    /// `Ok` while `token` still holds the task; `StoreError::Fenced` once
    /// another claim raised the token or the task left running/awaiting.
    /// Check it right before every side effect outside the run (commit,
    /// push, webhook).
    pub async fn check_fence(&self, id: &str, token: i64) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        fenced(&mut conn, id, token).await.map(|_| ())
    }

    /// Records the run executing the task (fenced).
    pub async fn set_task_run(
        &self,
        id: &str,
        token: i64,
        run_id: &str,
    ) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        fenced(&mut tx, id, token).await?;
        sqlx::query("UPDATE tasks SET run_id = $1, updated_at = $2 WHERE id = $3")
            .bind(run_id)
            .bind(ts(Utc::now()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let task = load_task(&mut tx, id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Moves the task to `awaiting_approval` (`waiting`) or back to
    /// `running` (fenced; a no-op when it is there already).
    pub async fn set_task_waiting(
        &self,
        id: &str,
        token: i64,
        waiting: bool,
    ) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        fenced(&mut tx, id, token).await?;
        let to = if waiting {
            TaskState::AwaitingApproval
        } else {
            TaskState::Running
        };
        sqlx::query("UPDATE tasks SET state = $1, updated_at = $2 WHERE id = $3 AND state <> $4")
            .bind(to.as_str())
            .bind(ts(Utc::now()))
            .bind(id)
            .bind(to.as_str())
            .execute(&mut *tx)
            .await?;
        let task = load_task(&mut tx, id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Marks the task completed with its result and ends the lease (fenced).
    pub async fn complete_task(
        &self,
        id: &str,
        token: i64,
        result: serde_json::Value,
    ) -> Result<TaskRecord, StoreError> {
        // One statement: the fence is part of its WHERE, so it holds
        // atomically (READ COMMITTED re-checks it on a row a claim changed).
        let now = ts(Utc::now());
        let row = sqlx::query(concat!(
            "UPDATE tasks SET state = 'completed', result_json = $1, lease_owner = NULL, \
             lease_until = NULL, finished_at = $2, updated_at = $2 \
             WHERE id = $3 AND fencing_token = $4 AND state IN ('running', 'awaiting_approval') \
             RETURNING ",
            task_columns!()
        ))
        .bind(serde_json::to_string(&result)?)
        .bind(&now)
        .bind(id)
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => task_from_row(&row),
            None => {
                // Why not: no such task, or another token holds it.
                let mut conn = self.pool.acquire().await?;
                fenced(&mut conn, id, token).await?;
                Err(StoreError::Fenced {
                    task_id: id.into(),
                    token,
                    current: token,
                })
            }
        }
    }

    /// Records a failed attempt (fenced) and ends the lease. A retryable
    /// class (`Transient`, `Model`) with attempts left goes back to
    /// `queued`, claimable after `retry.delay(attempts)`; out of attempts it
    /// is `dead_lettered`. Other classes are `failed`. A retryable failure
    /// of a task someone asked to cancel is `cancelled` instead of retried.
    pub async fn fail_task(
        &self,
        id: &str,
        token: i64,
        class: ErrorClass,
        error: &str,
        retry: &RetryPolicy,
    ) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        let task = fenced(&mut tx, id, token).await?;
        let now = Utc::now();
        let now_s = ts(now);
        let to = match (class.is_retryable(), task.cancel_requested) {
            (false, _) => TaskState::Failed,
            (true, true) => TaskState::Cancelled,
            (true, false) if task.attempts < task.max_attempts => TaskState::Queued,
            (true, false) => TaskState::DeadLettered,
        };
        let (run_after, finished_at) = if to == TaskState::Queued {
            (ts(after(now, retry.delay(task.attempts))), None)
        } else {
            (ts(task.run_after), Some(now_s.clone()))
        };
        sqlx::query(
            "UPDATE tasks SET state = $1, last_error = $2, error_class = $3, run_after = $4, \
             queued_at = CASE WHEN $5 = 'queued' THEN $6 ELSE queued_at END, \
             lease_owner = NULL, lease_until = NULL, finished_at = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(to.as_str())
        .bind(error)
        .bind(class.as_str())
        .bind(&run_after)
        .bind(to.as_str())
        .bind(&now_s)
        .bind(&finished_at)
        .bind(&now_s)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let task = load_task(&mut tx, id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Marks the task cancelled once its worker stopped (fenced): the
    /// worker's answer to `Heartbeat::CancelRequested`.
    pub async fn finish_cancelled(&self, id: &str, token: i64) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        fenced(&mut tx, id, token).await?;
        let now = ts(Utc::now());
        sqlx::query(
            "UPDATE tasks SET state = 'cancelled', lease_owner = NULL, lease_until = NULL, \
             finished_at = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(&now)
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let task = load_task(&mut tx, id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Cancels a task (by id or unique prefix). A queued task is cancelled
    /// at once; a running or awaiting one is marked cancel-requested, for
    /// its worker to stop at its next safe point (the first reason given is
    /// kept); a finished one is returned unchanged.
    pub async fn cancel_task(&self, id: &str, reason: &str) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        let id = resolve_id(&mut tx, IdTable::Tasks, id).await?;
        let task = load_task(&mut tx, &id).await?;
        let now = ts(Utc::now());
        match task.state {
            TaskState::Queued => {
                sqlx::query(
                    "UPDATE tasks SET state = 'cancelled', cancel_reason = $1, finished_at = $2, \
                     updated_at = $3 WHERE id = $4",
                )
                .bind(reason)
                .bind(&now)
                .bind(&now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
            TaskState::Running | TaskState::AwaitingApproval => {
                sqlx::query(
                    "UPDATE tasks SET cancel_requested = 1, \
                     cancel_reason = COALESCE(cancel_reason, $1), updated_at = $2 WHERE id = $3",
                )
                .bind(reason)
                .bind(&now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
            _ => return Ok(task),
        }
        let task = load_task(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// Puts a failed, dead-lettered or cancelled task (by id or unique
    /// prefix) back on the queue with its attempts reset, due now. Its last
    /// error is kept; the cancellation is cleared. `InvalidState` for other
    /// states; `UniqueKeyTaken` when another live task now holds its unique
    /// key.
    pub async fn retry_task(&self, id: &str) -> Result<TaskRecord, StoreError> {
        let mut tx = begin_rows(&self.pool, self.dialect).await?;
        let id = resolve_id(&mut tx, IdTable::Tasks, id).await?;
        let task = load_task(&mut tx, &id).await?;
        if !matches!(
            task.state,
            TaskState::Failed | TaskState::DeadLettered | TaskState::Cancelled
        ) {
            return Err(StoreError::InvalidState {
                what: "task",
                id,
                state: task.state.as_str().into(),
                action: "retry",
            });
        }
        if let Some(key) = &task.unique_key {
            let holder = sqlx::query(
                "SELECT id FROM tasks WHERE unique_key = $1 AND id <> $2 \
                 AND state IN ('queued', 'running', 'awaiting_approval') LIMIT 1",
            )
            .bind(key)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = holder {
                return Err(StoreError::UniqueKeyTaken {
                    key: key.clone(),
                    task_id: row.get("id"),
                });
            }
        }
        let now = ts(Utc::now());
        // The claims counter is the attempts of every task plus those a
        // retry erased; keep the ones about to be erased.
        sqlx::query(
            "INSERT INTO queue_counter_shards (name, shard, value) \
             SELECT 'claims', 0, attempts FROM tasks WHERE id = $1 \
             ON CONFLICT (name, shard) DO UPDATE \
             SET value = queue_counter_shards.value + excluded.value",
        )
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tasks SET state = 'queued', attempts = 0, run_after = $1, queued_at = $2, \
             cancel_requested = 0, cancel_reason = NULL, lease_owner = NULL, lease_until = NULL, \
             result_json = NULL, finished_at = NULL, updated_at = $3 WHERE id = $4",
        )
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let task = load_task(&mut tx, &id).await?;
        crate::listen::announce(&mut tx).await?;
        tx.commit().await?;
        Ok(task)
    }
}
