//! The durable task queue: submitting (idempotency keys, unique keys, a
//! depth cap), reading and statistics. Claiming is in `queue_claim.rs`
//! (and `queue_claim_pg.rs`); what a worker does with a claim, in `queue_lease.rs`.
//!
//! Every read-then-write runs in one `BEGIN IMMEDIATE` transaction, so
//! concurrent submitters and claimers (threads or processes sharing the
//! database file) see each other's effects and never act on the same row.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{Dialect, IdTable, begin_write, opt_ts, resolve_id, ts};
use crate::runs::parse_ts;
use crate::{NewTask, QueueStats, Store, StoreError, Submitted, TaskFilter, TaskRecord, TaskState};

/// The columns `task_from_row` reads.
macro_rules! task_columns {
    () => {
        "seq, id, state, prompt, repo, base_branch, constraints_json, priority, queue, \
         labels_json, idempotency_key, unique_key, attempts, max_attempts, fencing_token, \
         lease_owner, lease_until, run_id, last_error, error_class, run_after, queued_at, \
         cancel_requested, cancel_reason, result_json, origin, created_at, updated_at, finished_at"
    };
}

/// Decodes a row selected with `task_columns!()`.
pub(crate) fn task_from_row(row: &AnyRow) -> Result<TaskRecord, StoreError> {
    let result: Option<String> = row.get("result_json");
    let error_class: Option<String> = row.get("error_class");
    Ok(TaskRecord {
        seq: row.get("seq"),
        id: row.get("id"),
        state: row.get::<&str, _>("state").parse()?,
        prompt: row.get("prompt"),
        repo: row.get("repo"),
        base_branch: row.get("base_branch"),
        constraints: serde_json::from_str(row.get::<&str, _>("constraints_json"))?,
        priority: row.get::<i64, _>("priority") as i32,
        queue: row.get("queue"),
        labels: serde_json::from_str(row.get::<&str, _>("labels_json"))?,
        idempotency_key: row.get("idempotency_key"),
        unique_key: row.get("unique_key"),
        attempts: row.get::<i64, _>("attempts") as u32,
        max_attempts: row.get::<i64, _>("max_attempts") as u32,
        fencing_token: row.get("fencing_token"),
        lease_owner: row.get("lease_owner"),
        lease_until: opt_ts(row.get("lease_until")),
        run_id: row.get("run_id"),
        last_error: row.get("last_error"),
        error_class: error_class.map(|c| c.parse()).transpose()?,
        run_after: parse_ts(row.get("run_after")),
        queued_at: parse_ts(row.get("queued_at")),
        cancel_requested: row.get::<i64, _>("cancel_requested") != 0,
        cancel_reason: row.get("cancel_reason"),
        result: result.map(|r| serde_json::from_str(&r)).transpose()?,
        origin: row.get("origin"),
        created_at: parse_ts(row.get("created_at")),
        updated_at: parse_ts(row.get("updated_at")),
        finished_at: opt_ts(row.get("finished_at")),
    })
}

/// The task with exactly this id. On PostgreSQL the row stays locked
/// (`FOR UPDATE`) until the transaction ends, so a claim cannot take it
/// between this read and the caller's write.
pub(crate) async fn load_task(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<TaskRecord, StoreError> {
    let sql = match Dialect::of(conn) {
        Dialect::Sqlite => concat!("SELECT ", task_columns!(), " FROM tasks WHERE id = $1"),
        Dialect::Postgres => concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE id = $1 FOR UPDATE"
        ),
    };
    let row = sqlx::query(sql).bind(id).fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => task_from_row(&row),
        None => Err(StoreError::NotFound {
            what: "task",
            id: id.into(),
        }),
    }
}

impl Store {
    /// Puts a task on the queue, atomically with its checks:
    ///
    /// - an `idempotency_key` seen before returns that task (`created:
    ///   false`) when the `request_hash` is the same (a missing hash matches
    ///   only a missing hash), and `IdempotencyConflict` otherwise;
    /// - a `unique_key` held by a task that is not finished returns that
    ///   task (`created: false`);
    /// - with a `cap`, `QueueFull` when that many tasks are already queued,
    ///   running or awaiting approval (on all queues together).
    pub async fn submit_task(
        &self,
        task: &NewTask,
        cap: Option<u64>,
    ) -> Result<Submitted, StoreError> {
        let mut tx = begin_write(&self.pool, self.dialect).await?;
        if let Some(key) = &task.idempotency_key {
            let seen = sqlx::query("SELECT id, request_hash FROM tasks WHERE idempotency_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = seen {
                let id: String = row.get("id");
                if row.get::<Option<String>, _>("request_hash") != task.request_hash {
                    return Err(StoreError::IdempotencyConflict {
                        key: key.clone(),
                        task_id: id,
                    });
                }
                let existing = load_task(&mut tx, &id).await?;
                tx.commit().await?;
                return Ok(Submitted {
                    task: existing,
                    created: false,
                });
            }
        }
        if let Some(key) = &task.unique_key {
            let live = sqlx::query(concat!(
                "SELECT id FROM tasks WHERE unique_key = $1 AND state IN ",
                "('queued', 'running', 'awaiting_approval')",
                " ORDER BY seq LIMIT 1"
            ))
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = live {
                let existing = load_task(&mut tx, row.get("id")).await?;
                tx.commit().await?;
                return Ok(Submitted {
                    task: existing,
                    created: false,
                });
            }
        }
        if let Some(cap) = cap {
            let depth = sqlx::query(concat!(
                "SELECT COUNT(*) AS n FROM tasks WHERE state IN ",
                "('queued', 'running', 'awaiting_approval')"
            ))
            .fetch_one(&mut *tx)
            .await?
            .get::<i64, _>("n") as u64;
            if depth >= cap {
                return Err(StoreError::QueueFull { depth, cap });
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = ts(Utc::now());
        let mut labels: Vec<&String> = Vec::with_capacity(task.labels.len());
        for label in &task.labels {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        let row = sqlx::query(concat!(
            "INSERT INTO tasks (id, state, prompt, repo, base_branch, constraints_json, priority, \
             queue, labels_json, idempotency_key, request_hash, unique_key, attempts, max_attempts, \
             fencing_token, run_after, queued_at, cancel_requested, origin, created_at, updated_at) \
             VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, 0, $13, $14, 0, $15, $16, $17) \
             RETURNING ",
            task_columns!()
        ))
        .bind(&id)
        .bind(&task.prompt)
        .bind(&task.repo)
        .bind(&task.base_branch)
        .bind(serde_json::to_string(&task.constraints)?)
        .bind(i64::from(task.priority))
        .bind(&task.queue)
        .bind(serde_json::to_string(&labels)?)
        .bind(&task.idempotency_key)
        .bind(&task.request_hash)
        .bind(&task.unique_key)
        .bind(i64::from(task.max_attempts.max(1)))
        .bind(&now)
        .bind(&now)
        .bind(&task.origin)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for label in labels {
            sqlx::query("INSERT INTO task_labels (task_id, label) VALUES ($1, $2)")
                .bind(&id)
                .bind(label)
                .execute(&mut *tx)
                .await?;
        }
        let created = task_from_row(&row)?;
        crate::listen::announce(&mut tx).await?;
        tx.commit().await?;
        Ok(Submitted {
            task: created,
            created: true,
        })
    }

    /// Finds a task by id or unique id prefix.
    pub async fn get_task(&self, id: &str) -> Result<TaskRecord, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let full = resolve_id(&mut conn, IdTable::Tasks, id).await?;
        load_task(&mut conn, &full).await
    }

    /// The task a run executes, if any.
    pub async fn task_by_run(&self, run_id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE run_id = $1 ORDER BY seq DESC LIMIT 1"
        ))
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Tasks matching `filter`, newest first (see `TaskFilter` for paging).
    pub async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR queue = $2) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM task_labels l \
                  WHERE l.task_id = tasks.id AND l.label = $3)) \
             AND ($4 IS NULL OR seq < $4) ORDER BY seq DESC LIMIT $5"
        ))
        .bind(filter.state.map(|s| s.as_str()))
        .bind(&filter.queue)
        .bind(&filter.label)
        .bind(filter.before_seq)
        .bind(i64::from(filter.limit.unwrap_or(100).min(1000)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_from_row).collect()
    }

    /// Counts by state, queued depth per queue, the oldest queued task's
    /// wait, and the claim and rescue counters (kept across restarts).
    pub async fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut by_state: BTreeMap<TaskState, u64> =
            TaskState::ALL.iter().map(|s| (*s, 0)).collect();
        for row in sqlx::query("SELECT state, COUNT(*) AS n FROM tasks GROUP BY state")
            .fetch_all(&mut *conn)
            .await?
        {
            let state: TaskState = row.get::<&str, _>("state").parse()?;
            by_state.insert(state, row.get::<i64, _>("n") as u64);
        }
        let mut depth = BTreeMap::new();
        let mut oldest = None;
        for row in sqlx::query(
            "SELECT queue, COUNT(*) AS n, MIN(queued_at) AS oldest FROM tasks \
             WHERE state = 'queued' GROUP BY queue",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            depth.insert(row.get("queue"), row.get::<i64, _>("n") as u64);
            let at = parse_ts(row.get("oldest"));
            oldest = Some(oldest.map_or(at, |o: chrono::DateTime<Utc>| o.min(at)));
        }
        let mut counters = HashMap::new();
        for row in sqlx::query(
            "SELECT name, CAST(SUM(value) AS BIGINT) AS value FROM queue_counter_shards GROUP BY name",
        )
            .fetch_all(&mut *conn)
            .await?
        {
            counters.insert(row.get::<String, _>("name"), row.get::<i64, _>("value"));
        }
        // A claim counts an attempt; `claims` holds what retries reset.
        let attempts =
            sqlx::query("SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS n FROM tasks")
                .fetch_one(&mut *conn)
                .await?
                .get::<i64, _>("n");
        *counters.entry("claims".into()).or_insert(0) += attempts;
        let counter = |name: &str| counters.get(name).copied().unwrap_or(0) as u64;
        Ok(QueueStats {
            by_state,
            depth,
            oldest_queued_age_secs: oldest
                .map(|at| (Utc::now() - at).to_std().map_or(0.0, |d| d.as_secs_f64())),
            rescues: counter("rescues"),
            claims: counter("claims"),
        })
    }
}
