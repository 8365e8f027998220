//! The Linux sandbox for shell commands and the environment scrub.
//!
//! A sandboxed command runs as `<helper> __sandbox <profile> -- bash -c …`,
//! where the helper is the `chamber` binary itself (registered with
//! [`set_helper`]); see [`helper_main`] for the set-up. [`choose`] turns
//! `[sandbox]` config and the [`probe`]d kernel features into a
//! [`SandboxChoice`]; the shell tool runs what [`ShellSandbox`] says.

mod cgroup;
mod confine;
mod env;
mod helper;
mod mounts;
mod probe;
mod profile;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chamber_config::{OnUnavailable, SandboxConfig, SandboxMode};

pub use env::{is_scrubbed, scrub, scrub_std, scrubbed_names};
pub use helper::{SETUP_FAILED, helper_main};
pub use probe::{Features, probe};
pub use profile::{Limits, SandboxProfile};

/// The hidden subcommand that starts the helper: `chamber __sandbox …`.
pub const HELPER_ARG: &str = "__sandbox";

/// Test switch: set to `1` and the sandbox reports itself unavailable.
pub const FORCE_UNAVAILABLE_ENV: &str = "CHAMBER_SANDBOX_FORCE_UNAVAILABLE";

/// Errors setting up the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The encoded profile or helper arguments are malformed.
    #[error("bad sandbox profile: {0}")]
    Profile(String),
    /// A set-up step failed.
    #[error("{0}")]
    Setup(String),
}

static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Registers the executable that understands [`HELPER_ARG`] (the `chamber`
/// binary calls this with its own path at start-up). Later calls are ignored.
pub fn set_helper(path: PathBuf) {
    let _ = HELPER.set(path);
}

/// The registered helper executable, if any.
pub fn helper_path() -> Option<PathBuf> {
    HELPER.get().cloned()
}

/// How to start a sandboxed command: the helper and the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxLaunch {
    /// The executable that understands [`HELPER_ARG`].
    pub helper: PathBuf,
    /// What the command may touch.
    pub profile: SandboxProfile,
}

impl SandboxLaunch {
    /// The helper's arguments that run `program args…` in the sandbox.
    pub fn args(&self, program: &str, args: &[&str]) -> Vec<String> {
        let mut out = vec![
            HELPER_ARG.to_string(),
            self.profile.encode(),
            "--".to_string(),
            program.to_string(),
        ];
        out.extend(args.iter().map(|a| a.to_string()));
        out
    }
}

/// How the shell tool runs commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ShellSandbox {
    /// Unconfined (the environment is still scrubbed).
    #[default]
    Off,
    /// Through the sandbox helper.
    On(SandboxLaunch),
    /// Not at all: the sandbox is required but unavailable; the message says why.
    Refuse(String),
}

/// What `[sandbox]` and the kernel decide for commands in one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxChoice {
    /// Run sandboxed.
    Sandboxed(SandboxLaunch),
    /// Run unconfined: `sandbox.mode = "off"`, or `"auto"` without kernel support.
    Unconfined {
        /// Why, in words.
        reason: String,
    },
    /// `sandbox.mode = "on"` but the sandbox cannot be set up: refuse or ask.
    Unavailable {
        /// Why it cannot be set up.
        reason: String,
        /// What the config says to do about it.
        on_unavailable: OnUnavailable,
    },
}

impl SandboxChoice {
    /// The shell tool's setting for this choice; `Unavailable` becomes a
    /// refusal (a caller that asks the user handles it before this).
    pub fn into_shell(self) -> ShellSandbox {
        match self {
            SandboxChoice::Sandboxed(launch) => ShellSandbox::On(launch),
            SandboxChoice::Unconfined { .. } => ShellSandbox::Off,
            SandboxChoice::Unavailable { reason, .. } => {
                ShellSandbox::Refuse(unavailable_message(&reason))
            }
        }
    }
}

/// The message for a command refused because the required sandbox is missing.
pub fn unavailable_message(reason: &str) -> String {
    format!(
        "refused: sandbox.mode = \"on\" requires the sandbox, but it cannot be set up ({reason}). \
         `chamber doctor` shows what the kernel offers; set sandbox.mode = \"auto\" to run commands unconfined when it is missing"
    )
}

/// Decides how commands in `workspace` run under `config`.
pub fn choose(config: &SandboxConfig, workspace: &Path) -> SandboxChoice {
    if config.mode == SandboxMode::Off {
        return SandboxChoice::Unconfined {
            reason: "sandbox.mode = \"off\"".into(),
        };
    }
    let features = probe();
    let helper = helper_path();
    match (features.available, helper) {
        (true, Some(helper)) => SandboxChoice::Sandboxed(SandboxLaunch {
            helper,
            profile: SandboxProfile::from_config(config, workspace),
        }),
        _ => {
            let reason = features
                .reason
                .unwrap_or_else(|| "the sandbox is unavailable".into());
            match config.mode {
                SandboxMode::On => SandboxChoice::Unavailable {
                    reason,
                    on_unavailable: config.on_unavailable,
                },
                _ => SandboxChoice::Unconfined { reason },
            }
        }
    }
}
