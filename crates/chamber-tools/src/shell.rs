//! `shell`: runs a command in its own process group with a time limit,
//! streaming output live and keeping a bounded copy for the model.

use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chamber_protocol::{OutputStream, ToolResult, ToolStatus};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use schemars::JsonSchema;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::capture::{Capture, Utf8Chunker};
use crate::context::{OutputSink, ToolContext};
use crate::paths::resolve;
use crate::result::failed;
use crate::sandbox::{SETUP_FAILED, ShellSandbox, scrub};
use crate::specs::ToolArgs;

/// How long to wait for the pipes to close after the shell itself is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Arguments of `shell`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShellArgs {
    /// Command line, run with `bash -c`; pipes, `&&` and redirections work. Stdin is empty.
    pub command: String,
    /// Directory to run in, relative to the workspace root (default: the root).
    #[serde(default)]
    pub cwd: Option<String>,
    /// Time limit in seconds; the command and its children are killed after it.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub timeout_secs: Option<u64>,
}

impl ToolArgs for ShellArgs {
    fn check(&self) -> Result<(), String> {
        if self.command.trim().is_empty() {
            return Err("command is empty".into());
        }
        if self.timeout_secs == Some(0) {
            return Err("timeout_secs must be at least 1".into());
        }
        Ok(())
    }
}

/// Kills the process group if the call is abandoned (its future dropped), so
/// no command outlives a cancelled run.
struct GroupGuard(Option<Pid>);

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pid) = self.0.take() {
            // ESRCH (already gone) is fine.
            let _ = killpg(pid, Signal::SIGKILL);
        }
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `shell`.
pub(crate) async fn shell(ctx: &ToolContext, args: ShellArgs) -> ToolResult {
    let shown = args.cwd.clone().unwrap_or_else(|| ".".to_string());
    let resolved = match resolve(&ctx.root, &shown) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let cwd = resolved.target;
    if let ShellSandbox::Refuse(why) = &ctx.sandbox {
        let mut r = ToolResult::failure(ToolStatus::Denied, why.clone());
        r.cwd = cwd.display().to_string();
        return r;
    }
    if !cwd.is_dir() {
        let mut r = failed(format!(
            "cwd \"{shown}\" is not an existing directory in the workspace"
        ));
        r.cwd = cwd.display().to_string();
        return r;
    }
    let timeout = args
        .timeout_secs
        .map(Duration::from_secs)
        .unwrap_or(ctx.shell_timeout);
    let launch = Launch {
        command: &args.command,
        cwd: &cwd,
        sandbox: &ctx.sandbox,
        env_allow: &ctx.env_allow,
    };
    let mut result = run(launch, timeout, ctx.output_cap, ctx.output.clone()).await;
    result.cwd = cwd.display().to_string();
    result
}

/// What to start and how.
struct Launch<'a> {
    command: &'a str,
    cwd: &'a Path,
    sandbox: &'a ShellSandbox,
    env_allow: &'a [String],
}

/// Starts `bash -c command` (or `sh` when bash is missing) in a new process
/// group, through the sandbox helper when sandboxed, with secret-looking
/// variables removed from its environment.
fn spawn(launch: &Launch<'_>) -> io::Result<Child> {
    let build = |shell: &str| {
        let mut cmd = match launch.sandbox {
            ShellSandbox::On(sandbox) => {
                let mut cmd = Command::new(&sandbox.helper);
                cmd.args(sandbox.args(shell, &["-c", launch.command]));
                // A build directory outside the project is read-only in
                // there: cargo builds into the workspace's own `target/`.
                cmd.env_remove("CARGO_TARGET_DIR");
                cmd
            }
            _ => {
                let mut cmd = Command::new(shell);
                cmd.arg("-c").arg(launch.command);
                cmd
            }
        };
        scrub(&mut cmd, launch.env_allow);
        cmd.current_dir(launch.cwd)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        cmd
    };
    match build("bash").spawn() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => build("sh").spawn(),
        other => other,
    }
}

/// Runs the command to completion or timeout and builds the result.
async fn run(
    launch: Launch<'_>,
    timeout: Duration,
    cap: usize,
    sink: Option<OutputSink>,
) -> ToolResult {
    let mut child = match spawn(&launch) {
        Ok(c) => c,
        Err(e) => return failed(format!("could not start the shell: {e}")),
    };
    let mut guard = GroupGuard(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw),
    );
    let out = Arc::new(Mutex::new(Capture::new(cap)));
    let err = Arc::new(Mutex::new(Capture::new(cap)));
    let mut readers = Vec::new();
    if let Some(pipe) = child.stdout.take() {
        readers.push(pump(pipe, OutputStream::Stdout, out.clone(), sink.clone()));
    }
    if let Some(pipe) = child.stderr.take() {
        readers.push(pump(pipe, OutputStream::Stderr, err.clone(), sink.clone()));
    }

    let waited = tokio::time::timeout(timeout, child.wait()).await;
    let (status, timed_out) = match waited {
        Ok(Ok(status)) => (Some(status), false),
        Ok(Err(e)) => {
            guard.kill();
            abort_all(&readers);
            return failed(format!("waiting for the command failed: {e}"));
        }
        Err(_) => {
            guard.kill();
            let _ = child.wait().await;
            (None, true)
        }
    };
    // Background processes may still hold the pipes open; give them a moment,
    // then kill what is left of the group so the call can end.
    let mut leftovers_killed = false;
    if !drain(&mut readers, DRAIN_GRACE).await {
        guard.kill();
        leftovers_killed = !timed_out;
        drain(&mut readers, DRAIN_GRACE).await;
        abort_all(&readers);
    }
    guard.disarm();

    let mut result = ToolResult {
        stdout: lock_render(&out),
        stderr: lock_render(&err),
        ..ToolResult::default()
    };
    if leftovers_killed {
        result.stderr.push_str(
            "[background processes still holding the output open were killed when the command ended]\n",
        );
    }
    match status {
        None => {
            result.status = ToolStatus::Timeout;
            result.error = Some(format!(
                "command timed out after {}; it was killed",
                seconds(timeout)
            ));
        }
        Some(status) => apply_status(&mut result, status),
    }
    if matches!(launch.sandbox, ShellSandbox::On(_))
        && result.exit_code == Some(SETUP_FAILED)
        && result.stderr.contains("chamber sandbox:")
    {
        result.error = Some(
            "the sandbox could not be set up for this command (details in stderr); `chamber doctor` shows what the kernel offers".into(),
        );
    }
    result
}

/// Sets status, exit code and error from how the process ended.
fn apply_status(result: &mut ToolResult, status: ExitStatus) {
    use std::os::unix::process::ExitStatusExt;
    result.exit_code = status.code();
    match (status.code(), status.signal()) {
        (Some(0), _) => result.status = ToolStatus::Ok,
        (Some(code), _) => {
            result.status = ToolStatus::Error;
            result.error = Some(format!("command exited with code {code}"));
        }
        (None, Some(sig)) => {
            result.status = ToolStatus::Error;
            result.error = Some(format!("command was killed by signal {sig}"));
        }
        (None, None) => {
            result.status = ToolStatus::Error;
            result.error = Some("command ended without an exit code".into());
        }
    }
}

/// Copies one pipe into its capture and the live sink until end of stream.
fn pump<R>(
    mut pipe: R,
    stream: OutputStream,
    capture: Arc<Mutex<Capture>>,
    sink: Option<OutputSink>,
) -> JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = vec![0u8; 8192];
        let mut chunker = Utf8Chunker::default();
        loop {
            let n = match pipe.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Ok(mut c) = capture.lock() {
                c.push(&buf[..n]);
            }
            if let Some(sink) = &sink {
                let text = chunker.feed(&buf[..n]);
                if !text.is_empty() {
                    sink(stream, &text);
                }
            }
        }
        if let Some(sink) = &sink {
            let rest = chunker.finish();
            if !rest.is_empty() {
                sink(stream, &rest);
            }
        }
    })
}

/// Waits up to `grace` for all readers to finish; true if they did.
async fn drain(readers: &mut [JoinHandle<()>], grace: Duration) -> bool {
    let all = async {
        for r in readers.iter_mut() {
            // A finished handle must not be polled again.
            if !r.is_finished() {
                let _ = r.await;
            }
        }
    };
    tokio::time::timeout(grace, all).await.is_ok()
}

/// A duration as the model reads it: `30s`, or `0.5s` below a second.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Stops readers that are still running.
fn abort_all(readers: &[JoinHandle<()>]) {
    readers.iter().for_each(JoinHandle::abort);
}

/// The capture's text; a poisoned lock still yields what was captured.
fn lock_render(capture: &Mutex<Capture>) -> String {
    match capture.lock() {
        Ok(c) => c.render(),
        Err(poisoned) => poisoned.into_inner().render(),
    }
}
