use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chamber_protocol::{OutputStream, ToolStatus};
use chamber_tools::ToolContext;
use serde_json::json;

use crate::{run, run_ctx};

#[tokio::test]
async fn runs_in_cwd_and_captures_both_streams() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let r = run(
        dir.path(),
        "shell",
        json!({"command": "pwd; echo oops >&2", "cwd": "sub"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(r.exit_code, Some(0));
    let sub = dir
        .path()
        .join("sub")
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    assert_eq!(r.stdout.trim(), sub);
    assert_eq!(r.stderr, "oops\n");
    assert_eq!(r.cwd, sub);
}

#[tokio::test]
async fn non_zero_exit_is_an_error_with_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        dir.path(),
        "shell",
        json!({"command": "echo partial; exit 3"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Error);
    assert_eq!(r.exit_code, Some(3));
    assert_eq!(r.error.as_deref(), Some("command exited with code 3"));
    assert_eq!(r.stdout, "partial\n");
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let marker = dir.path().join("survived");
    let command = format!(
        "echo started; (sleep 3; touch {}) & sleep 30 & wait",
        marker.display()
    );
    let r = run(
        dir.path(),
        "shell",
        json!({"command": command, "timeout_secs": 1}),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(r.status, ToolStatus::Timeout, "{r:?}");
    assert_eq!(
        r.error.as_deref(),
        Some("command timed out after 1s; it was killed")
    );
    assert_eq!(r.stdout, "started\n", "partial output is kept");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(
        !marker.exists(),
        "a child of the command outlived the timeout"
    );
}

#[tokio::test]
async fn plain_sleep_times_out_quickly_with_context_default() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ToolContext::new(dir.path().to_path_buf());
    ctx.shell_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let r = run_ctx(&ctx, "shell", json!({"command": "sleep 30"})).await;
    assert_eq!(r.status, ToolStatus::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(r.duration_ms >= 300);
}

#[tokio::test]
async fn output_is_capped_keeping_head_and_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = ToolContext::new(dir.path().to_path_buf());
    ctx.output_cap = 1000;
    let r = run_ctx(&ctx, "shell", json!({"command": "seq 1 100000"})).await;
    assert_eq!(r.status, ToolStatus::Ok);
    assert!(r.stdout.len() < 1200, "{}", r.stdout.len());
    assert!(r.stdout.starts_with("1\n2\n3\n"));
    assert!(r.stdout.ends_with("99999\n100000\n"));
    assert!(r.stdout.contains("bytes truncated …]"), "{}", r.stdout);
}

#[tokio::test]
async fn sink_receives_chunks_as_they_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Arc<Mutex<Vec<(OutputStream, String, Instant)>>> = Arc::default();
    let mut ctx = ToolContext::new(dir.path().to_path_buf());
    let sink_seen = seen.clone();
    ctx.output = Some(Arc::new(move |stream, chunk: &str| {
        sink_seen
            .lock()
            .unwrap()
            .push((stream, chunk.to_string(), Instant::now()));
    }));
    let r = run_ctx(
        &ctx,
        "shell",
        json!({"command": "echo first; sleep 0.5; echo second >&2"}),
    )
    .await;
    let done = Instant::now();
    assert_eq!(r.status, ToolStatus::Ok);
    let seen = seen.lock().unwrap();
    let out: String = seen
        .iter()
        .filter(|c| c.0 == OutputStream::Stdout)
        .map(|c| c.1.as_str())
        .collect();
    let err: String = seen
        .iter()
        .filter(|c| c.0 == OutputStream::Stderr)
        .map(|c| c.1.as_str())
        .collect();
    assert_eq!(out, "first\n");
    assert_eq!(err, "second\n");
    let first_at = seen.iter().find(|c| c.0 == OutputStream::Stdout).unwrap().2;
    assert!(
        done - first_at >= Duration::from_millis(300),
        "first chunk arrived live"
    );
}

#[tokio::test]
async fn background_processes_holding_pipes_do_not_hang_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = run(
        dir.path(),
        "shell",
        json!({"command": "sleep 30 & echo done"}),
    )
    .await;
    assert_eq!(r.status, ToolStatus::Ok, "{r:?}");
    assert_eq!(r.stdout, "done\n");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn missing_cwd_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "shell", json!({"command": "ls", "cwd": "nope"})).await;
    assert_eq!(r.status, ToolStatus::Error);
    assert!(r.error.unwrap().contains("not an existing directory"));
}

#[tokio::test]
async fn abandoning_the_call_kills_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran-to-the-end");
    let command = format!("sleep 1; touch {}", marker.display());
    let call = run(dir.path(), "shell", json!({"command": command}));
    assert!(
        tokio::time::timeout(Duration::from_millis(200), call)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !marker.exists(),
        "the command kept running after its call was dropped"
    );
}
