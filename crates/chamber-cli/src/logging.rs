use std::io::Write;
use std::sync::Arc;

use chamber_policy::Redactor;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::setup::Setup;

/// Lines the file log may queue before it drops them (lossy, never blocking).
const LOG_QUEUE_LINES: usize = 8192;

/// Logs to daily-rotated files under the data dir (level from
/// `logging.file_level` or `CHAMBER_LOG`), and to stderr by verbosity.
/// Returns the guard that flushes the file writer on exit. Every line is
/// redacted before it is written (see [`Redacting`]).
pub fn init(setup: &Setup, verbose: u8, quiet: bool) -> Option<WorkerGuard> {
    // A bad `[secrets]` pattern is reported when the engine is built; the
    // log still hides everything the built-in patterns find.
    let redactor = setup
        .redactor()
        .unwrap_or_else(|_| Arc::new(Redactor::builtin()));
    let stderr_level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let stderr_layer = fmt::layer()
        .with_writer(Redacting::new(std::io::stderr, redactor.clone()))
        .with_target(false)
        .with_filter(EnvFilter::new(stderr_level));
    let logs = setup.dirs.logs();
    let cfg = &setup.loaded.config.logging;
    let file = std::fs::create_dir_all(&logs).ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("chamber")
            .filename_suffix("log")
            .max_log_files(cfg.max_files.max(1))
            .build(&logs)
            .ok()
    });
    let file_filter = std::env::var("CHAMBER_LOG").unwrap_or_else(|_| cfg.file_level.clone());
    match file {
        Some(appender) => {
            // The default queue preallocates 128,000 lines (about 4 MB of the
            // process's memory); a CLI's file log never needs that many.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_QUEUE_LINES)
                .finish(appender);
            let file_layer = fmt::layer()
                .with_writer(Redacting::new(writer, redactor))
                .with_ansi(false)
                .with_filter(
                    EnvFilter::try_new(&file_filter).unwrap_or_else(|_| EnvFilter::new("info")),
                );
            let _ = tracing_subscriber::registry()
                .with(stderr_layer)
                .with(file_layer)
                .try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry().with(stderr_layer).try_init();
            None
        }
    }
}

/// A `MakeWriter` that redacts each formatted log record before passing it
/// on: the record is buffered while the formatter writes it and written,
/// redacted, when the formatter drops the writer.
pub struct Redacting<M> {
    inner: M,
    redactor: Arc<Redactor>,
}

impl<M> Redacting<M> {
    /// Wraps `inner` so everything written through it is redacted.
    pub fn new(inner: M, redactor: Arc<Redactor>) -> Self {
        Self { inner, redactor }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingRecord<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingRecord {
            inner: self.inner.make_writer(),
            redactor: &self.redactor,
            buf: Vec::new(),
        }
    }
}

/// One log record on its way through [`Redacting`].
pub struct RedactingRecord<'a, W: Write> {
    inner: W,
    redactor: &'a Redactor,
    buf: Vec<u8>,
}

impl<W: Write> Write for RedactingRecord<'_, W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for RedactingRecord<'_, W> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buf);
        let text = self.redactor.redact(&text);
        // A log line that cannot be written is dropped, as tracing does.
        let _ = self.inner.write_all(text.as_bytes());
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_records_are_redacted_whole() {
        let sink = Sink::default();
        let out = sink.clone();
        let make = Redacting::new(move || sink.clone(), Arc::new(Redactor::builtin()));
        {
            let mut w = make.make_writer();
            // The formatter may split a record across writes.
            w.write_all(b"request failed: key=AKIAIOSF").unwrap();
            w.write_all(b"ODNN7EXAMPLE\n").unwrap();
        }
        let written = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            written,
            "request failed: key=[REDACTED:aws-access-key-id]\n"
        );
    }
}
