//! Running an adapter's program: no shell, arguments as given, the
//! environment scrubbed of credentials, a time limit, output capped.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use chamber_protocol::{ToolResult, ToolStatus};

use crate::capture::cap_text;

/// What a program did.
pub(crate) struct Ran {
    /// Exit code (`None` when killed).
    pub(crate) code: Option<i32>,
    /// Standard output, capped.
    pub(crate) stdout: String,
    /// Standard error, capped.
    pub(crate) stderr: String,
}

impl Ran {
    /// Whether it exited 0.
    pub(crate) fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The failure as a result for the model: what ran and what it said.
    pub(crate) fn failure(&self, what: &str) -> ToolResult {
        let said = if self.stderr.trim().is_empty() {
            self.stdout.trim()
        } else {
            self.stderr.trim()
        };
        let mut r = ToolResult::failure(
            ToolStatus::Error,
            format!(
                "{what} failed (exit {}): {said}",
                self.code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "killed".into())
            ),
        );
        r.exit_code = self.code;
        r
    }
}

/// Runs `program args` in `dir` within `limit`; the error says why it
/// could not run or that it ran out of time.
pub(crate) async fn run(
    dir: &Path,
    program: &str,
    args: &[String],
    limit: Duration,
    cap: usize,
    env_allow: &[String],
) -> Result<Ran, ToolResult> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::sandbox::scrub(&mut cmd, env_allow);
    let child = cmd.spawn().map_err(|e| {
        ToolResult::failure(
            ToolStatus::Error,
            format!("cannot run {program}: {e}; is it installed?"),
        )
    })?;
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Err(_) => Err(ToolResult::failure(
            ToolStatus::Timeout,
            format!(
                "{program} {} ran longer than {} s and was stopped",
                args.join(" "),
                limit.as_secs()
            ),
        )),
        Ok(Err(e)) => Err(ToolResult::failure(
            ToolStatus::Error,
            format!("{program} failed to run: {e}"),
        )),
        Ok(Ok(out)) => Ok(Ran {
            code: out.status.code(),
            stdout: cap_text(&String::from_utf8_lossy(&out.stdout), cap),
            stderr: cap_text(&String::from_utf8_lossy(&out.stderr), cap),
        }),
    }
}

/// Refuses a value that would be read as an option (`-x`, `--x`) by the
/// program it is passed to.
pub(crate) fn not_an_option(what: &str, value: &str) -> Result<(), String> {
    if value.starts_with('-') {
        Err(format!("{what} {value:?} must not start with '-'"))
    } else if value.trim().is_empty() {
        Err(format!("{what} must not be empty"))
    } else {
        Ok(())
    }
}
