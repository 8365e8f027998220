use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::setup::Setup;

/// Logs to daily-rotated files under the data dir (level from
/// `logging.file_level` or `CHAMBER_LOG`), and to stderr by verbosity.
/// Returns the guard that flushes the file writer on exit.
pub fn init(setup: &Setup, verbose: u8, quiet: bool) -> Option<WorkerGuard> {
    let stderr_level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
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
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer()
                .with_writer(writer)
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
