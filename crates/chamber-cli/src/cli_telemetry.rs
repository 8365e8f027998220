//! The `chamber telemetry …` subcommands.

use clap::Subcommand;

/// `chamber telemetry …`: the local-only usage log.
#[derive(Debug, Subcommand)]
pub enum TelemetryAction {
    /// Keep a local usage record of each command (`[telemetry] enabled =
    /// true` in the user config). Nothing is ever sent anywhere.
    On,
    /// Stop keeping records (the file stays until `clear`).
    Off,
    /// The setting, the file, and exactly what it holds.
    Show {
        /// Only the last N records.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
    },
    /// Delete the records file.
    Clear,
}

impl TelemetryAction {
    /// The command's name in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            TelemetryAction::On => "telemetry on",
            TelemetryAction::Off => "telemetry off",
            TelemetryAction::Show { .. } => "telemetry show",
            TelemetryAction::Clear => "telemetry clear",
        }
    }
}
