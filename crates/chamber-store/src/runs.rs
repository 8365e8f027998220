use chamber_protocol::{Event, Plan, RunStatus, Usage};
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::db::{Dialect, EVENTS_LOCK};
use crate::{NewRun, PlanRecord, RunRecord, Store, StoreError};

macro_rules! run_columns {
    () => {
        "id, prompt, workdir, status, task_json, plan_json, branch, base_branch, dry_run, pid, \
         provider, model, summary, prompt_tokens, completion_tokens, cost_usd, created_at, updated_at"
    };
}

impl Store {
    /// Records a new run as `running`.
    pub async fn create_run(&self, run: &NewRun) -> Result<(), StoreError> {
        let now = Utc::now().to_rfc3339();
        sqlx::query(
            "INSERT INTO runs (id, prompt, workdir, status, task_json, branch, base_branch, dry_run, \
             pid, provider, model, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(&run.task.id)
        .bind(&run.task.prompt)
        .bind(&run.task.workdir)
        .bind(RunStatus::Running.as_str())
        .bind(serde_json::to_string(&run.task)?)
        .bind(&run.branch)
        .bind(&run.base_branch)
        .bind(i64::from(run.task.constraints.dry_run))
        .bind(run.pid as i64)
        .bind(&run.provider)
        .bind(&run.model)
        .bind(&now)
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends an event to the run's log. On PostgreSQL appends take turns
    /// (an advisory lock), so event ids become visible in id order and a
    /// reader tailing `events_after` never passes over one still committing.
    pub async fn append_event(&self, event: &Event) -> Result<(), StoreError> {
        let insert =
            sqlx::query("INSERT INTO events (run_id, seq, ts, type, body) VALUES ($1,$2,$3,$4,$5)")
                .bind(&event.run_id)
                .bind(event.seq as i64)
                .bind(event.ts.to_rfc3339())
                .bind(event.kind.type_name())
                .bind(serde_json::to_string(event)?);
        match self.dialect {
            Dialect::Sqlite => {
                insert.execute(&self.pool).await?;
            }
            Dialect::Postgres => {
                let mut tx = crate::db::begin_locked(&self.pool, self.dialect, EVENTS_LOCK).await?;
                insert.execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Sets a run's status, and its summary when given.
    pub async fn set_status(
        &self,
        id: &str,
        status: RunStatus,
        summary: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET status = $1, summary = COALESCE($2, summary), updated_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(summary)
        .bind(Utc::now().to_rfc3339())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a run as running again under a new process (for resume).
    pub async fn claim(&self, id: &str, pid: u32) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET status = 'running', pid = $1, updated_at = $2 WHERE id = $3")
            .bind(pid as i64)
            .bind(Utc::now().to_rfc3339())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the task a run records (its constraints change on resume).
    pub async fn set_task(
        &self,
        id: &str,
        task: &chamber_protocol::Task,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET task_json = $1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::to_string(task)?)
            .bind(Utc::now().to_rfc3339())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores the plan a run follows.
    pub async fn set_plan(&self, id: &str, plan: &Plan) -> Result<(), StoreError> {
        sqlx::query("UPDATE runs SET plan_json = $1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::to_string(plan)?)
            .bind(Utc::now().to_rfc3339())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds token usage and its cost (USD) to a run's totals.
    pub async fn add_usage(&self, id: &str, usage: Usage, cost_usd: f64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE runs SET prompt_tokens = prompt_tokens + $1, completion_tokens = completion_tokens + $2, cost_usd = cost_usd + $3 WHERE id = $4",
        )
        .bind(usage.prompt_tokens as i64)
        .bind(usage.completion_tokens as i64)
        .bind(cost_usd)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a run by id or unique id prefix.
    pub async fn get_run(&self, id: &str) -> Result<RunRecord, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE id LIKE $1 || '%' ORDER BY created_at DESC LIMIT 5"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let exact = rows.iter().position(|r| r.get::<String, _>("id") == id);
        match (rows.len(), exact) {
            (0, _) => Err(StoreError::NotFound {
                what: "run",
                id: id.into(),
            }),
            (1, _) => run_from_row(&rows[0]),
            (_, Some(i)) => run_from_row(&rows[i]),
            _ => Err(StoreError::Ambiguous {
                what: "run",
                id: id.into(),
                candidates: rows
                    .iter()
                    .map(|r| r.get::<String, _>("id"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The most recent runs, newest first.
    pub async fn list_runs(&self, limit: u32) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs ORDER BY created_at DESC LIMIT $1"
        ))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The most recent runs of the project at `workdir`, newest first.
    pub async fn list_project_runs(
        &self,
        workdir: &str,
        limit: u32,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE workdir = $1 ORDER BY created_at DESC LIMIT $2"
        ))
        .bind(workdir)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// Every event of a run, in order.
    pub async fn events(&self, run_id: &str) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query("SELECT body FROM events WHERE run_id = $1 ORDER BY seq")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<&str, _>("body"))?))
            .collect()
    }

    /// Events of all runs (or one) after a global cursor, for tailing.
    /// Returns each event with its cursor value.
    pub async fn events_after(
        &self,
        cursor: i64,
        run_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, body FROM events WHERE id > $1 AND ($2 IS NULL OR run_id = $3) ORDER BY id LIMIT $4",
        )
        .bind(cursor)
        .bind(run_id)
        .bind(run_id)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.get::<i64, _>("id"),
                    serde_json::from_str(r.get::<&str, _>("body"))?,
                ))
            })
            .collect()
    }

    /// The newest `limit` events (of all runs, or one), oldest first, with cursors.
    pub async fn recent_events(
        &self,
        limit: u32,
        run_id: Option<&str>,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, body FROM events WHERE ($1 IS NULL OR run_id = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(run_id)
        .bind(run_id)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(i64, Event)> = rows
            .iter()
            .map(|r| {
                Ok((
                    r.get::<i64, _>("id"),
                    serde_json::from_str(r.get::<&str, _>("body"))?,
                ))
            })
            .collect::<Result<_, StoreError>>()?;
        out.reverse();
        Ok(out)
    }

    /// The cursor of the newest event (0 when there are none).
    pub async fn last_event_cursor(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("m"))
    }

    /// Saves a plan for later `apply`.
    pub async fn save_plan(&self, plan: &PlanRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO plans (id, task_json, plan_json, workdir, status, run_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&plan.id)
        .bind(serde_json::to_string(&plan.task)?)
        .bind(serde_json::to_string(&plan.plan)?)
        .bind(&plan.workdir)
        .bind(&plan.status)
        .bind(&plan.run_id)
        .bind(plan.created_at.to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a saved plan by id or unique prefix.
    pub async fn get_plan(&self, id: &str) -> Result<PlanRecord, StoreError> {
        let rows = sqlx::query(
            "SELECT id, task_json, plan_json, workdir, status, run_id, created_at FROM plans \
             WHERE id LIKE $1 || '%' LIMIT 5",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let row = match rows.len() {
            0 => {
                return Err(StoreError::NotFound {
                    what: "plan",
                    id: id.into(),
                });
            }
            1 => &rows[0],
            _ => match rows.iter().find(|r| r.get::<String, _>("id") == id) {
                Some(r) => r,
                None => {
                    return Err(StoreError::Ambiguous {
                        what: "plan",
                        id: id.into(),
                        candidates: rows
                            .iter()
                            .map(|r| r.get::<String, _>("id"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
        };
        Ok(PlanRecord {
            id: row.get("id"),
            task: serde_json::from_str(row.get::<&str, _>("task_json"))?,
            plan: serde_json::from_str(row.get::<&str, _>("plan_json"))?,
            workdir: row.get("workdir"),
            status: row.get("status"),
            run_id: row.get("run_id"),
            created_at: parse_ts(row.get::<&str, _>("created_at")),
        })
    }

    /// Marks a saved plan as applied by a run.
    pub async fn mark_plan_applied(&self, id: &str, run_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE plans SET status = 'applied', run_id = $1 WHERE id = $2")
            .bind(run_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

pub(crate) fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn run_from_row(row: &sqlx::any::AnyRow) -> Result<RunRecord, StoreError> {
    let plan: Option<String> = row.get("plan_json");
    Ok(RunRecord {
        id: row.get("id"),
        prompt: row.get("prompt"),
        workdir: row.get("workdir"),
        status: RunStatus::parse(row.get::<&str, _>("status")),
        task: serde_json::from_str(row.get::<&str, _>("task_json"))?,
        plan: plan.map(|p| serde_json::from_str(&p)).transpose()?,
        branch: row.get("branch"),
        base_branch: row.get("base_branch"),
        dry_run: row.get::<i64, _>("dry_run") != 0,
        pid: row.get::<Option<i64>, _>("pid").map(|p| p as u32),
        provider: row.get("provider"),
        model: row.get("model"),
        summary: row.get("summary"),
        prompt_tokens: row.get::<i64, _>("prompt_tokens") as u64,
        completion_tokens: row.get::<i64, _>("completion_tokens") as u64,
        cost_usd: row.get::<f64, _>("cost_usd"),
        created_at: parse_ts(row.get::<&str, _>("created_at")),
        updated_at: parse_ts(row.get::<&str, _>("updated_at")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_protocol::{EventKind, Origin, Task, TaskConstraints};

    fn task(id: &str) -> chamber_protocol::Task {
        Task {
            id: id.into(),
            prompt: "p".into(),
            workdir: "/w".into(),
            origin: Origin::Cli,
            constraints: TaskConstraints::default(),
            created_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn runs_events_and_prefix_lookup() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("db/chamber.db"))
            .await
            .unwrap();
        for id in ["abc111", "abc222"] {
            store
                .create_run(&NewRun {
                    task: task(id),
                    provider: "openai".into(),
                    model: "m".into(),
                    branch: None,
                    base_branch: None,
                    pid: 1,
                })
                .await
                .unwrap();
        }
        assert!(matches!(
            store.get_run("abc").await,
            Err(StoreError::Ambiguous { .. })
        ));
        assert!(matches!(
            store.get_run("zzz").await,
            Err(StoreError::NotFound { .. })
        ));
        let ev = Event {
            run_id: "abc111".into(),
            seq: 1,
            ts: Utc::now(),
            kind: EventKind::StepStarted {
                step_id: "1".into(),
                title: "t".into(),
            },
        };
        store.append_event(&ev).await.unwrap();
        assert!(
            store.append_event(&ev).await.is_err(),
            "duplicate seq must be refused"
        );
        assert_eq!(store.events("abc111").await.unwrap(), vec![ev.clone()]);
        store
            .set_status("abc111", RunStatus::Completed, Some("done"))
            .await
            .unwrap();
        store
            .add_usage(
                "abc111",
                Usage {
                    prompt_tokens: 3,
                    completion_tokens: 4,
                    ..Default::default()
                },
                0.5,
            )
            .await
            .unwrap();
        let run = store.get_run("abc1").await.unwrap();
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!((run.prompt_tokens, run.completion_tokens), (3, 4));
        let tail = store.events_after(0, None, 10).await.unwrap();
        assert_eq!(tail.len(), 1);
        assert_eq!(store.last_event_cursor().await.unwrap(), tail[0].0);

        // Reopening runs migrations again without harm.
        drop(store);
        let again = Store::open(&tmp.path().join("db/chamber.db"))
            .await
            .unwrap();
        assert_eq!(again.list_runs(10).await.unwrap().len(), 2);
    }
}
