use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chamber_protocol::Event;

use crate::StoreError;

/// The append-only `events.jsonl` of one run, next to the project, so a
/// person can read a run's history without the database.
pub struct JsonlLog {
    path: PathBuf,
    file: File,
}

impl JsonlLog {
    /// Opens (creating) `dir/events.jsonl` for appending.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let io = |error| StoreError::Io {
            path: dir.display().to_string(),
            error,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join("events.jsonl");
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        Ok(Self { path, file })
    }

    /// Appends one event as a line. Each line is written with one call, so a
    /// crash leaves at most a torn last line, which readers skip.
    pub fn append(&mut self, event: &Event) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(event)?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|error| StoreError::Io {
            path: self.path.display().to_string(),
            error,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
