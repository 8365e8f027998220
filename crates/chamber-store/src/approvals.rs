//! Durable approvals: a run's question to humans survives restarts of the
//! run and of the server, gathers answers from several approvers (a
//! two-person rule needs two different names) and expires unanswered.

use std::collections::HashMap;

use chrono::Utc;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{IdTable, begin_write, opt_ts, resolve_id, ts};
use crate::runs::parse_ts;
use crate::{
    ApprovalAnswer, ApprovalRecord, ApprovalState, Decision, NewApproval, Store, StoreError,
};

/// The columns `approval_from_row` reads.
const COLUMNS: &str = "id, task_id, run_id, kind, what, why, tier, detail, approvers_needed, \
                       state, decision, created_at, expires_at, decided_at";

fn approval_from_row(
    row: &AnyRow,
    answers: Vec<ApprovalAnswer>,
) -> Result<ApprovalRecord, StoreError> {
    let decision: Option<String> = row.get("decision");
    Ok(ApprovalRecord {
        id: row.get("id"),
        task_id: row.get("task_id"),
        run_id: row.get("run_id"),
        kind: row.get("kind"),
        what: row.get("what"),
        why: row.get("why"),
        tier: row.get("tier"),
        detail: row.get("detail"),
        approvers_needed: u8::try_from(row.get::<i64, _>("approvers_needed")).unwrap_or(u8::MAX),
        state: row.get::<&str, _>("state").parse()?,
        decision: decision.map(|d| d.parse()).transpose()?,
        answers,
        created_at: parse_ts(row.get("created_at")),
        expires_at: parse_ts(row.get("expires_at")),
        decided_at: opt_ts(row.get("decided_at")),
    })
}

fn answer_from_row(row: &AnyRow) -> Result<ApprovalAnswer, StoreError> {
    Ok(ApprovalAnswer {
        approver: row.get("approver"),
        decision: row.get::<&str, _>("decision").parse()?,
        at: parse_ts(row.get("at")),
    })
}

/// The approval with exactly this id, with its answers.
async fn load_approval(conn: &mut AnyConnection, id: &str) -> Result<ApprovalRecord, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM approvals WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::NotFound {
            what: "approval",
            id: id.into(),
        });
    };
    let answers = sqlx::query(
        "SELECT approver, decision, at FROM approval_answers WHERE approval_id = $1 \
         ORDER BY at, approver",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(answer_from_row)
    .collect::<Result<_, _>>()?;
    approval_from_row(&row, answers)
}

/// What the answers so far decide, if anything.
fn outcome(needed: u8, answers: &[ApprovalAnswer]) -> Option<(ApprovalState, Decision)> {
    if answers.iter().any(|a| !a.decision.approves()) {
        return Some((ApprovalState::Rejected, Decision::Reject));
    }
    if answers.len() < usize::from(needed.max(1)) {
        return None;
    }
    let for_session = answers
        .iter()
        .all(|a| a.decision == Decision::ApproveForSession);
    let decision = if for_session {
        Decision::ApproveForSession
    } else {
        Decision::Approve
    };
    Some((ApprovalState::Approved, decision))
}

impl Store {
    /// Records a pending approval request.
    pub async fn request_approval(&self, new: &NewApproval) -> Result<ApprovalRecord, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut conn = self.pool.acquire().await?;
        sqlx::query(
            "INSERT INTO approvals (id, task_id, run_id, kind, what, why, tier, detail, \
             approvers_needed, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)",
        )
        .bind(&id)
        .bind(&new.task_id)
        .bind(&new.run_id)
        .bind(&new.kind)
        .bind(&new.what)
        .bind(&new.why)
        .bind(&new.tier)
        .bind(&new.detail)
        .bind(i64::from(new.approvers_needed.max(1)))
        .bind(ts(Utc::now()))
        .bind(ts(new.expires_at))
        .execute(&mut *conn)
        .await?;
        load_approval(&mut conn, &id).await
    }

    /// Records `approver`'s answer (request by id or unique prefix) and
    /// decides the request when it can, atomically:
    ///
    /// - the same approver giving the same answer again changes nothing;
    /// - a rejection from anyone rejects;
    /// - it is approved once `approvers_needed` different approvers approve
    ///   (an approver who answers again replaces their earlier answer);
    /// - a decided request answered the way it was decided is returned
    ///   unchanged; answered the other way, `InvalidState`;
    /// - an expired request (past `expires_at`, swept or not) answers
    ///   `InvalidState` with state `expired`.
    pub async fn answer_approval(
        &self,
        id: &str,
        decision: Decision,
        approver: &str,
    ) -> Result<ApprovalRecord, StoreError> {
        let mut tx = begin_write(&self.pool, self.dialect).await?;
        let id = resolve_id(&mut tx, IdTable::Approvals, id).await?;
        let record = load_approval(&mut tx, &id).await?;
        let repeated = record
            .answers
            .iter()
            .any(|a| a.approver == approver && a.decision == decision);
        let now = Utc::now();
        let expired = record.state == ApprovalState::Expired
            || (record.state == ApprovalState::Pending && record.expires_at < now);
        let same_way = record
            .decision
            .is_some_and(|d| d.approves() == decision.approves());
        if repeated || (!expired && record.state != ApprovalState::Pending && same_way) {
            tx.commit().await?;
            return Ok(record);
        }
        if expired || record.state != ApprovalState::Pending {
            let state = if expired {
                ApprovalState::Expired
            } else {
                record.state
            };
            return Err(StoreError::InvalidState {
                what: "approval",
                id,
                state: state.as_str().into(),
                action: "answer",
            });
        }
        let now_s = ts(now);
        sqlx::query(
            "INSERT INTO approval_answers (approval_id, approver, decision, at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (approval_id, approver) \
             DO UPDATE SET decision = excluded.decision, at = excluded.at",
        )
        .bind(&id)
        .bind(approver)
        .bind(decision.as_str())
        .bind(&now_s)
        .execute(&mut *tx)
        .await?;
        let answered = load_approval(&mut tx, &id).await?;
        if let Some((state, decision)) = outcome(answered.approvers_needed, &answered.answers) {
            sqlx::query(
                "UPDATE approvals SET state = $1, decision = $2, decided_at = $3 WHERE id = $4",
            )
            .bind(state.as_str())
            .bind(decision.as_str())
            .bind(&now_s)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        let record = load_approval(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Finds an approval request by id or unique id prefix.
    pub async fn get_approval(&self, id: &str) -> Result<ApprovalRecord, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let full = resolve_id(&mut conn, IdTable::Approvals, id).await?;
        load_approval(&mut conn, &full).await
    }

    /// Approval requests, newest first, optionally only those in `state`
    /// and/or of one run. (A pending request past its expiry stays pending
    /// here until `expire_approvals` sweeps it.)
    pub async fn list_approvals(
        &self,
        state: Option<ApprovalState>,
        run_id: Option<&str>,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let filter = "($1 IS NULL OR state = $1) AND ($2 IS NULL OR run_id = $2)";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM approvals WHERE {filter} ORDER BY created_at DESC, id"
        )))
        .bind(state.map(|s| s.as_str()))
        .bind(run_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut answers: HashMap<String, Vec<ApprovalAnswer>> = HashMap::new();
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT approval_id, approver, decision, at FROM approval_answers \
             WHERE approval_id IN (SELECT id FROM approvals WHERE {filter}) \
             ORDER BY at, approver"
        )))
        .bind(state.map(|s| s.as_str()))
        .bind(run_id)
        .fetch_all(&mut *conn)
        .await?
        {
            answers
                .entry(row.get("approval_id"))
                .or_default()
                .push(answer_from_row(&row)?);
        }
        rows.iter()
            .map(|row| {
                let id: String = row.get("id");
                approval_from_row(row, answers.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Marks every pending request past its expiry as expired and returns
    /// them.
    pub async fn expire_approvals(&self) -> Result<Vec<ApprovalRecord>, StoreError> {
        let mut tx = begin_write(&self.pool, self.dialect).await?;
        let now = ts(Utc::now());
        let ids: Vec<String> = sqlx::query(
            "UPDATE approvals SET state = 'expired', decided_at = $1 \
             WHERE state = 'pending' AND expires_at < $1 RETURNING id",
        )
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
        let mut expired = Vec::with_capacity(ids.len());
        for id in ids {
            expired.push(load_approval(&mut tx, &id).await?);
        }
        tx.commit().await?;
        expired.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(expired)
    }
}
