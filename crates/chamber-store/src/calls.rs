//! One row per model request attempt: who was asked, what it cost, how long
//! it took and how it failed. `chamber stats` and budgets read these.

use chamber_protocol::Usage;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::runs::parse_ts;
use crate::{Store, StoreError};

/// One model request attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// Run it belongs to.
    pub run_id: String,
    /// Step being worked on; `None` while planning.
    pub step_id: Option<String>,
    /// Run phase: `plan`, `replan` or `step`.
    pub phase: String,
    /// Routing role: `strategic` or `tactical`.
    pub role: String,
    /// Provider name.
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Attempt number at this provider/model, from 1.
    pub attempt: u32,
    /// Whether it produced an answer.
    pub ok: bool,
    /// Error class code when it failed.
    pub error_class: Option<String>,
    /// Tokens used.
    pub usage: Usage,
    /// Prompt tokens the server evaluated afresh; `None` when the attempt
    /// failed or was recorded before this was kept.
    pub prompt_eval_tokens: Option<u64>,
    /// Prompt tokens the server reused from its prompt cache; `None` as for
    /// `prompt_eval_tokens`.
    pub prompt_cached_tokens: Option<u64>,
    /// Cost in USD; `None` when the model's prices are unknown.
    pub cost_usd: Option<f64>,
    /// Time from request to the end of the answer.
    pub latency_ms: u64,
    /// When it finished.
    pub created_at: DateTime<Utc>,
}

/// Which calls to read.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Only this run (exact id).
    pub run_id: Option<String>,
    /// Only calls at or after this time.
    pub since: Option<DateTime<Utc>>,
}

impl Store {
    /// Records one attempt.
    pub async fn record_call(&self, c: &CallRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO model_calls (run_id, step_id, phase, role, provider, model, attempt, ok, \
             error_class, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, \
             prompt_eval_tokens, prompt_cached_tokens, cost_usd, latency_ms, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(&c.run_id)
        .bind(&c.step_id)
        .bind(&c.phase)
        .bind(&c.role)
        .bind(&c.provider)
        .bind(&c.model)
        .bind(c.attempt as i64)
        .bind(c.ok as i64)
        .bind(&c.error_class)
        .bind(c.usage.prompt_tokens as i64)
        .bind(c.usage.completion_tokens as i64)
        .bind(c.usage.cached_tokens as i64)
        .bind(c.usage.reasoning_tokens as i64)
        .bind(c.prompt_eval_tokens.map(|n| n as i64))
        .bind(c.prompt_cached_tokens.map(|n| n as i64))
        .bind(c.cost_usd)
        .bind(c.latency_ms as i64)
        .bind(c.created_at.to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Calls matching `filter`, oldest first.
    pub async fn calls(&self, filter: &CallFilter) -> Result<Vec<CallRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM model_calls WHERE ($1 IS NULL OR run_id = $1) \
             AND ($2 IS NULL OR created_at >= $2) ORDER BY id",
        )
        .bind(&filter.run_id)
        .bind(filter.since.map(|t| t.to_rfc3339()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CallRecord {
                run_id: r.get("run_id"),
                step_id: r.get("step_id"),
                phase: r.get("phase"),
                role: r.get("role"),
                provider: r.get("provider"),
                model: r.get("model"),
                attempt: r.get::<i64, _>("attempt") as u32,
                ok: r.get::<i64, _>("ok") != 0,
                error_class: r.get("error_class"),
                usage: Usage {
                    prompt_tokens: r.get::<i64, _>("prompt_tokens") as u64,
                    completion_tokens: r.get::<i64, _>("completion_tokens") as u64,
                    cached_tokens: r.get::<i64, _>("cached_tokens") as u64,
                    reasoning_tokens: r.get::<i64, _>("reasoning_tokens") as u64,
                },
                prompt_eval_tokens: r
                    .get::<Option<i64>, _>("prompt_eval_tokens")
                    .map(|n| n as u64),
                prompt_cached_tokens: r
                    .get::<Option<i64>, _>("prompt_cached_tokens")
                    .map(|n| n as u64),
                cost_usd: r.get("cost_usd"),
                latency_ms: r.get::<i64, _>("latency_ms") as u64,
                created_at: parse_ts(r.get::<&str, _>("created_at")),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(run: &str, ok: bool, cost: Option<f64>) -> CallRecord {
        CallRecord {
            run_id: run.into(),
            step_id: Some("s1".into()),
            phase: "step".into(),
            role: "tactical".into(),
            provider: "anthropic".into(),
            model: "claude-haiku-4-5".into(),
            attempt: 1,
            ok,
            error_class: (!ok).then(|| "overloaded".into()),
            usage: Usage {
                prompt_tokens: 100,
                completion_tokens: 20,
                cached_tokens: 40,
                reasoning_tokens: 5,
            },
            prompt_eval_tokens: ok.then_some(60),
            prompt_cached_tokens: ok.then_some(40),
            cost_usd: cost,
            latency_ms: 321,
            created_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn calls_round_trip_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).await.unwrap();
        store.record_call(&call("r1", false, None)).await.unwrap();
        store
            .record_call(&call("r1", true, Some(0.0012)))
            .await
            .unwrap();
        store
            .record_call(&call("r2", true, Some(0.5)))
            .await
            .unwrap();
        let r1 = store
            .calls(&CallFilter {
                run_id: Some("r1".into()),
                since: None,
            })
            .await
            .unwrap();
        assert_eq!(r1.len(), 2);
        assert_eq!(r1[0].error_class.as_deref(), Some("overloaded"));
        assert_eq!(r1[1].cost_usd, Some(0.0012));
        assert_eq!(r1[1].usage.cached_tokens, 40);
        assert_eq!(
            r1[0].prompt_eval_tokens, None,
            "a failed attempt evaluated nothing known"
        );
        assert_eq!(
            (r1[1].prompt_eval_tokens, r1[1].prompt_cached_tokens),
            (Some(60), Some(40))
        );
        let all = store.calls(&CallFilter::default()).await.unwrap();
        assert_eq!(all.len(), 3);
        let future = store
            .calls(&CallFilter {
                run_id: None,
                since: Some(Utc::now() + chrono::Duration::hours(1)),
            })
            .await
            .unwrap();
        assert!(future.is_empty());
    }

    #[tokio::test]
    async fn a_database_from_before_the_prompt_cache_columns_still_opens_and_reads() {
        use std::str::FromStr;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        // The database as the previous release left it: migrations 1 and 2
        // only, with a call recorded.
        let old = dir.path().join("old-migrations");
        std::fs::create_dir_all(&old).unwrap();
        for (name, text) in [
            (
                "0001_init.sql",
                include_str!("../migrations/sqlite/0001_init.sql"),
            ),
            (
                "0002_model_calls.sql",
                include_str!("../migrations/sqlite/0002_model_calls.sql"),
            ),
        ] {
            std::fs::write(old.join(name), text).unwrap();
        }
        let opts =
            sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                .unwrap()
                .create_if_missing(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(opts)
            .await
            .unwrap();
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO model_calls (run_id, phase, role, provider, model, attempt, ok, \
             prompt_tokens, cached_tokens, latency_ms, created_at) \
             VALUES ('r0', 'step', 'tactical', 'local', 'm', 1, 1, 900, 800, 5, $1)",
        )
        .bind(Utc::now().to_rfc3339())
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;

        let store = Store::open(&path).await.unwrap();
        let calls = store.calls(&CallFilter::default()).await.unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].usage.cached_tokens, 800);
        assert_eq!(calls[0].prompt_eval_tokens, None);
        store.record_call(&call("r1", true, None)).await.unwrap();
        let calls = store.calls(&CallFilter::default()).await.unwrap();
        assert_eq!(calls[1].prompt_eval_tokens, Some(60));
    }
}
