use std::io::Write;

use anstream::{AutoStream, ColorChoice};
use chamber_agent::Observer;
use chamber_protocol::{Event, EventKind};

use crate::output::Output;
use crate::render::{event_line, sandbox_warning};

/// Prints events live: one human line each, or one JSON line each in `--json` mode.
pub struct LivePrinter {
    json: bool,
    quiet: bool,
    verbose: u8,
}

impl LivePrinter {
    /// A printer matching the output mode.
    pub fn new(out: &Output) -> Self {
        Self {
            json: out.json,
            quiet: out.quiet,
            verbose: out.verbose,
        }
    }
}

impl Observer for LivePrinter {
    fn event(&self, event: &Event) {
        // Unconfined is never silent: the warning goes to stderr in every
        // output mode, `--json` and `-q` included.
        if let EventKind::SandboxUnavailable { reason, commands } = &event.kind {
            let mut err = AutoStream::new(std::io::stderr(), ColorChoice::Auto);
            let _ = writeln!(err, "{}", sandbox_warning(reason, commands));
        }
        if self.json {
            if let Ok(text) = serde_json::to_string(event) {
                println!("{text}");
            }
            return;
        }
        if self.quiet {
            return;
        }
        if matches!(event.kind, EventKind::SandboxUnavailable { .. }) {
            return;
        }
        if let Some(line) = event_line(event, self.verbose) {
            let mut out = Output::stdout();
            let _ = writeln!(out, "{line}");
        }
    }
}
