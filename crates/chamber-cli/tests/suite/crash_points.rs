//! Kills at the exact moments a random kill rarely hits (`CHAMBER_FAILPOINT` makes the
//! process SIGKILL itself while recording an event), then `chamber resume`:
//! - an edit written but not yet recorded as finished is not applied again;
//! - a command that started but has no recorded end is not run again, and the model is
//!   told it was interrupted;
//! - a failed step retried on resume starts from its checkpoint, not on top of its own
//!   partial edits;
//! - an event stored in the database but not yet in `events.jsonl` leaves no gap there.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, contents, plan_turn};

fn append(n: u32) -> Turn {
    Turn::call(
        "edit_file",
        json!({"path": "log.txt", "old_string": "<<end>>", "new_string": format!("line {n}\n<<end>>")}),
    )
}

fn project(server: &MockServer) -> Project {
    let p = Project::git(&server.base_url());
    p.write("log.txt", "<<end>>\n");
    p.git_ok(&["add", "log.txt"]);
    p.git_ok(&["commit", "-q", "-m", "log"]);
    p
}

/// Runs `chamber run --yes` with a failpoint; returns the run id. The process must die.
async fn run_until_failpoint(p: &Project, failpoint: &str) -> String {
    let out = p
        .run_env(
            &["run", "--yes", "append lines"],
            &[("CHAMBER_FAILPOINT", failpoint)],
        )
        .await;
    assert_eq!(
        out.code,
        -1,
        "the failpoint did not kill it\n{}",
        out.dump()
    );
    only_run(p).await
}

async fn only_run(p: &Project) -> String {
    let list = p.run(&["runs", "list", "--json"]).await;
    list.envelope()["payload"]["runs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn resume(p: &Project, id: &str) -> Value {
    let out = p.run(&["resume", id, "--yes", "--json"]).await;
    out.assert_code(0);
    out.envelope()
}

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().filter_map(|e| e["seq"].as_u64()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_written_before_the_kill_is_not_applied_again() {
    let server = MockServer::start(vec![
        plan_turn("Append", &[("1", "Append two lines")]),
        append(1),
        append(2),
        Turn::text("appended"),
    ])
    .await
    .unwrap();
    let p = project(&server);
    // Killed after edit 1 wrote the file, before its end was recorded.
    let id = run_until_failpoint(&p, "before:tool_finished:1").await;
    assert_eq!(p.read("log.txt").as_deref(), Some("line 1\n<<end>>\n"));
    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "interrupted");
    assert!(events.iter().any(|e| e["type"] == "edit_intended"));

    let env = resume(&p, &id).await;
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(
        p.read("log.txt").as_deref(),
        Some("line 1\nline 2\n<<end>>\n"),
        "edit 1 was applied twice"
    );
    assert_eq!(
        p.git_ok(&["show", "HEAD:log.txt"]),
        "line 1\nline 2\n<<end>>"
    );
    let (_, events) = p.show(&id).await;
    let recovered = events
        .iter()
        .find(|e| {
            e["type"] == "tool_finished"
                && e["result"]["stdout"]
                    .as_str()
                    .unwrap_or("")
                    .contains("before the interruption")
        })
        .expect("the interrupted edit is recorded as done");
    assert_eq!(recovered["result"]["status"], "ok");
    // Its change is still a patch, so undo and patch rollback know about it.
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "patch_recorded")
            .count(),
        2
    );
    let n = seqs(&events);
    assert_eq!(n, (1..=n.len() as u64).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_announced_but_not_written_is_applied_once() {
    let server = MockServer::start(vec![
        plan_turn("Append", &[("1", "Append two lines")]),
        append(1),
        append(2),
        Turn::text("appended"),
    ])
    .await
    .unwrap();
    let p = project(&server);
    // Killed right after the intent was recorded: the write never happened.
    let id = run_until_failpoint(&p, "after:edit_intended:1").await;
    assert_eq!(p.read("log.txt").as_deref(), Some("<<end>>\n"));
    resume(&p, &id).await;
    assert_eq!(
        p.read("log.txt").as_deref(),
        Some("line 1\nline 2\n<<end>>\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_cut_off_by_the_kill_is_not_run_again_and_the_model_is_told() {
    let server = MockServer::start(vec![
        plan_turn("Count", &[("1", "Append to count.txt")]),
        Turn::call("shell", json!({"command": "echo x >> count.txt"})),
        Turn::text("counted"),
    ])
    .await
    .unwrap();
    let p = project(&server);
    let id = run_until_failpoint(&p, "before:tool_finished:1").await;
    assert_eq!(p.read("count.txt").as_deref(), Some("x\n"));
    let before = server.requests().len();
    let env = resume(&p, &id).await;
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(
        p.read("count.txt").as_deref(),
        Some("x\n"),
        "the command ran again"
    );
    let told = contents(&server.requests()[before], "tool").concat();
    assert!(told.contains("interrupted"), "{told}");
    assert!(told.contains("may or may not have taken effect"), "{told}");
    let (_, events) = p.show(&id).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["type"] == "tool_started" && e["call"]["name"] == "shell")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_resumes_from_its_checkpoint() {
    let bad = || {
        Turn::call(
            "edit_file",
            json!({"path": "log.txt", "old_string": "not there", "new_string": "x"}),
        )
    };
    let server = MockServer::start(vec![
        plan_turn("Append", &[("1", "Append a line")]),
        append(1),
        bad(),
        bad(),
        bad(),
        // The resumed attempt of the step, from scratch.
        append(1),
        Turn::text("appended"),
    ])
    .await
    .unwrap();
    let p = project(&server);
    let out = p
        .run_env(
            &["run", "--yes", "--json", "append lines"],
            &[("CHAMBER_AGENT__MAX_REPLANS", "0")],
        )
        .await;
    assert_ne!(out.code, 0, "{}", out.dump());
    let id = only_run(&p).await;
    assert_eq!(p.read("log.txt").as_deref(), Some("line 1\n<<end>>\n"));
    let env = resume(&p, &id).await;
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(
        p.read("log.txt").as_deref(),
        Some("line 1\n<<end>>\n"),
        "the step's first edit was applied again on top of itself"
    );
    let (_, events) = p.show(&id).await;
    let restored = events
        .iter()
        .find(|e| e["type"] == "step_restored")
        .expect("step_restored");
    assert_eq!(restored["reason"], "resume");
    assert_eq!(restored["files"], json!(["log.txt"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_missing_from_events_jsonl_is_caught_up_on_resume() {
    let server = MockServer::start(vec![
        plan_turn("Count", &[("1", "Append to count.txt")]),
        Turn::call("shell", json!({"command": "echo x >> count.txt"})),
        Turn::text("counted"),
    ])
    .await
    .unwrap();
    let p = project(&server);
    // In the database, not yet in the file.
    let id = run_until_failpoint(&p, "between:tool_finished:1").await;
    let (_, db) = p.show(&id).await;
    let file = p.events_file(&id);
    assert_eq!(file.len() + 1, db.len());
    resume(&p, &id).await;
    let (_, db) = p.show(&id).await;
    let file = p.events_file(&id);
    assert_eq!(seqs(&file), seqs(&db));
    assert_eq!(seqs(&db), (1..=db.len() as u64).collect::<Vec<_>>());
    assert_eq!(p.read("count.txt").as_deref(), Some("x\n"));
}
