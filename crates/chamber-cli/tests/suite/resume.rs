//! kill -9 mid-run, then `chamber resume`: finished tool calls are not redone and the
//! recorded conversation is replayed to the model.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;

use super::harness::{Project, contents, messages, plan_turn, run_id, types};

/// The script both tests use: step 1 runs one shell call, then the model "thinks" for a
/// minute (the process dies meanwhile); the rest is what the resumed process gets.
fn script() -> Vec<Turn> {
    vec![
        plan_turn(
            "Count and finish",
            &[("1", "Append to count.txt"), ("2", "Write done.txt")],
        ),
        Turn::call("shell", json!({"command": "echo x >> count.txt"})),
        Turn::text("never delivered").with_delay(60_000),
        Turn::text("step 1 done"),
        Turn::call(
            "write_file",
            json!({"path": "done.txt", "content": "done\n"}),
        ),
        Turn::text("step 2 done"),
    ]
}

/// Starts `chamber run --yes` and returns once the shell call is recorded as finished AND
/// the delayed model request is in flight (the mock pops a turn before sleeping on it, so
/// that turn is consumed whatever happens to the client).
async fn spawn_until_model_is_thinking(p: &Project, server: &MockServer) -> (Child, String) {
    let mut child = p
        .cmd(&["run", "--yes", "count and finish"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(id) = run_with_finished_tool(p.path())
            && server.requests().len() >= 3
        {
            return (child, id);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("chamber exited before it could be stopped: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "no tool_finished event within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of a run whose `events.jsonl` already records a finished tool call.
fn run_with_finished_tool(root: &Path) -> Option<String> {
    let runs = std::fs::read_dir(root.join(".chamber/runs")).ok()?;
    for entry in runs.flatten() {
        let log = std::fs::read_to_string(entry.path().join("events.jsonl")).unwrap_or_default();
        if log.lines().any(|l| l.contains(r#""type":"tool_finished""#)) {
            return Some(entry.file_name().to_string_lossy().into_owned());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_run_shows_interrupted_and_resumes_without_redoing_calls() {
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());

    let (mut child, id) = spawn_until_model_is_thinking(&p, &server).await;
    kill(
        Pid::from_raw(i32::try_from(child.id()).unwrap()),
        Signal::SIGKILL,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(server.remaining(), 3);

    let (run, _) = p.show(&id).await;
    assert_eq!(run["status"], "interrupted", "{run}");
    let list = p.run(&["runs", "list", "--json"]).await;
    list.assert_code(0);
    assert_eq!(
        list.envelope()["payload"]["runs"][0]["status"],
        "interrupted"
    );
    assert_eq!(p.read("count.txt").as_deref(), Some("x\n"));

    let before = server.requests().len();
    let out = p.run(&["resume", &id[..12], "--yes", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["cmd"], "resume");
    assert_eq!(run_id(&env), id);
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(server.remaining(), 0);

    assert_eq!(
        p.read("count.txt").as_deref(),
        Some("x\n"),
        "the finished shell call ran again"
    );
    assert_eq!(p.read("done.txt").as_deref(), Some("done\n"));
    let stat = p.git_ok(&["show", "--stat", "HEAD"]);
    assert!(
        stat.contains("count.txt") && stat.contains("done.txt"),
        "{stat}"
    );
    assert_eq!(
        p.git_ok(&["rev-parse", "--abbrev-ref", "HEAD"]),
        format!("chamber/{}", &id[..8])
    );

    // The resumed process's first request replays step 1's conversation.
    let requests = server.requests();
    let first = &requests[before];
    let replayed = contents(first, "tool");
    assert_eq!(replayed.len(), 1, "{replayed:#?}");
    assert!(replayed[0].starts_with("status: ok"), "{}", replayed[0]);
    let calls: Vec<_> = messages(first)
        .iter()
        .filter(|m| m["role"] == "assistant")
        .flat_map(|m| m["tool_calls"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["function"]["name"], "shell");
    assert!(
        contents(first, "user")
            .concat()
            .contains("CURRENT STEP: Append to count.txt")
    );

    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "completed");
    let kinds = types(&events);
    let resumed = events
        .iter()
        .find(|e| e["type"] == "run_resumed")
        .expect("run_resumed");
    assert_eq!(resumed["from_step"], "1");
    let shells = events
        .iter()
        .filter(|e| e["type"] == "tool_started" && e["call"]["name"] == "shell")
        .count();
    assert_eq!(shells, 1, "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "step_started").count(),
        2,
        "{kinds:?}"
    );
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1, "event seqs have no gaps");
    }
    assert_eq!(kinds.last().map(String::as_str), Some("run_finished"));

    // A completed run cannot be resumed again.
    let again = p.run(&["resume", &id, "--yes", "--json"]).await;
    again.assert_code(9);
    assert_eq!(again.envelope()["error"]["code"], "invalid_state");
}

/// Ctrl-C (SIGINT) stops the run with exit 130 and a resume hint; the run resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_and_the_run_resumes() {
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let (mut child, id) = spawn_until_model_is_thinking(&p, &server).await;
    kill(
        Pid::from_raw(i32::try_from(child.id()).unwrap()),
        Signal::SIGINT,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    })
    .await
    .unwrap();
    assert_eq!(status.0.code(), Some(130), "{}", status.1);
    assert!(status.1.contains("chamber resume"), "{}", status.1);

    let (run, _) = p.show(&id).await;
    assert_eq!(run["status"], "interrupted", "{run}");
    let out = p.run(&["resume", &id, "--yes", "--json"]).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["status"], "completed");
    assert_eq!(p.read("count.txt").as_deref(), Some("x\n"));
    assert_eq!(p.read("done.txt").as_deref(), Some("done\n"));
}
