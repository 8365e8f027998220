//! The service commands: `chamber serve`, `chamber worker`, `chamber token`
//! and `chamber task` (on the local queue, or a server with `--server`).

pub mod serve;
pub mod task;
pub mod task_remote;
pub mod task_text;
pub mod token;

use crate::exit::{CliError, status};

/// PostgreSQL is planned; until then a URL other than SQLite is refused
/// with what to do instead.
pub fn check_database_url(url: Option<&str>) -> Result<(), CliError> {
    match url {
        None => Ok(()),
        Some(u) if u.starts_with("sqlite:") => Err(CliError::new(
            "unsupported",
            format!(
                "--database-url {u}: the SQLite database is the data dir's; set CHAMBER_HOME to move it"
            ),
            Some("drop --database-url, or set CHAMBER_HOME"),
            status::CONFIG,
        )),
        Some(u) => Err(CliError::new(
            "unsupported",
            format!(
                "--database-url {}: PostgreSQL is not supported yet; the queue is SQLite in the data dir",
                u.split('@').next_back().unwrap_or("…")
            ),
            Some(
                "unset CHAMBER_DATABASE_URL; run the server and its workers on one machine sharing CHAMBER_HOME",
            ),
            status::CONFIG,
        )),
    }
}
