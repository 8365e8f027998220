use std::io::Write;
use std::time::Instant;

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};
use chamber_protocol::Envelope;

use crate::exit::CliError;

/// Owns stdout: human text (colored unless NO_COLOR or not a terminal) or
/// JSON envelopes and JSONL, per `--json`.
pub struct Output {
    /// JSON mode.
    pub json: bool,
    /// Suppress non-essential human output.
    pub quiet: bool,
    /// Verbosity level.
    pub verbose: u8,
    cmd: String,
    started: Instant,
}

/// Styles used in human output.
pub mod style {
    use super::*;
    /// Headings.
    pub const HEAD: Style = Style::new().bold();
    /// Success marks.
    pub const OK: Style = AnsiColor::Green.on_default();
    /// Failure marks.
    pub const BAD: Style = AnsiColor::Red.on_default();
    /// Warnings.
    pub const WARN: Style = AnsiColor::Yellow.on_default();
    /// Secondary text.
    pub const DIM: Style = Style::new().dimmed();
}

impl Output {
    /// Output for one command.
    pub fn new(json: bool, quiet: bool, verbose: u8, cmd: &str) -> Self {
        Self {
            json,
            quiet,
            verbose,
            cmd: cmd.to_string(),
            started: Instant::now(),
        }
    }

    /// A color-aware stdout handle (honours NO_COLOR and non-terminals).
    pub fn stdout() -> AutoStream<std::io::Stdout> {
        AutoStream::new(std::io::stdout(), ColorChoice::Auto)
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Whether human output is suppressed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Prints a human line.
    pub fn line(&self, text: impl AsRef<str>) {
        if self.json {
            return;
        }
        let mut out = Self::stdout();
        let _ = writeln!(out, "{}", text.as_ref());
    }

    /// Wraps text in a style.
    pub fn styled(style: Style, text: impl std::fmt::Display) -> String {
        format!("{style}{text}{style:#}")
    }

    /// Prints one JSON line (for streaming commands).
    pub fn json_line(&self, value: &impl serde::Serialize) {
        if let Ok(text) = serde_json::to_string(value) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }

    /// Prints the success envelope (JSON mode only).
    pub fn success(&self, payload: serde_json::Value, meta: serde_json::Value) {
        if self.json {
            self.json_line(&self.envelope(true, payload, meta, None));
        }
    }

    /// Prints the envelope of a command that ran but did not succeed (JSON
    /// mode only): `ok: false`, the payload, and the error.
    pub fn unsuccessful(
        &self,
        payload: serde_json::Value,
        meta: serde_json::Value,
        err: &CliError,
    ) {
        if self.json {
            self.json_line(&self.envelope(false, payload, meta, Some(err)));
        }
    }

    /// Prints an error: an envelope in JSON mode, else a message on stderr.
    pub fn failure(&self, err: &CliError) {
        if self.json {
            let meta = serde_json::json!({"exit_code": err.exit});
            self.json_line(&self.envelope(false, serde_json::Value::Null, meta, Some(err)));
        } else {
            let mut e = AutoStream::new(std::io::stderr(), ColorChoice::Auto);
            let _ = writeln!(e, "{} {}", Self::styled(style::BAD, "error:"), err.message);
            if let Some(h) = &err.hint {
                let _ = writeln!(e, "{} {h}", Self::styled(style::WARN, "hint:"));
            }
        }
    }

    fn envelope(
        &self,
        ok: bool,
        payload: serde_json::Value,
        meta: serde_json::Value,
        err: Option<&CliError>,
    ) -> Envelope {
        Envelope {
            ok,
            cmd: self.cmd.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            duration_ms: self.started.elapsed().as_millis() as u64,
            payload,
            meta,
            error: err.map(CliError::body),
        }
    }
}
