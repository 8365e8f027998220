//! Provider faults, end to end: a server that sends bytes that are not UTF-8, an HTML page
//! where the API should be, a slowloris trickle, a 100 MB answer, a stream that never ends
//! and a tool call whose arguments never close. Each ends `chamber run` on its own with a
//! classified error (a `model_error` event naming the class, the run failed, exit 4) and
//! bounded memory: the child's peak RSS is read with `getrusage(RUSAGE_CHILDREN)` after it
//! exits (nextest runs each test in its own process, so that is the child's peak, or an
//! upper bound of it under `cargo test`).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chamber_mock_llm::{Flood, MockServer, Turn};
use nix::sys::resource::{UsageWho, getrusage};
use serde_json::{Value, json};

use super::all_of;
use crate::suite::harness::{Project, Run, plan_turn, run_id, types};

/// Peak RSS allowed to a run that was sent a 100 MB answer (or an endless one): less than
/// the answer itself. An ordinary run of the debug build peaks near 60 MB, so a run that
/// held the answer would be past 160 MB; with the 8 MiB cap it stays near 70 MB.
const RSS_LIMIT_KB: i64 = 96 * 1024;

/// A run that ended by itself, with the peak RSS of the children waited for so far.
struct Bounded {
    run: Run,
    peak_rss_kb: i64,
    took: Duration,
}

/// Runs `cmd` on a blocking thread, killing it after `limit` (then the test fails: a fault
/// must end the run by itself).
async fn run_bounded(mut cmd: Command, limit: Duration) -> Bounded {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = Vec::new();
                let _ = pipe.read_to_end(&mut text);
                String::from_utf8_lossy(&text).into_owned()
            })
        };
        let out = drain(Box::new(child.stdout.take().unwrap()));
        let err = drain(Box::new(child.stderr.take().unwrap()));
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the run did not end by itself within {limit:?}\n--- stderr ---\n{}",
                    err.join().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
        Bounded {
            run: Run {
                code: status.code().unwrap_or(-1),
                stdout: out.join().unwrap(),
                stderr: err.join().unwrap(),
            },
            peak_rss_kb: usage.max_rss(),
            took,
        }
    })
    .await
    .unwrap()
}

/// `chamber run --yes --json` against `server` with extra settings; asserts the run failed
/// (exit 4) and returns it with the `model_error` events of the run.
async fn failed_run(server: &MockServer, env: &[(&str, &str)]) -> (Bounded, Vec<Value>) {
    let p = Project::git(&server.base_url());
    let mut cmd = p.cmd(&["run", "--yes", "--json", "add notes"]);
    cmd.envs(env.iter().copied());
    let out = run_bounded(cmd, Duration::from_secs(60)).await;
    out.run.assert_code(4);
    let envelope = out.run.envelope();
    assert_eq!(envelope["payload"]["status"], "failed", "{envelope}");
    let (_, events) = p.show(&run_id(&envelope)).await;
    let errors: Vec<Value> = all_of(&events, "model_error")
        .into_iter()
        .cloned()
        .collect();
    assert!(!errors.is_empty(), "no model_error: {:?}", types(&events));
    assert!(
        !out.run.stderr.contains("panicked"),
        "no panic: {}",
        out.run.stderr
    );
    (out, errors)
}

/// The error text of a `model_error` event.
fn text(error: &Value) -> &str {
    error["error"].as_str().unwrap_or_default()
}

/// Invalid UTF-8 mid-stream is a malformed stream (retried, then the run fails), never
/// text with replacement characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_invalid_utf8_mid_stream_is_a_malformed_stream() {
    let bad = plan_turn("Add notes", &[("1", "Create notes.txt")]).with_invalid_utf8_at_event(3);
    let server = MockServer::start(vec![bad; 2]).await.unwrap();
    let (_, errors) = failed_run(&server, &[("CHAMBER_PROVIDER__MAX_RETRIES", "1")]).await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["retrying"], true);
    for e in &errors {
        let t = text(e);
        assert!(t.contains("malformed_stream"), "{t}");
        assert!(t.contains("not valid UTF-8"), "{t}");
        assert!(t.contains("try again or another server"), "hint: {t}");
    }
}

/// A 200 whose body is an HTML page (a proxy or login portal) says so at once: no retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_html_200_is_an_unexpected_reply() {
    let page = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\
                <body><form>Corporate proxy: sign in</form></body></html>\n";
    let server = MockServer::start(vec![
        Turn::raw_reply("text/html; charset=utf-8", page),
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
    ])
    .await
    .unwrap();
    let (_, errors) = failed_run(&server, &[]).await;
    assert_eq!(errors.len(), 1, "not retried: {errors:?}");
    let t = text(&errors[0]);
    assert!(t.contains("unexpected_reply (200)"), "{t}");
    assert!(t.contains("text/html") && t.contains("Sign in"), "{t}");
    assert!(t.contains("provider.base_url"), "hint: {t}");
    assert_eq!(server.remaining(), 1);
}

/// Bytes trickling in forever, each event well inside the idle timeout: the answer's time
/// limit ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_slowloris_trickle_hits_the_answer_time_limit() {
    let trickle = Flood::text("z").trickle(16).every_ms(40);
    let server = MockServer::start(vec![Turn::text("Thinking").with_flood(trickle)])
        .await
        .unwrap();
    let env = [
        ("CHAMBER_PROVIDER__IDLE_TIMEOUT_SECS", "1"),
        ("CHAMBER_PROVIDER__ANSWER_TIMEOUT_SECS", "3"),
    ];
    let (out, errors) = failed_run(&server, &env).await;
    assert_eq!(errors.len(), 1, "not retried: {errors:?}");
    let t = text(&errors[0]);
    assert!(t.contains("answer_timeout"), "{t}");
    assert!(t.contains("provider.answer_timeout_secs"), "{t}");
    assert!(out.took < Duration::from_secs(30), "{:?}", out.took);
}

/// A well-formed 100 MB answer is cut at `provider.max_response_bytes` (8 MiB by default):
/// the run fails and its memory stays far below the answer's size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_100_mb_answer_is_refused_with_bounded_memory() {
    let piece = "lorem ipsum dolor sit amet ".repeat(2400); // ~64 KB per delta
    let huge = Flood::text(piece).total_bytes(100 * 1024 * 1024);
    let server = MockServer::start(vec![Turn::text("Plan:").with_flood(huge)])
        .await
        .unwrap();
    let (out, errors) = failed_run(&server, &[]).await;
    assert_eq!(errors.len(), 1, "not retried: {errors:?}");
    let t = text(&errors[0]);
    assert!(t.contains("response_too_large"), "{t}");
    assert!(t.contains("provider.max_response_bytes"), "{t}");
    assert!(
        out.peak_rss_kb < RSS_LIMIT_KB,
        "peak RSS {} KB after a 100 MB answer",
        out.peak_rss_kb
    );
}

/// Valid deltas forever, a few a second: the answer's time limit ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_never_ending_stream_hits_the_answer_time_limit() {
    let endless = Flood::text("tick ").every_ms(20);
    let server = MockServer::start(vec![Turn::text("Plan:").with_flood(endless)])
        .await
        .unwrap();
    let env = [("CHAMBER_PROVIDER__ANSWER_TIMEOUT_SECS", "2")];
    let (out, errors) = failed_run(&server, &env).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let t = text(&errors[0]);
    assert!(t.contains("answer_timeout"), "{t}");
    assert!(t.contains("did not finish within 2s"), "{t}");
    assert!(out.peak_rss_kb < RSS_LIMIT_KB, "{} KB", out.peak_rss_kb);
}

/// A tool call whose arguments never close is refused at `provider.max_tool_call_bytes`
/// (1 MiB by default), naming the tool; nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_tool_call_arguments_that_never_close_are_capped() {
    let open = Turn::raw_call("write_file", r#"{"path": "notes.txt", "content": ""#)
        .with_flood(Flood::arguments("lorem ipsum ".repeat(100)));
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        open,
    ])
    .await
    .unwrap();
    let (out, errors) = failed_run(&server, &[]).await;
    let t = text(&errors[0]);
    assert!(t.contains("response_too_large"), "{t}");
    assert!(
        t.contains("write_file") && t.contains("provider.max_tool_call_bytes"),
        "{t}"
    );
    assert_eq!(errors[0]["step_id"], json!("1"));
    assert!(out.peak_rss_kb < RSS_LIMIT_KB, "{} KB", out.peak_rss_kb);
}
