use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use chamber_local::InstallProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Installer progress on stderr: live bars in a terminal, one line per
/// stage elsewhere (CI logs), nothing with `--quiet`.
pub struct BarProgress {
    state: Mutex<Option<(ProgressBar, String)>>,
    live: bool,
    quiet: bool,
}

impl BarProgress {
    /// Progress for this terminal.
    pub fn new(quiet: bool) -> Self {
        Self {
            state: Mutex::new(None),
            live: std::io::stderr().is_terminal(),
            quiet,
        }
    }
}

impl InstallProgress for BarProgress {
    fn stage(&self, stage: &str, detail: &str) {
        if self.quiet {
            return;
        }
        let label = format!("{stage}: {detail}");
        if !self.live {
            eprintln!("» {label}");
        }
        let bar = ProgressBar::with_draw_target(
            None,
            if self.live {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(label.clone());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut s) = self.state.lock() {
            *s = Some((bar, label));
        }
    }

    fn advance(&self, done: u64, total: Option<u64>) {
        let Ok(s) = self.state.lock() else { return };
        let Some((bar, _)) = s.as_ref() else { return };
        if let Some(total) = total
            && bar.length() != Some(total)
        {
            bar.set_length(total);
            let template = if total > 100_000 {
                "{msg}\n  [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
            } else {
                "{msg}\n  [{bar:40}] {pos}/{len} [{elapsed}]"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        bar.set_position(done);
    }

    fn finish(&self, summary: &str) {
        let Ok(mut s) = self.state.lock() else { return };
        if let Some((bar, label)) = s.take() {
            bar.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.finish_with_message(format!("✓ {label} — {summary} ({:.0?})", bar.elapsed()));
            if !self.live && !self.quiet {
                eprintln!("  {summary} ({:.1?})", bar.elapsed());
            }
        }
    }
}
