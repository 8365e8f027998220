use chamber_agent::Observer;
use chamber_protocol::Event;

use crate::output::Output;
use crate::render::event_line;

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
        if self.json {
            if let Ok(text) = serde_json::to_string(event) {
                println!("{text}");
            }
            return;
        }
        if self.quiet {
            return;
        }
        if let Some(line) = event_line(event, self.verbose) {
            let mut out = Output::stdout();
            let _ = std::io::Write::write_fmt(&mut out, format_args!("{line}\n"));
        }
    }
}
