//! The SQLite half of the index (`index.db`): files, definitions,
//! references and imports. Definitions are rows (looked up by name and
//! path); a file's references and imports are one compact text row each,
//! which keeps a full build's writes and a snapshot's reads fast.
//!
//! A file row's `state` makes the full-text index crash-safe: `1` means its
//! tantivy document may be missing or stale, `2` means the file is gone but
//! its document may still be there; both are cleared only after a tantivy
//! commit.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::error::IndexError;
use crate::facts::{FileEntry, Reference, Symbol};

/// Bumped when the tables change; an older database is rebuilt.
const SCHEMA_VERSION: &str = "3";
/// Symbol rows per INSERT statement (7 parameters each).
const SYMBOL_ROWS_PER_INSERT: usize = 120;

/// Full-text document up to date.
pub(crate) const STATE_DONE: i64 = 0;
/// Full-text document to (re)write.
pub(crate) const STATE_PENDING: i64 = 1;
/// File removed; full-text document to delete.
pub(crate) const STATE_REMOVED: i64 = 2;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, lang TEXT, size INTEGER NOT NULL, \
     hash TEXT NOT NULL, mtime_ns INTEGER NOT NULL, is_test INTEGER NOT NULL, skipped TEXT, \
     state INTEGER NOT NULL, n_symbols INTEGER NOT NULL, n_refs INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS symbols (path TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, \
     qualified TEXT NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, \
     signature TEXT NOT NULL)",
    // Covers `counts()`, which runs after every update.
    "CREATE INDEX IF NOT EXISTS files_counts ON files(state, skipped, n_symbols, n_refs)",
    "CREATE INDEX IF NOT EXISTS symbols_name ON symbols(name)",
    "CREATE INDEX IF NOT EXISTS symbols_path ON symbols(path)",
    "CREATE TABLE IF NOT EXISTS refs (path TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS imports (path TEXT PRIMARY KEY, data TEXT NOT NULL)",
];

const TABLES: &[&str] = &["meta", "files", "symbols", "refs", "imports"];

/// What the store remembers of a file between updates.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: String,
    pub state: i64,
}

/// One parsed (or skipped) file to write.
#[derive(Debug, Clone)]
pub(crate) struct FileRecord {
    pub entry: FileEntry,
    /// Why the content keeps it out (`binary`, `generated`, `minified`).
    pub skipped: Option<&'static str>,
    pub symbols: Vec<Symbol>,
    pub references: Vec<Reference>,
    pub imports: Vec<String>,
    /// Whether rows of an older version may exist.
    pub existed: bool,
}

/// The SQLite store.
pub(crate) struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating) `index.db` in `dir`. A database of another schema
    /// version is emptied; the second value is true when everything must be
    /// indexed again.
    pub async fn open(dir: &Path) -> Result<(Store, bool), IndexError> {
        let path = dir.join("index.db");
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let store = Store { pool };
        // A missing or unreadable table means a new or foreign database.
        let version: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'schema'")
                .fetch_optional(&store.pool)
                .await
                .unwrap_or_default();
        let reset = version.as_deref() != Some(SCHEMA_VERSION);
        if reset {
            for table in TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
                    .execute(&store.pool)
                    .await?;
            }
        }
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&store.pool).await?;
        }
        if reset {
            sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)")
                .bind(SCHEMA_VERSION)
                .execute(&store.pool)
                .await?;
        }
        Ok((store, reset))
    }

    /// Every file row, by path.
    pub async fn files(&self) -> Result<HashMap<String, StoredFile>, IndexError> {
        let rows = sqlx::query("SELECT path, size, mtime_ns, hash, state FROM files")
            .fetch_all(&self.pool)
            .await?;
        let mut files = HashMap::with_capacity(rows.len());
        for row in rows {
            let size: i64 = row.try_get(1)?;
            files.insert(
                row.try_get(0)?,
                StoredFile {
                    size: u64::try_from(size).unwrap_or(0),
                    mtime_ns: row.try_get(2)?,
                    hash: row.try_get(3)?,
                    state: row.try_get(4)?,
                },
            );
        }
        Ok(files)
    }

    /// What the store remembers of one file.
    pub async fn file(&self, path: &str) -> Result<Option<StoredFile>, IndexError> {
        let row = sqlx::query("SELECT size, mtime_ns, hash, state FROM files WHERE path = ?")
            .bind(path)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let size: i64 = row.try_get(0)?;
        Ok(Some(StoredFile {
            size: u64::try_from(size).unwrap_or(0),
            mtime_ns: row.try_get(1)?,
            hash: row.try_get(2)?,
            state: row.try_get(3)?,
        }))
    }

    /// Whether `path` is indexed (known, not skipped, not removed).
    pub async fn is_indexed(&self, path: &str) -> Result<bool, IndexError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM files WHERE path = ? AND skipped IS NULL AND state != ?",
        )
        .bind(path)
        .bind(STATE_REMOVED)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Marks every file's full-text document as pending (after the
    /// full-text index was recreated).
    pub async fn mark_all_pending(&self) -> Result<(), IndexError> {
        sqlx::query("UPDATE files SET state = ? WHERE state = ?")
            .bind(STATE_PENDING)
            .bind(STATE_DONE)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes a batch of files in one transaction; their state is
    /// `pending` until [`Store::clear_pending`].
    pub async fn write_batch(&self, batch: &[FileRecord]) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await?;
        for record in batch.iter().filter(|r| r.existed) {
            sqlx::query("DELETE FROM symbols WHERE path = ?")
                .bind(&record.entry.path)
                .execute(&mut *tx)
                .await?;
        }
        for record in batch {
            let e = &record.entry;
            sqlx::query(
                "INSERT OR REPLACE INTO files \
                 (path, lang, size, hash, mtime_ns, is_test, skipped, state, n_symbols, n_refs) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&e.path)
            .bind(&e.lang)
            .bind(i64::try_from(e.size).unwrap_or(i64::MAX))
            .bind(&e.hash)
            .bind(e.mtime_ns)
            .bind(e.is_test)
            .bind(record.skipped)
            .bind(STATE_PENDING)
            .bind(i64::try_from(record.symbols.len()).unwrap_or(i64::MAX))
            .bind(i64::try_from(record.references.len()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT OR REPLACE INTO refs (path, data) VALUES (?, ?)")
                .bind(&e.path)
                .bind(encode_refs(&record.references))
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT OR REPLACE INTO imports (path, data) VALUES (?, ?)")
                .bind(&e.path)
                .bind(record.imports.join("\n"))
                .execute(&mut *tx)
                .await?;
        }
        let symbols: Vec<&Symbol> = batch.iter().flat_map(|r| &r.symbols).collect();
        for chunk in symbols.chunks(SYMBOL_ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO symbols (path, kind, name, qualified, start_line, end_line, signature) ",
            );
            insert.push_values(chunk, |mut row, s| {
                row.push_bind(&s.path)
                    .push_bind(&s.kind)
                    .push_bind(&s.name)
                    .push_bind(&s.qualified)
                    .push_bind(s.start_line)
                    .push_bind(s.end_line)
                    .push_bind(&s.signature);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that an unchanged file's modification time moved.
    pub async fn touch(&self, touched: &[(String, i64)]) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await?;
        for (path, mtime_ns) in touched {
            sqlx::query("UPDATE files SET mtime_ns = ? WHERE path = ?")
                .bind(mtime_ns)
                .bind(path)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes removed files' facts and marks their rows `removed` (the
    /// rows go once the full-text deletions are committed).
    pub async fn remove(&self, paths: &[String]) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await?;
        for path in paths {
            for statement in [
                "DELETE FROM symbols WHERE path = ?",
                "DELETE FROM refs WHERE path = ?",
                "DELETE FROM imports WHERE path = ?",
            ] {
                sqlx::query(statement).bind(path).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE files SET state = ? WHERE path = ?")
                .bind(STATE_REMOVED)
                .bind(path)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a full-text commit: the documents of `written` are current
    /// and those of `removed` deleted.
    pub async fn clear_pending(
        &self,
        written: &[String],
        removed: &[String],
    ) -> Result<(), IndexError> {
        let mut tx = self.pool.begin().await?;
        for path in removed {
            sqlx::query("DELETE FROM files WHERE path = ? AND state = ?")
                .bind(path)
                .bind(STATE_REMOVED)
                .execute(&mut *tx)
                .await?;
        }
        for path in written {
            sqlx::query("UPDATE files SET state = ? WHERE path = ? AND state = ?")
                .bind(STATE_DONE)
                .bind(path)
                .bind(STATE_PENDING)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// `line\tkind\tname` lines.
fn encode_refs(refs: &[Reference]) -> String {
    let mut out = String::new();
    for r in refs {
        use std::fmt::Write;
        let _ = writeln!(out, "{}\t{}\t{}", r.line, r.kind, r.name);
    }
    out
}

#[path = "store_query.rs"]
mod query;

pub(crate) use query::SymbolFilter;
