//! Helpers the queue, token and approval modules share: timestamps that
//! compare correctly as text, write transactions that take SQLite's write
//! lock up front, id-prefix lookups and string-valued enums.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};

use crate::StoreError;
use crate::runs::parse_ts;

/// Which SQL database the store talks to, for the few statements that
/// differ (locking, JSON access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: one writer at a time, `BEGIN IMMEDIATE`.
    Sqlite,
    /// PostgreSQL: row locks, `SKIP LOCKED`, advisory locks.
    Postgres,
}

impl Dialect {
    /// The dialect of a live connection.
    pub(crate) fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// PostgreSQL advisory lock that serialises the store's read-then-write
/// transactions the way SQLite's single writer does (claims without
/// per-queue limits skip it and rely on row locks instead).
pub(crate) const WRITE_LOCK: i64 = 0x6368_616d_0001;
/// PostgreSQL advisory lock held while appending an event, so event ids
/// commit in id order and a reader tailing by id never skips one.
pub(crate) const EVENTS_LOCK: i64 = 0x6368_616d_0002;

/// A timestamp as the queue tables store it: RFC3339 UTC with exactly six
/// fractional digits and a `Z`, so that text order is time order (in
/// SQLite and in PostgreSQL alike).
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads an optional stored timestamp.
pub(crate) fn opt_ts(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.map(parse_ts)
}

/// `now + d`, saturating at the end of year 9999 (the last time whose
/// stored text still sorts correctly) instead of overflowing.
pub(crate) fn after(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    let last = DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(now);
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .map_or(last, |t| t.min(last))
}

/// Starts a transaction that holds the database's write lock from its first
/// statement (`BEGIN IMMEDIATE`). Every read-then-write operation uses one:
/// a deferred transaction that reads and later writes can fail with
/// `SQLITE_BUSY` instead of waiting when another writer got in between,
/// and two of them could both act on what they read.
///
/// On PostgreSQL the same guarantee comes from a transaction-scoped advisory
/// lock taken first.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    dialect: Dialect,
) -> Result<Transaction<'static, Any>, StoreError> {
    begin_locked(pool, dialect, WRITE_LOCK).await
}

/// A write transaction holding the advisory lock `key` on PostgreSQL, or
/// SQLite's write lock.
pub(crate) async fn begin_locked(
    pool: &AnyPool,
    dialect: Dialect,
    key: i64,
) -> Result<Transaction<'static, Any>, StoreError> {
    match dialect {
        Dialect::Sqlite => Ok(pool.begin_with("BEGIN IMMEDIATE").await?),
        Dialect::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// A plain transaction (PostgreSQL: READ COMMITTED, row locks only; SQLite:
/// `BEGIN IMMEDIATE` as always).
pub(crate) async fn begin_rows(
    pool: &AnyPool,
    dialect: Dialect,
) -> Result<Transaction<'static, Any>, StoreError> {
    match dialect {
        Dialect::Sqlite => Ok(pool.begin_with("BEGIN IMMEDIATE").await?),
        Dialect::Postgres => Ok(pool.begin().await?),
    }
}

/// The tables whose ids can be given as a unique prefix.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdTable {
    /// `tasks`.
    Tasks,
    /// `approvals`.
    Approvals,
}

/// The full id of the one record whose id is `id` or starts with it.
pub(crate) async fn resolve_id(
    conn: &mut AnyConnection,
    table: IdTable,
    id: &str,
) -> Result<String, StoreError> {
    let (what, sql) = match table {
        IdTable::Tasks => (
            "task",
            "SELECT id FROM tasks WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 5",
        ),
        IdTable::Approvals => (
            "approval",
            "SELECT id FROM approvals WHERE id >= $1 AND id < $2 ORDER BY id LIMIT 5",
        ),
    };
    if id.is_empty() {
        return Err(StoreError::NotFound {
            what,
            id: id.into(),
        });
    }
    // A range over the unique index instead of a scan: ids are ASCII
    // (hex and dashes), and `~` sorts after every character they use.
    let ids: Vec<String> = sqlx::query(sql)
        .bind(id)
        .bind(format!("{id}~"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.get::<String, _>("id"))
        .collect();
    match ids.as_slice() {
        [] => Err(StoreError::NotFound {
            what,
            id: id.into(),
        }),
        [one] => Ok(one.clone()),
        many => match many.iter().find(|c| c.as_str() == id) {
            Some(exact) => Ok(exact.clone()),
            None => Err(StoreError::Ambiguous {
                what,
                id: id.into(),
                candidates: many.join(", "),
            }),
        },
    }
}

/// Defines a fieldless enum stored and serialised as a snake_case name,
/// with `as_str`, `ALL`, `Display` and `FromStr`.
macro_rules! str_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored name (snake_case, as serde writes it).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(crate::UnknownValue {
                        what: $what,
                        value: s.into(),
                    }),
                }
            }
        }
    };
}
pub(crate) use str_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_timestamps_sort_as_text_in_time_order() {
        let base = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let times = [
            base,
            base + chrono::Duration::microseconds(1),
            base + chrono::Duration::milliseconds(500),
            base + chrono::Duration::seconds(1),
            base + chrono::Duration::days(400),
        ];
        let texts: Vec<String> = times.iter().map(|t| ts(*t)).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
        assert!(texts.iter().all(|t| t.len() == texts[0].len()));
        assert_eq!(parse_ts(&texts[2]), times[2]);
    }

    #[test]
    fn adding_a_huge_duration_saturates() {
        let now = Utc::now();
        let far = after(now, std::time::Duration::from_secs(u64::MAX));
        assert_eq!(ts(far), "9999-12-31T23:59:59.000000Z");
        let near = after(now, std::time::Duration::from_secs(60));
        assert_eq!(near - now, chrono::Duration::seconds(60));
    }
}
