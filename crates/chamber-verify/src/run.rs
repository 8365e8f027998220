//! Running a test command and reading its result.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::{Detected, Runner, TestReport, VerifyError, parse};

/// Limits of a test run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// The command is killed (with its process group) after this long.
    pub timeout: Duration,
    /// Bytes of output kept: the first and last halves, the middle elided.
    pub output_cap: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            output_cap: 512 * 1024,
        }
    }
}

/// The result of one run of a test command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    /// The command line that ran.
    pub command: String,
    /// The parser used for its output.
    pub runner: Runner,
    /// Exit status; `None` when killed by a signal or the timeout.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration_ms: u64,
    /// Whether the timeout stopped it.
    pub timed_out: bool,
    /// stdout and stderr, interleaved as written, capped.
    pub output: String,
    /// Whether the middle of the output was dropped to fit the cap.
    pub truncated: bool,
    /// What the output says.
    pub report: TestReport,
}

impl TestRun {
    /// Whether the tests passed: exit 0, not timed out, and no failure parsed.
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.report.has_failures()
    }
}

/// Runs `detected.command` with `bash -c` in `root` and parses its output.
/// File paths in the report under `root` are made relative to it.
pub async fn run_tests(
    root: &Path,
    detected: &Detected,
    options: RunOptions,
) -> Result<TestRun, VerifyError> {
    run_tests_via(root, detected, options, None).await
}

/// Like [`run_tests`], started through `launcher`: a program and the
/// arguments that precede `bash` (the sandbox helper, so tests the model
/// wrote run confined like its commands).
pub async fn run_tests_via(
    root: &Path,
    detected: &Detected,
    options: RunOptions,
    launcher: Option<(&Path, &[String])>,
) -> Result<TestRun, VerifyError> {
    let command = detected.command.clone();
    let io_err = |source| VerifyError::Io {
        command: command.clone(),
        source,
    };
    let started = Instant::now();
    // stderr joins stdout inside the shell, so the order survives.
    let mut child = match launcher {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg("bash");
            // Confined, a build directory outside the project is read-only:
            // cargo builds into the workspace's own `target/`.
            cmd.env_remove("CARGO_TARGET_DIR");
            cmd
        }
        None => Command::new("bash"),
    };
    let mut child = child
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(root)
        .env("CARGO_TERM_COLOR", "never")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| VerifyError::Spawn {
            command: command.clone(),
            root: root.to_path_buf(),
            source,
        })?;
    let pgid = child.id();
    let mut stdout = child.stdout.take();
    let mut capture = Capture::new(options.output_cap);
    let work = async {
        if let Some(out) = stdout.as_mut() {
            let mut buf = [0u8; 16 * 1024];
            loop {
                let n = out.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                capture.push(&buf[..n]);
            }
        }
        child.wait().await
    };
    let (status, timed_out) = match tokio::time::timeout(options.timeout, work).await {
        Ok(status) => (Some(status.map_err(io_err)?), false),
        Err(_) => {
            kill_group(pgid);
            (None, true)
        }
    };
    let exit_code = status.and_then(|s| s.code());
    let (output, truncated) = capture.finish();
    let mut report = parse(detected.runner, &output, exit_code);
    relativize(&mut report, root);
    Ok(TestRun {
        command: detected.command.clone(),
        runner: detected.runner,
        exit_code,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        timed_out,
        output,
        truncated,
        report,
    })
}

fn kill_group(pgid: Option<u32>) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    if let Some(id) = pgid.and_then(|p| i32::try_from(p).ok()) {
        let _ = killpg(Pid::from_raw(id), Signal::SIGKILL);
    }
}

/// Strips `root/` from absolute paths in the report.
fn relativize(report: &mut TestReport, root: &Path) {
    let roots: Vec<String> = [Some(root.to_path_buf()), root.canonicalize().ok()]
        .into_iter()
        .flatten()
        .map(|p| format!("{}/", p.display()))
        .collect();
    for failure in &mut report.failures {
        if let Some(file) = &mut failure.file
            && let Some(rel) = roots.iter().find_map(|r| file.strip_prefix(r.as_str()))
        {
            *file = rel.to_string();
        }
    }
}

/// Keeps the head and the tail of a stream within a byte cap.
struct Capture {
    cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: bool,
}

impl Capture {
    fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(2),
            head: Vec::new(),
            tail: VecDeque::new(),
            dropped: false,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        let half = self.cap / 2;
        if self.head.len() < half {
            let take = bytes.len().min(half - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        self.tail.extend(bytes);
        let keep = self.cap - half;
        if self.tail.len() > keep {
            self.dropped = true;
            let extra = self.tail.len() - keep;
            self.tail.drain(..extra);
        }
    }

    fn finish(self) -> (String, bool) {
        let mut bytes = self.head;
        if self.dropped {
            bytes.extend_from_slice(b"\n[... output truncated ...]\n");
        }
        bytes.extend(self.tail);
        (String::from_utf8_lossy(&bytes).into_owned(), self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_head_and_tail() {
        let mut c = Capture::new(10);
        c.push(b"0123456789");
        c.push(b"abcdef");
        let (text, truncated) = c.finish();
        assert!(truncated);
        assert!(text.starts_with("01234"), "{text}");
        assert!(text.ends_with("bcdef"), "{text}");
        let mut c = Capture::new(100);
        c.push(b"short");
        assert_eq!(c.finish(), ("short".to_string(), false));
    }

    #[tokio::test]
    async fn timeout_kills_the_command() {
        let d = tempfile::tempdir().unwrap();
        let detected = Detected {
            command: "echo started; sleep 30".into(),
            runner: Runner::Generic,
            reason: "test".into(),
        };
        let options = RunOptions {
            timeout: Duration::from_millis(300),
            output_cap: 1024,
        };
        let run = run_tests(d.path(), &detected, options).await.unwrap();
        assert!(run.timed_out);
        assert_eq!(run.exit_code, None);
        assert!(!run.passed());
        assert!(run.duration_ms < 10_000);
    }
}
