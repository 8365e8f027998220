//! The files a plain-file migration tool writes for a new migration, named
//! and numbered exactly as the tool would (sqlx-cli 0.8, diesel_cli 2.3,
//! golang-migrate v4's `create`), for when its program is not installed.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::MigrateError;
use super::detect::{is_numbered_sql, is_up_down};

/// A file to create: path relative to the root, and its content.
pub type NewFile = (String, String);

/// The names of the files directly in `dir` (none when it does not exist).
fn names(root: &Path, dir: &Path) -> Result<Vec<String>, MigrateError> {
    let path = root.join(dir);
    let entries = match std::fs::read_dir(&path) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(MigrateError::io("cannot list", &path)(e)),
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn rel(dir: &Path, file: &str) -> String {
    let dir = dir.to_string_lossy().replace('\\', "/");
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// sqlx-cli's kinds of migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlxKind {
    Simple,
    Up,
    Down,
}

/// `sqlx migrate add -r NAME`: the type of the first existing migration
/// (reversible when there is none); sequential `{:04}` numbering when the
/// last two up migrations differ by one (or the only one is 0 or 1), else
/// a `%Y%m%d%H%M%S` UTC timestamp.
pub fn sqlx(
    root: &Path,
    dir: &Path,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NewFile>, MigrateError> {
    let mut migrations: Vec<(i64, SqlxKind)> = Vec::new();
    for file in names(root, dir)? {
        let Some((version, rest)) = file.split_once('_') else {
            continue;
        };
        if !rest.ends_with(".sql") {
            continue;
        }
        let version: i64 = version.parse().map_err(|_| {
            MigrateError::Layout(format!(
                "{}: sqlx expects an integer version before the first `_` (e.g. `0001_init.sql`)",
                rel(dir, &file)
            ))
        })?;
        let kind = if rest.ends_with(".up.sql") {
            SqlxKind::Up
        } else if rest.ends_with(".down.sql") {
            SqlxKind::Down
        } else {
            SqlxKind::Simple
        };
        migrations.push((version, kind));
    }
    migrations.sort_by_key(|(v, _)| *v);
    let reversible = migrations
        .first()
        .is_none_or(|(_, kind)| *kind != SqlxKind::Simple);
    let ups: Vec<i64> = migrations
        .iter()
        .filter(|(_, k)| *k != SqlxKind::Down)
        .map(|(v, _)| *v)
        .collect();
    let sequential = match ups.as_slice() {
        [.., before, last] if last - before == 1 => Some(last + 1),
        [only] if *only == 0 || *only == 1 => Some(only + 1),
        _ => None,
    };
    let prefix = match sequential {
        Some(next) => format!("{next:04}"),
        None => now.format("%Y%m%d%H%M%S").to_string(),
    };
    let files = if reversible {
        vec![
            (
                format!("{prefix}_{name}.up.sql"),
                "-- Add up migration script here\n",
            ),
            (
                format!("{prefix}_{name}.down.sql"),
                "-- Add down migration script here\n",
            ),
        ]
    } else {
        vec![(
            format!("{prefix}_{name}.sql"),
            "-- Add migration script here\n",
        )]
    };
    Ok(files
        .into_iter()
        .map(|(file, text)| (rel(dir, &file), text.to_string()))
        .collect())
}

/// `diesel migration generate NAME`: a folder
/// `%Y-%m-%d-%H%M%S-XXXX_NAME/` (UTC; `XXXX` the first free 4-digit hex
/// subversion) holding `up.sql` and `down.sql`.
pub fn diesel(
    root: &Path,
    dir: &Path,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NewFile>, MigrateError> {
    let version = now.format("%Y-%m-%d-%H%M%S").to_string();
    let existing = names(root, dir)?;
    let full = (0..=u16::MAX)
        .map(|sub| format!("{version}-{sub:04x}"))
        .find(|full| !existing.iter().any(|e| e.starts_with(full.as_str())))
        .ok_or_else(|| MigrateError::Layout("too many migrations in one second".into()))?;
    let folder = format!("{full}_{name}");
    Ok(vec![
        (
            rel(dir, &format!("{folder}/up.sql")),
            "-- Your SQL goes here\n".to_string(),
        ),
        (
            rel(dir, &format!("{folder}/down.sql")),
            "-- This file should undo anything in `up.sql`\n".to_string(),
        ),
    ])
}

/// How golang-migrate numbers a new migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoVersion {
    /// `-seq -digits N`: the last file's number plus one, zero-padded.
    Sequence {
        /// The width (the last file's, else the tool's default of 6).
        digits: usize,
    },
    /// The default `20060102150405` UTC timestamp (the existing files use one).
    Timestamp,
}

/// Sequence numbers unless the existing files carry 14-digit timestamps.
pub fn go_version(root: &Path, dir: &Path) -> Result<GoVersion, MigrateError> {
    let last = names(root, dir)?.into_iter().rfind(|n| n.ends_with(".sql"));
    let width = last
        .as_deref()
        .and_then(|n| n.split_once('_'))
        .map(|(digits, _)| digits.len());
    Ok(match width {
        Some(w) if w >= 14 => GoVersion::Timestamp,
        Some(w) if w > 0 => GoVersion::Sequence { digits: w },
        _ => GoVersion::Sequence { digits: 6 },
    })
}

/// `migrate create -ext sql -dir DIR [-seq -digits N] NAME`: empty
/// `V_NAME.up.sql` and `V_NAME.down.sql`; V is the number before the first
/// `_` of the last `*.sql` file (by name) plus one, or the timestamp.
pub fn golang_migrate(
    root: &Path,
    dir: &Path,
    name: &str,
    version: GoVersion,
    now: DateTime<Utc>,
) -> Result<Vec<NewFile>, MigrateError> {
    let sql: Vec<String> = names(root, dir)?
        .into_iter()
        .filter(|n| n.ends_with(".sql"))
        .collect();
    let v = match version {
        GoVersion::Timestamp => now.format("%Y%m%d%H%M%S").to_string(),
        GoVersion::Sequence { digits } => {
            let next = match sql.last() {
                None => 1,
                Some(last) => {
                    let prefix = last.split_once('_').map(|(p, _)| p).unwrap_or_default();
                    let n: u64 = prefix.parse().map_err(|_| {
                        MigrateError::Layout(format!(
                            "malformed migration file name {} (golang-migrate expects NNN_name.up.sql)",
                            rel(dir, last)
                        ))
                    })?;
                    n + 1
                }
            };
            let v = format!("{next:0digits$}");
            if v.len() > digits {
                return Err(MigrateError::Layout(format!(
                    "next sequence number {v} is too large: at most {digits} digits"
                )));
            }
            v
        }
    };
    if sql.iter().any(|n| n.starts_with(&format!("{v}_"))) {
        return Err(MigrateError::Layout(format!(
            "duplicate migration version {v} in {}",
            dir.display()
        )));
    }
    Ok(["up", "down"]
        .into_iter()
        .map(|d| (rel(dir, &format!("{v}_{name}.{d}.sql")), String::new()))
        .collect())
}

/// Plain numbered SQL: `NNNN_NAME.sql`, one more than the highest number,
/// as wide as it (4 digits for the first), holding the title as a comment.
pub fn plain_sql(
    root: &Path,
    dir: &Path,
    name: &str,
    title: &str,
) -> Result<Vec<NewFile>, MigrateError> {
    let numbered: Vec<(u64, usize)> = names(root, dir)?
        .iter()
        .filter(|n| is_numbered_sql(n) && !is_up_down(n))
        .filter_map(|n| {
            let digits = n.split_once('_')?.0;
            Some((digits.parse().ok()?, digits.len()))
        })
        .collect();
    let (next, width) = numbered.iter().max().map_or((1, 4), |(n, w)| (n + 1, *w));
    let file = format!("{next:0width$}_{name}.sql");
    Ok(vec![(rel(dir, &file), format!("-- {title}\n"))])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap()
    }

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("m")).unwrap();
        for f in files {
            let p = tmp.path().join("m").join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        tmp
    }

    fn paths(files: Vec<NewFile>) -> Vec<String> {
        files.into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn sqlx_follows_sqlx_cli() {
        let m = Path::new("m");
        let t = dir_with(&[]);
        assert_eq!(
            paths(sqlx(t.path(), m, "add_x", now()).unwrap()),
            [
                "m/20250304050607_add_x.up.sql",
                "m/20250304050607_add_x.down.sql"
            ]
        );
        let t = dir_with(&[
            "0001_a.up.sql",
            "0001_a.down.sql",
            "0002_b.up.sql",
            "0002_b.down.sql",
        ]);
        assert_eq!(
            paths(sqlx(t.path(), m, "c", now()).unwrap()),
            ["m/0003_c.up.sql", "m/0003_c.down.sql"]
        );
        let t = dir_with(&["1_a.sql"]);
        let files = sqlx(t.path(), m, "c", now()).unwrap();
        assert_eq!(
            files,
            [(
                "m/0002_c.sql".to_string(),
                "-- Add migration script here\n".to_string()
            )]
        );
        let t = dir_with(&["20240101000000_a.sql", "20240102000000_b.sql"]);
        assert_eq!(
            paths(sqlx(t.path(), m, "c", now()).unwrap()),
            ["m/20250304050607_c.sql"]
        );
        let t = dir_with(&["x_a.sql"]);
        assert!(matches!(
            sqlx(t.path(), m, "c", now()),
            Err(MigrateError::Layout(_))
        ));
    }

    #[test]
    fn diesel_takes_the_first_free_subversion() {
        let m = Path::new("m");
        let t = dir_with(&["2025-03-04-050607-0000_other/up.sql"]);
        assert_eq!(
            paths(diesel(t.path(), m, "add_x", now()).unwrap()),
            [
                "m/2025-03-04-050607-0001_add_x/up.sql",
                "m/2025-03-04-050607-0001_add_x/down.sql"
            ]
        );
    }

    #[test]
    fn golang_migrate_keeps_the_width_and_counts_on() {
        let m = Path::new("m");
        let t = dir_with(&[
            "001_init.up.sql",
            "001_init.down.sql",
            "002_b.down.sql",
            "002_b.up.sql",
        ]);
        let v = go_version(t.path(), m).unwrap();
        assert_eq!(v, GoVersion::Sequence { digits: 3 });
        assert_eq!(
            golang_migrate(t.path(), m, "c", v, now()).unwrap(),
            [
                ("m/003_c.up.sql".to_string(), String::new()),
                ("m/003_c.down.sql".to_string(), String::new())
            ]
        );
        let t = dir_with(&[]);
        let v = go_version(t.path(), m).unwrap();
        assert_eq!(
            paths(golang_migrate(t.path(), m, "c", v, now()).unwrap())[0],
            "m/000001_c.up.sql"
        );
        let t = dir_with(&["99_x.up.sql"]);
        let v = go_version(t.path(), m).unwrap();
        assert!(
            golang_migrate(t.path(), m, "c", v, now()).is_err(),
            "100 needs 3 digits"
        );
        let t = dir_with(&["20240101000000_x.up.sql"]);
        let v = go_version(t.path(), m).unwrap();
        assert_eq!(v, GoVersion::Timestamp);
        assert_eq!(
            paths(golang_migrate(t.path(), m, "c", v, now()).unwrap())[1],
            "m/20250304050607_c.down.sql"
        );
    }

    #[test]
    fn plain_sql_numbers_on() {
        let m = Path::new("m");
        let t = dir_with(&["0001_a.sql", "0009_b.sql", "README.md"]);
        assert_eq!(
            plain_sql(t.path(), m, "c", "C!").unwrap(),
            [("m/0010_c.sql".to_string(), "-- C!\n".to_string())]
        );
        let t = dir_with(&[]);
        assert_eq!(
            paths(plain_sql(t.path(), m, "c", "c").unwrap()),
            ["m/0001_c.sql"]
        );
    }
}
