//! Frame statistics for the TUI benchmark: with `CHAMBER_TUI_STATS=FILE`
//! set, each frame's draw time and each keystroke's time to the end of the
//! next frame are kept, and written to FILE as JSON on exit (with the
//! process's peak RSS). Off otherwise: nothing is measured or kept.

use std::time::{Duration, Instant};

/// What the benchmark reads.
#[derive(Debug, Default)]
pub struct Stats {
    file: Option<std::path::PathBuf>,
    started: Option<Instant>,
    first_frame: Option<Duration>,
    frames: Vec<Duration>,
    keys: Vec<Duration>,
    key_pending: Option<Instant>,
}

impl Stats {
    /// On when `CHAMBER_TUI_STATS` names a file.
    pub fn from_env() -> Self {
        let file = std::env::var_os("CHAMBER_TUI_STATS").map(std::path::PathBuf::from);
        Self {
            started: file.as_ref().map(|_| Instant::now()),
            file,
            ..Self::default()
        }
    }

    fn on(&self) -> bool {
        self.file.is_some()
    }

    /// A key arrived now; only typing counts (`typing`: a character for
    /// the input line), not Enter, which also starts a run.
    pub fn key(&mut self, typing: bool) {
        if typing && self.on() && self.key_pending.is_none() {
            self.key_pending = Some(Instant::now());
        }
    }

    /// A frame that began at `start` was drawn.
    pub fn frame(&mut self, start: Instant) {
        if !self.on() {
            return;
        }
        let now = Instant::now();
        if self.first_frame.is_none() {
            self.first_frame = self.started.map(|s| now - s);
        }
        self.frames.push(now - start);
        if let Some(key) = self.key_pending.take() {
            self.keys.push(now - key);
        }
    }

    /// Writes the figures (best effort).
    pub fn write(&self, transcript_lines: usize) {
        let Some(file) = &self.file else {
            return;
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let pct = |v: &[Duration], p: f64| {
            let mut v = v.to_vec();
            v.sort();
            v.get(((v.len() as f64 - 1.0) * p).round() as usize)
                .map_or(0.0, |d| ms(*d))
        };
        let peak_rss_kb = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|n| n.parse::<u64>().ok())
                })
            })
            .unwrap_or(0);
        let json = serde_json::json!({
            "frames": self.frames.len(),
            "frame_p50_ms": pct(&self.frames, 0.5),
            "frame_p99_ms": pct(&self.frames, 0.99),
            "frame_max_ms": pct(&self.frames, 1.0),
            "keys": self.keys.len(),
            "key_to_frame_p50_ms": pct(&self.keys, 0.5),
            "key_to_frame_max_ms": pct(&self.keys, 1.0),
            "first_frame_ms": self.first_frame.map(ms),
            "peak_rss_kb": peak_rss_kb,
            "transcript_lines": transcript_lines,
        });
        let _ = std::fs::write(file, json.to_string());
    }
}
