//! The llama-server lifecycle. One supervisor process per model holds an
//! exclusive lock on `servers/<model>.lock` for as long as it runs, so a lock
//! that can be taken means nobody serves that model: a supervisor killed
//! with SIGKILL leaves no stale lock, and the orphaned llama-server it names
//! in `servers/<model>.json` is stopped by the next supervisor. Clients touch
//! `servers/<model>.used`; the supervisor stops the server when that file has
//! not been touched for the idle time.

use std::fs::{File, TryLockError};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::weights::write_atomic;
use crate::{LocalError, LocalPaths};

/// What a running (or starting) server looks like, as recorded in
/// `servers/<model>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerState {
    /// The supervisor's pid (holder of the lock).
    pub pid: u32,
    /// llama-server's pid.
    pub server_pid: u32,
    /// Loopback port it listens on.
    pub port: u16,
    /// Model name.
    pub model: String,
    /// GGUF file served.
    pub model_path: PathBuf,
    /// Threads used for generation.
    pub threads: u32,
    /// Context window in tokens.
    pub context: u32,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// Whether `/health` answered OK.
    pub ready: bool,
    /// Server log file.
    pub log: PathBuf,
    /// Idle time after which the server stops (none: runs until stopped).
    pub idle_stop_secs: Option<u64>,
}

impl ServerState {
    /// The OpenAI-compatible base URL.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }
}

/// How to run one server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The llama-server binary.
    pub binary: PathBuf,
    /// Model name (names the lock and log files).
    pub model: String,
    /// GGUF file.
    pub model_path: PathBuf,
    /// Fixed port; `None` picks a free one.
    pub port: Option<u16>,
    /// Generation threads.
    pub threads: u32,
    /// Context window.
    pub context: u32,
    /// Stop after this long without use.
    pub idle_stop: Option<Duration>,
    /// How long loading may take.
    pub startup_timeout: Duration,
}

/// Why `serve` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Nobody used it for the idle time.
    Idle,
    /// Asked to stop (signal or shutdown future).
    Shutdown,
}

/// Threads for generation when not configured: one on a 2-core machine
/// (generation collapses when it competes with a build), else half the
/// cores, at most 8.
pub fn default_threads() -> u32 {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as u32;
    if n <= 2 { 1 } else { (n / 2).min(8) }
}

fn open_lock(paths: &LocalPaths, model: &str) -> Result<File, LocalError> {
    crate::paths::ensure_dir(&paths.servers())?;
    let path = paths.server_file(model, "lock");
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| LocalError::io(format!("cannot open {}", path.display()), e))
}

fn read_state(paths: &LocalPaths, model: &str) -> Option<ServerState> {
    let text = std::fs::read_to_string(paths.server_file(model, "json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The server for `model`, when a live supervisor holds its lock.
pub fn running_server(paths: &LocalPaths, model: &str) -> Option<ServerState> {
    let lock = open_lock(paths, model).ok()?;
    match lock.try_lock() {
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => read_state(paths, model),
        Err(TryLockError::Error(_)) => None,
    }
}

/// Every model with a live server.
pub fn running_servers(paths: &LocalPaths) -> Vec<ServerState> {
    let Ok(entries) = std::fs::read_dir(paths.servers()) else {
        return Vec::new();
    };
    let mut out: Vec<ServerState> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_suffix(".lock").map(String::from)
        })
        .filter_map(|model| running_server(paths, &model))
        .collect();
    out.sort_by(|a, b| a.model.cmp(&b.model));
    out
}

/// Marks the model's server as used now (postpones its idle stop).
pub fn touch(paths: &LocalPaths, model: &str) {
    let path = paths.server_file(model, "used");
    let _ = File::create(&path).and_then(|f| f.set_modified(SystemTime::now()));
}

fn idle_for(paths: &LocalPaths, model: &str) -> Duration {
    std::fs::metadata(paths.server_file(model, "used"))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default()
}

/// Whether `/health` on the port answers 200.
pub async fn health(port: u16) -> bool {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return false;
    };
    client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

fn pid_alive(pid: u32) -> bool {
    pid > 0 && kill(Pid::from_raw(pid as i32), None).is_ok()
}

fn is_llama_server(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("llama-server"))
        .unwrap_or(false)
}

fn free_port() -> Result<u16, LocalError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| LocalError::io("cannot find a free loopback port", e))
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs llama-server under this process until `shutdown` resolves, the
/// server has been idle for `idle_stop`, or it dies. `on_ready` is called
/// once `/health` answers.
pub async fn serve(
    paths: &LocalPaths,
    opts: &ServeOptions,
    on_ready: &mut (dyn FnMut(&ServerState) + Send),
    shutdown: impl Future<Output = ()>,
) -> Result<StopReason, LocalError> {
    let lock = open_lock(paths, &opts.model)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let st = read_state(paths, &opts.model);
            return Err(LocalError::AlreadyServing {
                model: opts.model.clone(),
                pid: st.as_ref().map(|s| s.pid).unwrap_or(0),
                port: st.map(|s| s.port).unwrap_or(0),
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(LocalError::io("cannot lock the server file", e));
        }
    }
    let error_file = paths.server_file(&opts.model, "error");
    let _ = std::fs::remove_file(&error_file);
    // A previous supervisor that was killed may have left its server behind.
    if let Some(old) = read_state(paths, &opts.model)
        && pid_alive(old.server_pid)
        && is_llama_server(old.server_pid)
    {
        let _ = kill(Pid::from_raw(old.server_pid as i32), Signal::SIGKILL);
    }
    let _ = std::fs::remove_file(paths.server_file(&opts.model, "json"));
    let result = run_server(paths, opts, on_ready, shutdown).await;
    let _ = std::fs::remove_file(paths.server_file(&opts.model, "json"));
    if let Err(e) = &result {
        let _ = std::fs::write(&error_file, format!("{e}\n{}", e.hint()));
    }
    drop(lock);
    result
}

async fn run_server(
    paths: &LocalPaths,
    opts: &ServeOptions,
    on_ready: &mut (dyn FnMut(&ServerState) + Send),
    shutdown: impl Future<Output = ()>,
) -> Result<StopReason, LocalError> {
    crate::paths::ensure_dir(&paths.logs())?;
    let log = paths
        .logs()
        .join(format!("llama-server-{}.log", opts.model));
    let mut attempts = 0;
    let (mut child, state) = loop {
        attempts += 1;
        let port = match opts.port {
            Some(p) => p,
            None => free_port()?,
        };
        match start_once(paths, opts, port, &log).await {
            Ok(started) => break started,
            // Another program took the port between our probe and the bind.
            Err(e)
                if opts.port.is_none() && attempts < 3 && log_tail(&log, 20).contains("bind") =>
            {
                tracing::warn!("retrying on another port: {e}");
            }
            Err(e) => return Err(e),
        }
    };
    on_ready(&state);
    touch(paths, &opts.model);
    tokio::pin!(shutdown);
    let reason = loop {
        tokio::select! {
            _ = &mut shutdown => break Ok(StopReason::Shutdown),
            status = child.wait() => {
                let code = status.ok().and_then(|s| s.code()).unwrap_or(-1);
                break Err(LocalError::ServerStart {
                    model: opts.model.clone(),
                    reason: format!("llama-server exited (code {code}):\n{}", log_tail(&log, 15)),
                    log: log.clone(),
                });
            }
            _ = tokio::time::sleep(Duration::from_secs(2)) => {
                if let Some(idle) = opts.idle_stop
                    && idle_for(paths, &opts.model) >= idle
                {
                    break Ok(StopReason::Idle);
                }
            }
        }
    };
    stop_child(&mut child).await;
    reason
}

async fn start_once(
    paths: &LocalPaths,
    opts: &ServeOptions,
    port: u16,
    log: &Path,
) -> Result<(tokio::process::Child, ServerState), LocalError> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| LocalError::io(format!("cannot open {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| LocalError::io("cannot share the log file", e))?;
    let mut child = tokio::process::Command::new(&opts.binary)
        .arg("-m")
        .arg(&opts.model_path)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "-c",
            &opts.context.to_string(),
            "-t",
            &opts.threads.to_string(),
        ])
        // One slot holds the whole context and, between a step's turns, the
        // prompt cache: Chamber sends one request at a time, and an `auto`
        // slot count splits `-c` among slots on some llama-server versions.
        .args(["--parallel", "1"])
        .args(["--jinja", "--offline"])
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| LocalError::io(format!("cannot start {}", opts.binary.display()), e))?;
    let mut state = ServerState {
        pid: std::process::id(),
        server_pid: child.id().unwrap_or(0),
        port,
        model: opts.model.clone(),
        model_path: opts.model_path.clone(),
        threads: opts.threads,
        context: opts.context,
        started_at: chrono::Utc::now().to_rfc3339(),
        ready: false,
        log: log.to_path_buf(),
        idle_stop_secs: opts.idle_stop.map(|d| d.as_secs()),
    };
    let json_path = paths.server_file(&opts.model, "json");
    write_atomic(
        &json_path,
        serde_json::to_string_pretty(&state)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(LocalError::ServerStart {
                model: opts.model.clone(),
                reason: format!(
                    "llama-server exited during startup ({status}):\n{}",
                    log_tail(log, 15)
                ),
                log: log.to_path_buf(),
            });
        }
        if health(port).await {
            break;
        }
        if started.elapsed() > opts.startup_timeout {
            stop_child(&mut child).await;
            return Err(LocalError::ServerStart {
                model: opts.model.clone(),
                reason: format!("not ready after {}s", opts.startup_timeout.as_secs()),
                log: log.to_path_buf(),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    state.ready = true;
    write_atomic(
        &json_path,
        serde_json::to_string_pretty(&state)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok((child, state))
}

async fn stop_child(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .is_ok()
        {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Returns a ready server for `model`, starting one with `launch` (which
/// must start a detached supervisor, such as `chamber model serve`) when
/// none runs, and waiting for one that is still loading.
pub async fn ensure_server(
    paths: &LocalPaths,
    model: &str,
    launch: &mut (dyn FnMut() -> std::io::Result<()> + Send),
    timeout: Duration,
) -> Result<ServerState, LocalError> {
    let started = Instant::now();
    let error_file = paths.server_file(model, "error");
    let mut launched: Option<Instant> = None;
    loop {
        if let Some(st) = running_server(paths, model) {
            if st.ready && health(st.port).await {
                touch(paths, model);
                return Ok(st);
            }
        } else if let Some(at) = launched {
            if let Ok(text) = std::fs::read_to_string(&error_file) {
                return Err(LocalError::ServerStart {
                    model: model.into(),
                    reason: text.trim().to_string(),
                    log: paths.logs().join(format!("llama-server-{model}.log")),
                });
            }
            if at.elapsed() > Duration::from_secs(15) {
                return Err(LocalError::ServerStart {
                    model: model.into(),
                    reason: "the supervisor did not take the server lock".into(),
                    log: paths.logs().join(format!("model-serve-{model}.log")),
                });
            }
        } else {
            let _ = std::fs::remove_file(&error_file);
            touch(paths, model);
            launch().map_err(|e| LocalError::io("cannot start the model supervisor", e))?;
            launched = Some(Instant::now());
        }
        if started.elapsed() > timeout {
            return Err(LocalError::ServerStart {
                model: model.into(),
                reason: format!("not ready after {}s", timeout.as_secs()),
                log: paths.logs().join(format!("llama-server-{model}.log")),
            });
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Asks the supervisor of `model` to stop; returns whether one was running.
pub async fn stop_server(paths: &LocalPaths, model: &str) -> bool {
    let Some(st) = running_server(paths, model) else {
        return false;
    };
    let _ = kill(Pid::from_raw(st.pid as i32), Signal::SIGTERM);
    for _ in 0..100 {
        if running_server(paths, model).is_none() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_lock_means_not_running() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = LocalPaths::new(tmp.path());
        assert!(running_server(&paths, "m").is_none());
        // A state file without a live lock holder is stale, not running.
        std::fs::create_dir_all(paths.servers()).unwrap();
        std::fs::write(paths.server_file("m", "json"), b"{}").unwrap();
        assert!(running_server(&paths, "m").is_none());
        let held = open_lock(&paths, "m").unwrap();
        held.lock().unwrap();
        // Another open file description sees the lock as held.
        assert!(open_lock(&paths, "m").unwrap().try_lock().is_err());
    }

    #[test]
    fn threads_are_at_least_one() {
        assert!(default_threads() >= 1);
    }
}
