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
        let log = Self { path, file };
        log.drop_torn_tail()?;
        Ok(log)
    }

    /// Cuts a last line left without its newline by a killed writer, so the
    /// next event starts on a line of its own instead of gluing onto it.
    fn drop_torn_tail(&self) -> Result<(), StoreError> {
        let io = |error| StoreError::Io {
            path: self.path.display().to_string(),
            error,
        };
        let bytes = std::fs::read(&self.path).map_err(io)?;
        if bytes.is_empty() || bytes.ends_with(b"\n") {
            return Ok(());
        }
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.file.set_len(keep as u64).map_err(io)
    }

    /// The highest `seq` among the complete lines (0 when there are none).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        let text = std::fs::read_to_string(&self.path).map_err(|error| StoreError::Io {
            path: self.path.display().to_string(),
            error,
        })?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str::<Event>(l).ok())
            .map(|e| e.seq)
            .max()
            .unwrap_or(0))
    }

    /// Appends the events of `all` (the database's, in order) that the file
    /// lacks: a writer killed between the database and the file leaves the
    /// file one event short, and a resumed run must not leave a gap.
    pub fn catch_up(&mut self, all: &[Event]) -> Result<usize, StoreError> {
        let last = self.last_seq()?;
        let mut added = 0;
        for event in all.iter().filter(|e| e.seq > last) {
            self.append(event)?;
            added += 1;
        }
        Ok(added)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chamber_protocol::EventKind;

    fn event(seq: u64) -> Event {
        Event {
            run_id: "r".into(),
            seq,
            ts: chrono::Utc::now(),
            kind: EventKind::RunResumed {
                from_step: seq.to_string(),
            },
        }
    }

    #[test]
    fn a_torn_tail_is_cut_and_missing_events_are_caught_up() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = JsonlLog::open(dir.path()).unwrap();
        log.append(&event(1)).unwrap();
        drop(log);
        // A writer killed mid-line: half of event 2, no newline.
        let path = dir.path().join("events.jsonl");
        let line = serde_json::to_string(&event(2)).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&line[..line.len() / 2]);
        std::fs::write(&path, text).unwrap();

        let mut log = JsonlLog::open(dir.path()).unwrap();
        assert_eq!(log.last_seq().unwrap(), 1);
        let all: Vec<Event> = (1..=3).map(event).collect();
        assert_eq!(log.catch_up(&all).unwrap(), 2);
        log.append(&event(4)).unwrap();
        let seqs: Vec<u64> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Event>(l).unwrap().seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
    }
}
