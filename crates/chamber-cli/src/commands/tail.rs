use std::time::Duration;

use chamber_store::Store;

use crate::exit::CliError;
use crate::output::Output;
use crate::render::event_line;

/// `chamber tail-events`: recent events across runs, then (with `--follow`)
/// new ones as they are recorded. Always JSONL in `--json` mode.
pub async fn tail(
    store: &Store,
    follow: bool,
    run: Option<String>,
    lines: u32,
    out: &Output,
) -> Result<(), CliError> {
    let run_id = match run {
        Some(prefix) => Some(store.get_run(&prefix).await?.id),
        None => None,
    };
    let mut cursor = store.last_event_cursor().await?;
    for (_, ev) in store.recent_events(lines, run_id.as_deref()).await? {
        print_event(&ev, out);
    }
    if !follow {
        return Ok(());
    }
    loop {
        let batch = store.events_after(cursor, run_id.as_deref(), 500).await?;
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        for (c, ev) in batch {
            print_event(&ev, out);
            cursor = c;
        }
    }
}

fn print_event(ev: &chamber_protocol::Event, out: &Output) {
    if out.json {
        out.json_line(ev);
    } else if let Some(line) = event_line(ev, out.verbose.max(1)) {
        out.line(format!("[{}] {line}", &ev.run_id));
    }
}
