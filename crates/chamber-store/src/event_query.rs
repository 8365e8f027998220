//! Narrow queries over a run's events, for the places that need a few
//! fields of a few events: loading every event of a long run (tool
//! outputs included) just to list its commands held hundreds of MB.

use std::collections::HashMap;

use sqlx::Row;

use crate::db::Dialect;
use chamber_protocol::Event;

use crate::{Store, StoreError};

/// A shell command a run ran, as its events record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// The command line.
    pub command: String,
    /// Its exit code; `None` when it was killed or timed out.
    pub exit_code: Option<i32>,
}

impl Store {
    /// The shell commands of a run that finished, in the order they finished.
    pub async fn shell_commands(&self, run_id: &str) -> Result<Vec<ShellCommand>, StoreError> {
        let started = sqlx::query(match self.dialect {
            Dialect::Sqlite => {
                "SELECT json_extract(body, '$.call.id') AS id, \
                    json_extract(json_extract(body, '$.call.arguments'), '$.command') AS command \
                 FROM events WHERE run_id = $1 AND type = 'tool_started' \
                   AND json_extract(body, '$.call.name') = 'shell'"
            }
            Dialect::Postgres => {
                "SELECT body::jsonb #>> '{call,id}' AS id, \
                    (body::jsonb #>> '{call,arguments}')::jsonb ->> 'command' AS command \
                 FROM events WHERE run_id = $1 AND type = 'tool_started' \
                   AND body::jsonb #>> '{call,name}' = 'shell'"
            }
        })
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        let mut commands: HashMap<String, String> = started
            .iter()
            .map(|r| {
                (
                    r.get::<Option<String>, _>("id").unwrap_or_default(),
                    r.get::<Option<String>, _>("command").unwrap_or_default(),
                )
            })
            .collect();
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let finished = sqlx::query(match self.dialect {
            Dialect::Sqlite => {
                "SELECT json_extract(body, '$.call_id') AS id, \
                    json_extract(body, '$.result.status') AS status, \
                    json_extract(body, '$.result.exit_code') AS code \
                 FROM events WHERE run_id = $1 AND type = 'tool_finished' \
                   AND json_extract(body, '$.name') = 'shell' ORDER BY seq"
            }
            Dialect::Postgres => {
                "SELECT body::jsonb ->> 'call_id' AS id, \
                    body::jsonb #>> '{result,status}' AS status, \
                    (body::jsonb #>> '{result,exit_code}')::bigint AS code \
                 FROM events WHERE run_id = $1 AND type = 'tool_finished' \
                   AND body::jsonb ->> 'name' = 'shell' ORDER BY seq"
            }
        })
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &finished {
            let id = r.get::<Option<String>, _>("id").unwrap_or_default();
            let Some(command) = commands.remove(&id) else {
                continue;
            };
            let timed_out = r.get::<Option<String>, _>("status").as_deref() == Some("timeout");
            let code = r
                .get::<Option<i64>, _>("code")
                .and_then(|c| i32::try_from(c).ok());
            out.push(ShellCommand {
                command,
                exit_code: if timed_out { None } else { code },
            });
        }
        Ok(out)
    }

    /// The run's events of the given types (`type_name`s), in order. Finish
    /// paths use it to pick a few events out of a long run without loading
    /// every tool output it recorded (issue 15's memory bound).
    pub async fn events_of(&self, run_id: &str, types: &[&str]) -> Result<Vec<Event>, StoreError> {
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..types.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT body FROM events WHERE run_id = $1 AND type IN ({}) ORDER BY seq",
            marks.join(", ")
        );
        // Only numbered placeholders are formatted in; the types are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id);
        for t in types {
            query = query.bind(*t);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(serde_json::from_str(r.get::<&str, _>("body"))?))
            .collect()
    }

    /// The step ids of a run's `step_completed` events, in order.
    pub async fn completed_steps(&self, run_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(match self.dialect {
            Dialect::Sqlite => {
                "SELECT json_extract(body, '$.step_id') AS step FROM events \
                 WHERE run_id = $1 AND type = 'step_completed' ORDER BY seq"
            }
            Dialect::Postgres => {
                "SELECT body::jsonb ->> 'step_id' AS step FROM events \
                 WHERE run_id = $1 AND type = 'step_completed' ORDER BY seq"
            }
        })
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get::<Option<String>, _>("step"))
            .collect())
    }
}
