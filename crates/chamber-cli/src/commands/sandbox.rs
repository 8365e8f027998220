//! `chamber sandbox run`: runs a command exactly as the agent's `shell` tool
//! would (same profile from config, workspace = project root, scrubbed
//! environment, same timeout), streaming its output; and the sandbox part of
//! `chamber doctor`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chamber_config::{Config, SandboxMode};
use chamber_protocol::{OutputStream, ToolCall, ToolStatus};
use chamber_tools::sandbox::{self, Features, SandboxChoice};
use chamber_tools::{OutputSink, Registry, ToolContext};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Options of `chamber sandbox run`.
#[derive(Debug)]
pub struct RunArgs {
    /// The command words, joined with spaces into one `bash -c` line.
    pub command: Vec<String>,
    /// Allow network access for this command.
    pub network: bool,
    /// Directory to run in, relative to the project root.
    pub cwd: Option<PathBuf>,
    /// Time limit in seconds (default: `agent.shell_timeout_secs`).
    pub timeout: Option<u64>,
}

/// Runs the command and returns its payload and exit status (the command's own).
pub async fn run(
    setup: &Setup,
    args: RunArgs,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let config = &setup.loaded.config;
    let mut sandbox_config = config.sandbox.clone();
    sandbox_config.network |= args.network;
    let choice = sandbox::choose(&sandbox_config, &setup.root);
    let sandboxed = matches!(choice, SandboxChoice::Sandboxed(_));
    if let SandboxChoice::Unavailable { reason, .. } = &choice {
        return Err(CliError::new(
            "sandbox_unavailable",
            sandbox::unavailable_message(reason),
            Some("run `chamber doctor` to see which sandbox features the kernel offers"),
            status::REJECTED,
        ));
    }
    if let SandboxChoice::Unconfined { reason } = &choice
        && !out.is_quiet()
        && !out.is_json()
    {
        let _ = writeln!(std::io::stderr(), "chamber: running unconfined ({reason})");
    }
    let mut ctx = context(config, setup.root.clone(), out);
    ctx.sandbox = choice.into_shell();
    ctx.env_allow = config.sandbox.env_allow.clone();
    let mut arguments = json!({"command": args.command.join(" ")});
    if let Some(cwd) = &args.cwd {
        arguments["cwd"] = json!(cwd.display().to_string());
    }
    if let Some(t) = args.timeout {
        arguments["timeout_secs"] = json!(t);
    }
    let registry = Registry::standard();
    let call = ToolCall {
        id: "sandbox-run".into(),
        name: "shell".into(),
        arguments: arguments.to_string(),
    };
    let valid = registry
        .validate(&call)
        .map_err(|e| CliError::new("invalid_arguments", e, None, status::CONFIG))?;
    let result = registry.execute(&valid, &ctx).await;
    let code = match result.status {
        ToolStatus::Ok => 0,
        ToolStatus::Timeout => 124,
        _ => result.exit_code.unwrap_or(status::REJECTED),
    };
    if let Some(error) = &result.error
        && result.status != ToolStatus::Ok
        && !out.is_json()
    {
        let _ = writeln!(std::io::stderr(), "chamber: {error}");
    }
    let payload = json!({
        "sandboxed": sandboxed,
        "status": result.status,
        "exit_code": result.exit_code,
        "error": result.error,
        "stdout": result.stdout,
        "stderr": result.stderr,
    });
    Ok((payload, code))
}

/// A tool context like the agent's, with output streamed to the terminal
/// (nothing is streamed in JSON mode; the envelope carries it).
fn context(config: &Config, root: PathBuf, out: &Output) -> ToolContext {
    let mut ctx = ToolContext::new(root);
    ctx.shell_timeout = Duration::from_secs(config.agent.shell_timeout_secs.max(1));
    ctx.output_cap = config.agent.output_cap_bytes;
    if !out.is_json() {
        let sink: OutputSink = Arc::new(|stream, chunk: &str| match stream {
            OutputStream::Stdout => {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(chunk.as_bytes());
                let _ = o.flush();
            }
            OutputStream::Stderr => {
                let _ = std::io::stderr().write_all(chunk.as_bytes());
            }
        });
        ctx.output = Some(sink);
    }
    ctx
}

/// Doctor's sandbox lines: `(name, state, detail)` per feature, and the
/// report as JSON.
pub fn doctor_checks(
    config: &Config,
) -> (Vec<(&'static str, &'static str, String)>, serde_json::Value) {
    let f: Features = sandbox::probe();
    let yes_no = |b: bool| if b { "ok" } else { "warn" };
    let mut lines = vec![
        ("user ns", yes_no(f.user_ns), available(f.user_ns)),
        ("mount ns", yes_no(f.mount_ns), available(f.mount_ns)),
        ("pid ns", yes_no(f.pid_ns), available(f.pid_ns)),
        ("net ns", yes_no(f.net_ns), available(f.net_ns)),
        (
            "landlock",
            yes_no(f.landlock == "fully_enforced"),
            match f.landlock_abi {
                Some(abi) if f.landlock.is_empty() => format!("ABI {abi}"),
                Some(abi) => format!("ABI {abi}, {}", f.landlock.replace('_', " ")),
                None => "not available in this kernel".into(),
            },
        ),
        ("seccomp", yes_no(f.seccomp), available(f.seccomp)),
    ];
    let mode = config.sandbox.mode;
    let (state, detail) = match (mode, f.available) {
        (SandboxMode::Off, _) => (
            "warn",
            "off (sandbox.mode = \"off\"): commands run unconfined".to_string(),
        ),
        (_, true) => (
            "ok",
            format!(
                "used for shell commands (network {})",
                if config.sandbox.network {
                    "allowed"
                } else {
                    "blocked"
                }
            ),
        ),
        (SandboxMode::On, false) => (
            "fail",
            format!(
                "required but unavailable: {}; commands will be {} — {}",
                f.reason.clone().unwrap_or_default(),
                match config.sandbox.on_unavailable {
                    chamber_config::OnUnavailable::Refuse => "refused",
                    chamber_config::OnUnavailable::Ask => "asked about",
                },
                HOW_TO_FIX
            ),
        ),
        (SandboxMode::Auto, false) => (
            "warn",
            format!(
                "unavailable, commands run unconfined: {} — {}",
                f.reason.clone().unwrap_or_default(),
                HOW_TO_FIX
            ),
        ),
    };
    lines.push(("sandbox", state, detail));
    let report =
        json!({"mode": mode, "features": f, "used": f.available && mode != SandboxMode::Off});
    (lines, report)
}

const HOW_TO_FIX: &str = "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, \
     or kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu) or run outside a container that blocks them";

fn available(ok: bool) -> String {
    if ok { "available" } else { "not available" }.into()
}
