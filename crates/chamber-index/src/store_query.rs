//! The store's read side: indexed files, definitions (all, by file, by
//! name, or filtered by name), references, imports and totals.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{STATE_REMOVED, Store};
use crate::error::IndexError;
use crate::facts::{FileEntry, Reference, Symbol};

impl Store {
    /// Indexed files (not skipped, not removed), sorted by path.
    pub async fn file_entries(&self) -> Result<Vec<FileEntry>, IndexError> {
        let rows = sqlx::query(
            "SELECT path, lang, size, hash, mtime_ns, is_test FROM files \
             WHERE skipped IS NULL AND state != ? ORDER BY path",
        )
        .bind(STATE_REMOVED)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let size: i64 = row.try_get(2)?;
                Ok(FileEntry {
                    path: row.try_get(0)?,
                    lang: row.try_get(1)?,
                    size: u64::try_from(size).unwrap_or(0),
                    hash: row.try_get(3)?,
                    mtime_ns: row.try_get(4)?,
                    is_test: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Definitions: all (`None`), of one file, or of one name.
    pub async fn symbols(&self, filter: SymbolFilter<'_>) -> Result<Vec<Symbol>, IndexError> {
        let query = match filter {
            // Unordered: the snapshot sorts in memory, faster than SQLite.
            SymbolFilter::All => sqlx::query(
                "SELECT path, kind, name, qualified, start_line, end_line, signature FROM symbols",
            ),
            SymbolFilter::Path(path) => sqlx::query(
                "SELECT path, kind, name, qualified, start_line, end_line, signature FROM symbols \
                 WHERE path = ? ORDER BY start_line",
            )
            .bind(path),
            SymbolFilter::Name(name) => sqlx::query(
                "SELECT path, kind, name, qualified, start_line, end_line, signature FROM symbols \
                 WHERE name = ? ORDER BY path, start_line",
            )
            .bind(name),
        };
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(symbol_of).collect()
    }

    /// The definitions of `path` whose names pass `keep`, in line order, at
    /// most `limit` (names are read first, whole rows only for the kept
    /// ones: a generated file can define thousands of symbols).
    pub async fn symbols_where(
        &self,
        path: &str,
        keep: impl Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<Symbol>, IndexError> {
        let rows =
            sqlx::query("SELECT rowid, name FROM symbols WHERE path = ? ORDER BY start_line")
                .bind(path)
                .fetch_all(&self.pool)
                .await?;
        let mut kept: Vec<i64> = Vec::new();
        for row in rows {
            let name: &str = row.try_get(1)?;
            if keep(name) {
                kept.push(row.try_get(0)?);
                if kept.len() == limit {
                    break;
                }
            }
        }
        if kept.is_empty() {
            return Ok(Vec::new());
        }
        let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT path, kind, name, qualified, start_line, end_line, signature FROM symbols \
             WHERE rowid IN (",
        );
        let mut ids = select.separated(", ");
        for id in &kept {
            ids.push_bind(*id);
        }
        select.push(") ORDER BY start_line");
        let rows = select.build().fetch_all(&self.pool).await?;
        rows.iter().map(symbol_of).collect()
    }

    /// References: all, or only those to `name`.
    pub async fn references(&self, name: Option<&str>) -> Result<Vec<Reference>, IndexError> {
        let rows = match name {
            None => {
                sqlx::query("SELECT path, data FROM refs ORDER BY path")
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(name) => {
                sqlx::query("SELECT path, data FROM refs WHERE instr(data, ?) > 0 ORDER BY path")
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut out = Vec::new();
        for row in rows {
            let path: String = row.try_get(0)?;
            let data: String = row.try_get(1)?;
            decode_refs(&path, &data, name, &mut out);
        }
        Ok(out)
    }

    /// Imports as written: `(path, target)`.
    pub async fn imports(&self) -> Result<Vec<(String, String)>, IndexError> {
        let rows = sqlx::query("SELECT path, data FROM imports ORDER BY path")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for row in rows {
            let path: String = row.try_get(0)?;
            let data: String = row.try_get(1)?;
            out.extend(
                data.lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| (path.clone(), l.to_owned())),
            );
        }
        Ok(out)
    }

    /// Counts of indexed files, definitions and references.
    pub async fn counts(&self) -> Result<(usize, usize, usize), IndexError> {
        let row = sqlx::query(
            "SELECT count(*), coalesce(sum(n_symbols), 0), coalesce(sum(n_refs), 0) FROM files \
             WHERE skipped IS NULL AND state != ?",
        )
        .bind(STATE_REMOVED)
        .fetch_one(&self.pool)
        .await?;
        let (files, symbols, refs): (i64, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        Ok((to_usize(files), to_usize(symbols), to_usize(refs)))
    }
}

/// Which definitions to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SymbolFilter<'a> {
    /// Every definition.
    All,
    /// Those of one file.
    Path(&'a str),
    /// Those with one name.
    Name(&'a str),
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn decode_refs(path: &str, data: &str, name: Option<&str>, out: &mut Vec<Reference>) {
    for line in data.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(number), Some(kind), Some(ref_name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if name.is_some_and(|n| n != ref_name) {
            continue;
        }
        out.push(Reference {
            path: path.to_owned(),
            name: ref_name.to_owned(),
            line: number.parse().unwrap_or(0),
            kind: kind.to_owned(),
        });
    }
}

/// A `symbols` row selected as `path, kind, name, qualified, start_line,
/// end_line, signature`.
fn symbol_of(row: &sqlx::sqlite::SqliteRow) -> Result<Symbol, IndexError> {
    Ok(Symbol {
        path: row.try_get(0)?,
        kind: row.try_get(1)?,
        name: row.try_get(2)?,
        qualified: row.try_get(3)?,
        start_line: row.try_get(4)?,
        end_line: row.try_get(5)?,
        signature: row.try_get(6)?,
    })
}
