//! Local-only usage telemetry: when the user turns it on, each command
//! appends one record to `<data dir>/telemetry.jsonl`. There is no network
//! code here or anywhere behind it: nothing leaves the machine.
//!
//! A record holds only values Chamber itself defines (the command's name,
//! exit status, duration, version, OS and, for runs, counts), never text
//! the user typed, paths, names, hosts or environment values.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chamber_config::{ConfigError, Dirs, Sources};
use serde::{Deserialize, Serialize};

/// When the file grows past this, the oldest records are dropped.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// How many of the newest records a trimmed file keeps.
pub const KEEP_RECORDS: usize = 5_000;
/// The environment variable that sets `[telemetry] enabled` over the user config.
pub const ENV_VAR: &str = "CHAMBER_TELEMETRY__ENABLED";

/// Why the telemetry setting or file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The user config (or a `CHAMBER_*` variable) does not load.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file could not be read, written or removed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// One command's record: the only fields telemetry ever writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Record format version (1).
    pub v: u32,
    /// When the command ended, UTC, to the second.
    pub time: String,
    /// The command's name as envelopes print it (`run`, `config show`).
    pub command: String,
    /// The exit status.
    pub exit: i32,
    /// Wall time from start to exit, in milliseconds.
    pub duration_ms: u64,
    /// The Chamber version.
    pub version: String,
    /// The operating system (`linux`, `macos`).
    pub os: String,
    /// For runs: the plan's step count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// For runs: how many shell commands the run executed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell_commands: Option<u32>,
}

/// Counts a run reports cheaply, recorded beside the command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// Steps of the plan.
    pub steps: Option<u32>,
    /// Shell commands run.
    pub shell_commands: Option<u32>,
}

impl Record {
    /// The record of a command that just ended.
    pub fn new(command: &'static str, exit: i32, duration: Duration, facts: RunFacts) -> Self {
        Self {
            v: 1,
            time: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            command: command.to_string(),
            exit,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            version: env!("CARGO_PKG_VERSION").to_string(),
            os: std::env::consts::OS.to_string(),
            steps: facts.steps,
            shell_commands: facts.shell_commands,
        }
    }
}

/// Whether telemetry is on, and what decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// Records are kept.
    pub enabled: bool,
    /// `default`, `user config`, `CHAMBER_TELEMETRY__ENABLED` or `DO_NOT_TRACK`.
    pub source: String,
}

/// Reads the setting from the user config and the environment only (a
/// project's config may not set it); `DO_NOT_TRACK` (set, not `0`) turns
/// it off whatever they say.
pub fn setting(dirs: &Dirs, env: &[(String, String)]) -> Result<Setting, TelemetryError> {
    let dnt = env
        .iter()
        .any(|(k, v)| k == "DO_NOT_TRACK" && !v.trim().is_empty() && v.trim() != "0");
    if dnt {
        return Ok(Setting {
            enabled: false,
            source: "DO_NOT_TRACK".into(),
        });
    }
    let loaded = chamber_config::load(&Sources {
        user_file: Some(dirs.user_config.clone()),
        project_file: None,
        env: env
            .iter()
            .filter(|(k, _)| k.starts_with("CHAMBER_"))
            .cloned()
            .collect(),
        flags: Vec::new(),
    })?;
    let source = match loaded.origins.get("telemetry.enabled").map(String::as_str) {
        Some("user") => "user config".to_string(),
        Some("env") => ENV_VAR.to_string(),
        _ => "default".to_string(),
    };
    Ok(Setting {
        enabled: loaded.config.telemetry.enabled,
        source,
    })
}

/// The process environment as pairs, for [`setting`].
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars().collect()
}

/// Appends `record` when telemetry is on; returns whether it was kept.
/// Callers ignore failures: a command's outcome never depends on telemetry.
pub fn record(
    dirs: &Dirs,
    env: &[(String, String)],
    record: &Record,
) -> Result<bool, TelemetryError> {
    if !setting(dirs, env)?.enabled {
        return Ok(false);
    }
    append(&dirs.telemetry(), record)?;
    Ok(true)
}

/// Appends one line in a single write to a file opened for appending, so
/// concurrent commands never interleave within a line; past
/// [`MAX_FILE_BYTES`] the file is rewritten (temp file + rename) with the
/// newest [`KEEP_RECORDS`] records.
pub fn append(path: &Path, record: &Record) -> Result<(), TelemetryError> {
    let io = |action: &'static str| {
        let path = path.to_path_buf();
        move |source| TelemetryError::Io {
            action,
            path,
            source,
        }
    };
    let mut line = serde_json::to_string(record).unwrap_or_default();
    line.push('\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io("cannot create the directory of"))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io("cannot open"))?;
    file.write_all(line.as_bytes())
        .map_err(io("cannot append to"))?;
    let size = file.metadata().map_err(io("cannot read"))?.len();
    drop(file);
    if size > MAX_FILE_BYTES {
        let log = read(path)?;
        let start = log.lines.len().saturating_sub(KEEP_RECORDS);
        let mut text = log.lines[start..].join("\n");
        text.push('\n');
        chamber_tools::atomic::write_atomic(path, text.as_bytes()).map_err(io("cannot trim"))?;
    }
    Ok(())
}

/// What the file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Log {
    /// Each record's line exactly as stored, oldest first.
    pub lines: Vec<String>,
    /// Lines that are not a record (a write cut short by a crash or a full disk).
    pub unreadable: usize,
}

/// Reads the file; a missing file is an empty log.
pub fn read(path: &Path) -> Result<Log, TelemetryError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Log::default()),
        Err(source) => {
            return Err(TelemetryError::Io {
                action: "cannot read",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut log = Log::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if serde_json::from_str::<Record>(line).is_ok() {
            log.lines.push(line.to_string());
        } else {
            log.unreadable += 1;
        }
    }
    Ok(log)
}

/// Deletes the file; returns how many records it held (0 when absent).
pub fn clear(path: &Path) -> Result<usize, TelemetryError> {
    let held = read(path)?.lines.len();
    match std::fs::remove_file(path) {
        Ok(()) => Ok(held),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(TelemetryError::Io {
            action: "cannot delete",
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn dirs(root: &Path) -> Dirs {
        Dirs {
            data: root.join("data"),
            user_config: root.join("config.toml"),
        }
    }

    fn sample() -> Record {
        Record::new("run", 4, Duration::from_millis(1500), RunFacts::default())
    }

    #[test]
    fn off_by_default_and_nothing_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dirs(tmp.path());
        let s = setting(&d, &[]).unwrap();
        assert_eq!((s.enabled, s.source.as_str()), (false, "default"));
        assert!(!record(&d, &[], &sample()).unwrap());
        assert!(!d.telemetry().exists());
    }

    #[test]
    fn user_config_turns_it_on_env_and_do_not_track_win() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dirs(tmp.path());
        std::fs::write(&d.user_config, "[telemetry]\nenabled = true\n").unwrap();
        assert_eq!(setting(&d, &[]).unwrap().source, "user config");
        assert!(record(&d, &[], &sample()).unwrap());
        assert!(record(&d, &[], &sample()).unwrap());
        let log = read(&d.telemetry()).unwrap();
        assert_eq!(log.lines.len(), 2);
        let back: Record = serde_json::from_str(&log.lines[0]).unwrap();
        assert_eq!((back.command.as_str(), back.exit), ("run", 4));
        assert_eq!(back.duration_ms, 1500);

        let off = [(ENV_VAR.to_string(), "false".to_string())];
        assert_eq!(setting(&d, &off).unwrap().source, ENV_VAR);
        assert!(!record(&d, &off, &sample()).unwrap());
        let dnt = [("DO_NOT_TRACK".to_string(), "1".to_string())];
        assert_eq!(setting(&d, &dnt).unwrap().source, "DO_NOT_TRACK");
        assert!(!record(&d, &dnt, &sample()).unwrap());
        assert_eq!(read(&d.telemetry()).unwrap().lines.len(), 2);

        assert_eq!(clear(&d.telemetry()).unwrap(), 2);
        assert!(!d.telemetry().exists());
        assert_eq!(clear(&d.telemetry()).unwrap(), 0);
    }

    #[test]
    fn a_torn_line_is_counted_not_shown_and_the_file_is_trimmed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.jsonl");
        append(&path, &sample()).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"v\":1,\"ti");
        std::fs::write(&path, &text).unwrap();
        let log = read(&path).unwrap();
        assert_eq!((log.lines.len(), log.unreadable), (1, 1));

        let line = serde_json::to_string(&sample()).unwrap() + "\n";
        let many = (MAX_FILE_BYTES as usize / line.len()) + 10;
        std::fs::write(&path, line.repeat(many)).unwrap();
        append(&path, &sample()).unwrap();
        assert_eq!(read(&path).unwrap().lines.len(), KEEP_RECORDS);
    }
}
