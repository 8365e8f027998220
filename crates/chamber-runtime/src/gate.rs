//! Builds a run's gate from configuration and flags: the approval mode, the
//! per-tool overrides, the path rules, the lane and the sandbox's state.

use std::path::Path;

use chamber_config::Config;
use chamber_policy::{
    ApprovalMode, Gate, GateSettings, PathRules, PathSpec, SandboxState, ToolOverride,
};

use crate::error::RuntimeError;
use crate::run_settings::RunSettings;
use crate::setup::load_policy;

fn config_error(message: String) -> RuntimeError {
    RuntimeError::config(message, "approval")
}

/// The mode in force: `--mode`, else `[approval] mode`.
pub fn mode_of(config: &Config, flags: &RunSettings) -> Result<ApprovalMode, RuntimeError> {
    let text = flags.mode.as_deref().unwrap_or(&config.approval.mode);
    text.parse::<ApprovalMode>()
        .map_err(|e| config_error(format!("--mode / approval.mode: {e}")))
}

/// The gate for one run (one CLI session or one task).
pub fn build_gate(
    root: &Path,
    config: &Config,
    flags: &RunSettings,
    sandbox: SandboxState,
) -> Result<Gate, RuntimeError> {
    let mode = mode_of(config, flags)?;
    let mut tools = std::collections::BTreeMap::new();
    for (tool, value) in &config.approval.tools {
        let over = value
            .parse::<ToolOverride>()
            .map_err(|e| config_error(format!("approval.tools.{tool}: {e}")))?;
        tools.insert(tool.clone(), over);
    }
    let lane = flags
        .lane
        .clone()
        .or_else(|| (!config.approval.lane.is_empty()).then(|| config.approval.lane.clone()));
    if let Some(lane) = &lane
        && !config.paths.lanes.contains_key(lane)
    {
        return Err(config_error(format!(
            "--lane {lane}: no such lane under [paths.lanes] (defined: {})",
            config
                .paths
                .lanes
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let paths = PathRules::new(&PathSpec::from_config(&config.paths))
        .map_err(|e| config_error(e.message))?;
    let settings = GateSettings {
        mode,
        tools,
        // `approval.mode = "auto"` was the older spelling of approving
        // everything allowed; it keeps meaning that.
        auto_approve: flags.yes || config.approval.mode == "auto",
        lane,
        sandbox,
    };
    Ok(Gate::new(load_policy(root)?, paths, settings))
}

/// Whether commands can be sandboxed here, for the gate. A required
/// sandbox (`mode = "on"`) that is missing makes every command refused or
/// asked, per `on_unavailable`; with `auto`, a missing sandbox means
/// commands run unconfined (said at the start of the run), except in
/// full-auto, which promises that commands always run sandboxed.
pub fn sandbox_state(config: &Config, root: &Path, mode: ApprovalMode) -> SandboxState {
    use chamber_config::OnUnavailable;
    use chamber_tools::sandbox::{SandboxChoice, choose};
    let refuse = config.sandbox.on_unavailable == OnUnavailable::Refuse;
    match choose(&config.sandbox, root) {
        SandboxChoice::Sandboxed(_) => SandboxState::Available,
        SandboxChoice::Unavailable { reason, .. } if refuse => SandboxState::Unavailable {
            reason: chamber_tools::sandbox::unavailable_message(&reason),
            refuse,
        },
        SandboxChoice::Unavailable { reason, .. } => SandboxState::Unavailable {
            reason: format!(
                "sandbox.mode = \"on\" requires the sandbox, but it cannot be set up ({reason}); with on_unavailable = \"ask\" a command runs unconfined only once approved. `chamber doctor` shows what the kernel offers"
            ),
            refuse,
        },
        SandboxChoice::Unconfined { reason } => {
            if config.sandbox.mode == chamber_config::SandboxMode::Off {
                SandboxState::Off
            } else if mode == ApprovalMode::FullAuto {
                SandboxState::Unavailable {
                    reason: format!(
                        "full-auto runs commands only inside the sandbox, which cannot be set up here ({reason}); `chamber doctor` shows what the kernel offers"
                    ),
                    refuse,
                }
            } else {
                SandboxState::Unconfined {
                    reason: format!(
                        "the sandbox cannot be set up here ({reason}), and with sandbox.mode = \"auto\" commands run unconfined. `chamber doctor` shows what the kernel offers; set sandbox.mode = \"on\" to refuse or ask instead"
                    ),
                }
            }
        }
    }
}
