//! Parallel plan branches through `chamber run`: two steps that depend on
//! nothing run at the same time, each in its own worktree, and are merged
//! back; a pair that changes the same line falls back, and the later step
//! runs again on top of the merged result.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::{Value, json};

use super::harness::{Project, messages, run_id};

const ALPHA: &str = "Mark the notes for alpha";
const BETA: &str = "Mark the notes for beta";
const CHECK: &str = "Check the notes";

fn text(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

fn plan() -> Turn {
    let step = |id: &str, title: &str, kind: &str, deps: &[&str]| {
        json!({"id": id, "title": title, "detail": format!("Do this: {title}"),
               "kind": kind, "depends_on": deps})
    };
    Turn::text(
        json!({"title": "Mark the notes", "steps": [
            step("1", ALPHA, "edit", &[]),
            step("2", BETA, "edit", &[]),
            step("3", CHECK, "analyze", &["1", "2"]),
        ]})
        .to_string(),
    )
}

/// The step a request works on.
fn step_of(body: &Value) -> Option<&'static str> {
    let msgs = body["messages"].as_array()?;
    let users: String = msgs
        .iter()
        .filter(|m| m["role"] == "user")
        .map(text)
        .collect();
    [ALPHA, BETA, CHECK]
        .into_iter()
        .find(|s| users.contains(&format!("CURRENT STEP: {s}")))
}

/// A model that edits `notes.txt` once per step: `alpha_line`/`beta_line`
/// name the line each step rewrites.
fn responder(alpha_line: &'static str, beta_line: &'static str) -> impl Fn(&Value) -> Turn {
    move |body: &Value| {
        let msgs = body["messages"].as_array().cloned().unwrap_or_default();
        if msgs
            .first()
            .is_some_and(|m| text(m).starts_with("You are the planner"))
        {
            return plan();
        }
        let results = msgs.iter().filter(|m| m["role"] == "tool").count();
        let Some(step) = step_of(body) else {
            return Turn::text("ok");
        };
        if results > 0 {
            return Turn::text(format!("{step}: done"));
        }
        let (line, tag) = match step {
            ALPHA => (alpha_line, "alpha"),
            BETA => (beta_line, "beta"),
            _ => return Turn::call("read_file", json!({"path": "notes.txt"})),
        };
        Turn::call(
            "edit_file",
            json!({"path": "notes.txt", "old_string": line, "new_string": format!("{line} {tag}")}),
        )
    }
}

fn project(server: &MockServer) -> Project {
    let p = Project::git(&server.base_url());
    let notes: String = ["top", "one", "two", "three", "four", "five", "bottom"]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    p.write("notes.txt", &notes);
    p.git_ok(&["add", "notes.txt"]);
    p.git_ok(&["commit", "-q", "-m", "notes"]);
    p
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// Index of the first request of `step` with `results` tool results.
fn request_at(requests: &[RecordedRequest], step: &str, results: usize) -> Option<usize> {
    requests.iter().position(|r| {
        step_of(&r.body) == Some(step)
            && messages(r).iter().filter(|m| m["role"] == "tool").count() == results
    })
}

/// A completed `chamber run` on a fresh project with the model marking
/// those lines, and its events.
async fn marked_run(
    alpha_line: &'static str,
    beta_line: &'static str,
) -> (MockServer, Project, super::harness::Run, Vec<Value>) {
    let server = MockServer::start_responder(Arc::new(responder(alpha_line, beta_line)))
        .await
        .unwrap();
    let p = project(&server);
    let run = p.run(&["--json", "run", "--yes", "mark the notes"]).await;
    run.assert_code(0);
    let id = run_id(&run.envelope());
    let (_, events) = p.show(&id).await;
    (server, p, run, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn independent_steps_run_at_once_in_worktrees_and_merge() {
    let (server, p, run, events) = marked_run("top", "bottom").await;

    let parallel = of_type(&events, "steps_parallel");
    assert_eq!(parallel.len(), 1, "{}", run.dump());
    assert_eq!(parallel[0]["step_ids"], json!(["1", "2"]));
    let merged = of_type(&events, "step_merged");
    assert_eq!(merged.len(), 2, "{merged:?}");
    assert!(merged.iter().all(|m| m["merged"] == true), "{merged:?}");

    // Both ran at once: step 2 asked the model before step 1 went on
    // with its edit's result.
    let requests = server.requests();
    let beta_first = request_at(&requests, BETA, 0).expect("step 2 asked");
    let alpha_second = request_at(&requests, ALPHA, 1).expect("step 1 went on");
    assert!(
        beta_first < alpha_second,
        "the steps ran one after the other"
    );

    // Both edits are in the tree and in the commit; the worktrees are gone.
    let want = "top alpha\none\ntwo\nthree\nfour\nfive\nbottom beta\n";
    assert_eq!(p.read("notes.txt").as_deref(), Some(want));
    assert_eq!(
        p.git_ok(&["show", "HEAD:notes.txt"]).trim_end(),
        want.trim_end()
    );
    assert_eq!(p.git_ok(&["worktree", "list"]).lines().count(), 1);
    // Step 3, which depends on both, ran after them in the run's tree.
    let completed: Vec<&str> = of_type(&events, "step_completed")
        .iter()
        .filter_map(|e| e["step_id"].as_str())
        .collect();
    assert_eq!(completed, ["1", "2", "3"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflicting_step_runs_again_on_top_of_the_merge() {
    let (_server, p, run, events) = marked_run("two", "two").await;

    let merged = of_type(&events, "step_merged");
    assert_eq!(merged.len(), 2, "{}", run.dump());
    assert_eq!(merged[0]["merged"], true);
    assert_eq!(merged[1]["step_id"], "2");
    assert_eq!(merged[1]["merged"], false);
    assert!(
        merged[1]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("notes.txt"),
        "{}",
        merged[1]
    );
    // Step 2 started twice: in its worktree, then alone on top.
    let starts = of_type(&events, "step_started")
        .iter()
        .filter(|e| e["step_id"] == "2")
        .count();
    assert_eq!(starts, 2);
    // The end is correct: both marks, each once, committed.
    let notes = p.read("notes.txt").unwrap_or_default();
    let line = notes.lines().nth(2).unwrap_or_default().to_string();
    assert!(line.contains("alpha") && line.contains("beta"), "{notes}");
    assert_eq!(notes.matches("alpha").count(), 1, "{notes}");
    assert_eq!(notes.matches("beta").count(), 1, "{notes}");
    assert_eq!(
        p.git_ok(&["show", "HEAD:notes.txt"]).trim_end(),
        notes.trim_end()
    );
    assert_eq!(p.git_ok(&["worktree", "list"]).lines().count(), 1);
}

/// Killed at each moment of a merge (recorded, files not written; written,
/// step not completed), `resume` ends exactly as an uninterrupted run:
/// each mark once, both steps done once, committed.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_mid_merge_resumes_to_the_exact_end() {
    let server = MockServer::start_responder(Arc::new(responder("top", "bottom")))
        .await
        .unwrap();
    for failpoint in [
        "after:step_merged:1",
        "before:step_completed:1",
        "after:step_merged:2",
    ] {
        let p = project(&server);
        let out = p
            .run_env(
                &["run", "--yes", "mark the notes"],
                &[("CHAMBER_FAILPOINT", failpoint)],
            )
            .await;
        assert_eq!(out.code, -1, "{failpoint}: not killed\n{}", out.dump());
        let list = p.run(&["--json", "runs", "list"]).await;
        let id = list.envelope()["payload"]["runs"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let resumed = p.run(&["--json", "resume", &id, "--yes"]).await;
        resumed.assert_code(0);
        let want = "top alpha\none\ntwo\nthree\nfour\nfive\nbottom beta\n";
        assert_eq!(
            p.read("notes.txt").as_deref(),
            Some(want),
            "{failpoint}\n{}",
            resumed.dump()
        );
        assert_eq!(
            p.git_ok(&["show", "HEAD:notes.txt"]).trim_end(),
            want.trim_end(),
            "{failpoint}"
        );
        let (_, events) = p.show(&id).await;
        let mut completed: Vec<&str> = of_type(&events, "step_completed")
            .iter()
            .filter_map(|e| e["step_id"].as_str())
            .collect();
        completed.sort_unstable();
        assert_eq!(
            completed,
            ["1", "2", "3"],
            "{failpoint}: each step done once"
        );
        assert_eq!(
            p.git_ok(&["worktree", "list"]).lines().count(),
            1,
            "{failpoint}"
        );
    }
}
