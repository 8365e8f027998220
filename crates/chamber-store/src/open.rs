//! Opening the store: a SQLite file under the data dir (the default, nothing
//! to install) or a PostgreSQL database named by URL, each migrated with its
//! own twin of the same numbered migrations.

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

use crate::StoreError;
use crate::db::Dialect;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Chamber's database: runs, events, plans, model calls, the task queue,
/// API tokens and approvals, in SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    url: String,
    /// When this process last swept spent leases (ms since the epoch).
    last_sweep: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

/// Registers the SQLite and PostgreSQL drivers with sqlx's `Any` layer once.
fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Store {
    /// Opens (creating and migrating) the SQLite database file at `path`.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|error| StoreError::Io {
                path: dir.display().to_string(),
                error,
            })?;
        }
        // Two processes opening a new database at once must not both run
        // the migrations: they take turns on a lock file beside it.
        let lock_path = path.with_extension("migrate.lock");
        let io = |error| StoreError::Io {
            path: lock_path.display().to_string(),
            error,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
            .await
            .map_err(|e| io(std::io::Error::other(e)))?
            .map_err(io)?;
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Self::connect_url(&url, Dialect::Sqlite).await?;
        drop(lock);
        Ok(store)
    }

    /// Opens the database a URL names: `postgres://…` (or `postgresql://…`)
    /// for PostgreSQL, `sqlite://PATH` for a SQLite file. Migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if is_postgres_url(url) {
            Self::connect_url(url, Dialect::Postgres).await
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            Self::open(Path::new(path)).await
        } else {
            Err(StoreError::BadUrl {
                url: redact_url(url),
            })
        }
    }

    async fn connect_url(url: &str, dialect: Dialect) -> Result<Self, StoreError> {
        install_drivers();
        let opts = AnyConnectOptions::from_str(url)?;
        let pool = match dialect {
            Dialect::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(4)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the one writer;
                            // NORMAL sync is durable across process crashes
                            // in WAL mode; writers wait for each other.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?
            }
            Dialect::Postgres => {
                // One direct connection first: a wrong host, port or
                // password fails at once instead of after the pool's
                // acquire timeout of retries.
                let probe = tokio::time::timeout(
                    Duration::from_secs(10),
                    sqlx::AnyConnection::connect_with(&opts),
                )
                .await
                .map_err(|_| {
                    sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no answer from the database server within 10 s",
                    ))
                })??;
                probe.close().await?;
                // A worker process's slots (16 in the benchmark), its API
                // and its listener each hold a connection at times.
                // No ping before each use (sqlx's default): it doubled the
                // round trips of every one-statement claim and completion; a
                // broken connection fails its statement and is replaced.
                AnyPoolOptions::new()
                    .max_connections(24)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?
            }
        };
        match dialect {
            Dialect::Sqlite => SQLITE_MIGRATOR.run(&pool).await?,
            Dialect::Postgres => POSTGRES_MIGRATOR.run(&pool).await?,
        }
        Ok(Self {
            pool,
            dialect,
            url: url.to_owned(),
            last_sweep: Default::default(),
        })
    }

    /// Whether a sweep of spent leases is due (none in the last second),
    /// recording `now_ms` as the last one when it is.
    pub(crate) fn sweep_due(&self, now_ms: i64) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.last_sweep.load(Ordering::Relaxed);
        now_ms - last >= 1000
            && self
                .last_sweep
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Whether this store is PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        self.dialect == Dialect::Postgres
    }

    /// The database's URL with any password hidden, for status and logs.
    pub fn describe(&self) -> String {
        redact_url(&self.url)
    }

    /// The URL this store was opened with (password included), for a
    /// listener connection of its own.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The number of migrations applied, and whether every migration this
    /// build knows is among them (for readiness checks).
    pub async fn migrations_applied(&self) -> Result<(usize, bool), StoreError> {
        use sqlx::Row;
        let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.pool)
            .await?;
        let applied: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>("version")).collect();
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
        };
        let all = migrator.iter().all(|m| applied.contains(&m.version));
        Ok((applied.len(), all))
    }
}

/// `url` with the password between `:` and `@` replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://chamber:s3cret@db:5432/chamber"),
            "postgres://chamber:***@db:5432/chamber"
        );
        assert_eq!(redact_url("postgres://db/chamber"), "postgres://db/chamber");
        assert_eq!(redact_url("sqlite:///x/y.db"), "sqlite:///x/y.db");
    }
}
