//! `chamber index [--watch]`: build or update `.chamber/index/`
//! incrementally, with a progress bar on a terminal; `--watch` keeps it
//! current (debounced file events, `.git/` and `.chamber/` ignored) until
//! Ctrl-C.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chamber_index::{Index, IndexError, IndexOptions, Progress, UpdateStats};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// How long file events settle before an update.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// The CLI error for an index failure.
pub(crate) fn index_error(e: IndexError) -> CliError {
    if let Some(full) = crate::disk_full::disk_full(&e) {
        return full;
    }
    match e {
        IndexError::Busy => CliError::new(
            "index_busy",
            e.to_string(),
            Some("wait for the other `chamber index` to finish, or stop its --watch"),
            status::INVALID_STATE,
        ),
        other => CliError::new(
            "index_failed",
            other.to_string(),
            Some(
                "`[index]` in config controls what is walked; removing .chamber/index/ rebuilds it",
            ),
            status::INTERNAL,
        ),
    }
}

/// Opens the project's index (creating it when missing). A project
/// without `.chamber/.gitignore` gets the standard one, so the index never
/// shows up in `git status`.
pub(crate) async fn open(setup: &Setup) -> Result<Index, CliError> {
    let ignore = setup.root.join(".chamber").join(".gitignore");
    if !ignore.exists() {
        let _ = std::fs::create_dir_all(setup.root.join(".chamber"));
        let _ = std::fs::write(&ignore, chamber_agent::CHAMBER_GITIGNORE);
    }
    Index::open(
        &setup.root,
        IndexOptions::from_config(&setup.loaded.config.index),
    )
    .await
    .map_err(index_error)
}

/// Updates the index, with a progress bar on a terminal (never in JSON or
/// quiet mode).
pub(crate) async fn update(index: &Index, out: &Output) -> Result<UpdateStats, CliError> {
    let live = !out.is_json() && !out.is_quiet() && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(
        None,
        if live {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{spinner} indexing {pos}/{len} files {wide_bar} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress_bar = bar.clone();
    let progress = move |p: Progress| {
        if progress_bar.length() != Some(p.total as u64) {
            progress_bar.set_length(p.total as u64);
        }
        progress_bar.set_position(p.done as u64);
    };
    let result = index.update(&progress).await;
    bar.finish_and_clear();
    result.map_err(index_error)
}

/// The payload of one update.
fn stats_payload(index: &Index, stats: &UpdateStats) -> Value {
    let mut payload = serde_json::to_value(stats).unwrap_or(Value::Null);
    if let Some(map) = payload.as_object_mut() {
        map.insert("index_dir".into(), json!(index.dir().display().to_string()));
    }
    payload
}

/// One human line for an update.
fn stats_line(stats: &UpdateStats) -> String {
    format!(
        "indexed {} files ({} parsed, {} unchanged, {} removed, {} skipped): {} symbols, {} references in {:.2}s",
        stats.files_total,
        stats.files_parsed,
        stats.files_unchanged,
        stats.files_removed,
        stats.files_skipped,
        stats.symbols,
        stats.references,
        stats.elapsed.as_secs_f64()
    )
}

/// `chamber index [--watch]`.
pub async fn index(setup: &Setup, watch: bool, out: &Output) -> Result<(Value, i32), CliError> {
    let index = open(setup).await?;
    // The watcher starts before the first update, so no change made while
    // (or right after) it runs is missed.
    let watcher = if watch {
        Some(start_watcher(index.root())?)
    } else {
        None
    };
    let stats = update(&index, out).await?;
    out.line(stats_line(&stats));
    let Some((_debouncer, events)) = watcher else {
        return Ok((stats_payload(&index, &stats), status::OK));
    };
    if out.is_json() {
        let mut line = stats_payload(&index, &stats);
        if let Some(map) = line.as_object_mut() {
            map.insert("type".into(), json!("index_updated"));
        }
        out.json_line(&line);
    }
    let updates = watch_loop(&index, events, out).await?;
    Ok((
        json!({"updates": updates, "index_dir": index.dir().display().to_string()}),
        status::OK,
    ))
}

/// The file watcher and the channel of changed paths (settled batches,
/// without reads and without `.git/` or `.chamber/`).
type Watcher = (
    Debouncer<RecommendedWatcher, RecommendedCache>,
    UnboundedReceiver<Vec<PathBuf>>,
);

/// Starts watching `root` recursively.
fn start_watcher(root: &Path) -> Result<Watcher, CliError> {
    let (sender, events) = tokio::sync::mpsc::unbounded_channel::<Vec<PathBuf>>();
    let filter_root = root.to_path_buf();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        if let Ok(batch) = result {
            let paths: Vec<PathBuf> = batch
                .iter()
                .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                .flat_map(|e| e.event.paths.iter())
                .filter(|p| relevant(&filter_root, p))
                .cloned()
                .collect();
            if !paths.is_empty() {
                let _ = sender.send(paths);
            }
        }
    })
    .map_err(|e| watch_error(&e.to_string()))?;
    debouncer
        .watch(root, RecursiveMode::Recursive)
        .map_err(|e| watch_error(&e.to_string()))?;
    Ok((debouncer, events))
}

/// Re-indexes on every settled batch of changed paths until Ctrl-C;
/// returns how many updates ran.
async fn watch_loop(
    index: &Index,
    mut events: UnboundedReceiver<Vec<PathBuf>>,
    out: &Output,
) -> Result<u64, CliError> {
    out.line(Output::styled(
        style::DIM,
        "watching for changes (Ctrl-C stops)…",
    ));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut updates = 0u64;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(mut paths) = event else { break };
                while let Ok(more) = events.try_recv() {
                    paths.extend(more);
                }
                paths.sort();
                paths.dedup();
                // Only the changed paths are checked (a new file falls back
                // to a full update, for its directories' ignore rules).
                let stats = index
                    .update_paths(&paths, &|_| {})
                    .await
                    .map_err(index_error)?;
                updates += 1;
                if out.is_json() {
                    let mut line = stats_payload(index, &stats);
                    if let Some(map) = line.as_object_mut() {
                        map.insert("type".into(), json!("index_updated"));
                    }
                    out.json_line(&line);
                } else if stats.files_parsed + stats.files_removed + stats.files_skipped > 0 {
                    out.line(stats_line(&stats));
                }
            }
            _ = &mut ctrl_c => break,
        }
    }
    Ok(updates)
}

/// Whether a changed path can matter to the index: not inside `.git/` or
/// `.chamber/`.
fn relevant(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    !rel.components().any(|c| {
        let c = c.as_os_str();
        c == ".git" || c == ".chamber"
    })
}

fn watch_error(message: &str) -> CliError {
    CliError::new(
        "watch_failed",
        format!("cannot watch the project for changes: {message}"),
        None,
        status::INTERNAL,
    )
}
