//! `base_branch`: a task's branch starts from the branch it names instead
//! of the checkout's HEAD, through the HTTP API and `chamber task submit`;
//! a base the repository does not have is refused at submit, queueing
//! nothing.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{Project, plan_turn};
use super::service_harness::{call, http, metrics_text, serve, token, wait_task};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_starts_from_its_base_branch_and_an_unknown_base_is_refused() {
    let script = vec![
        plan_turn("Note it", &[("1", "Append a line")]),
        Turn::call("shell", json!({"command": "echo done >> notes.txt"})),
        Turn::text("Appended."),
    ];
    let mock = MockServer::start(script).await.unwrap();
    let p = Project::git(&mock.base_url());
    // A branch with a file main lacks; the checkout stays on main.
    p.git_ok(&["checkout", "-q", "-b", "feature"]);
    p.write("feature.txt", "from feature\n");
    p.git_ok(&["add", "feature.txt"]);
    p.git_ok(&["commit", "-q", "-m", "feature work"]);
    p.git_ok(&["checkout", "-q", "main"]);
    let t = token(&p, "ci", "write").await;
    let s = serve(&p, &["--workers", "1"], &[]);
    let submit = |base: &str| {
        http()
            .post(format!("{}/v1/tasks", s.base))
            .bearer_auth(&t)
            .json(&json!({
                "prompt": "note it",
                "repo": p.path(),
                "base_branch": base,
                "constraints": {"approval_mode": "full-auto", "auto_approve": true},
            }))
    };

    let (code, body) = call(submit("no-such-branch")).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "unknown_base_branch", "{body}");
    let (_, listed) = call(http().get(format!("{}/v1/tasks", s.base)).bearer_auth(&t)).await;
    assert_eq!(
        listed["payload"]["tasks"].as_array().map(Vec::len),
        Some(0),
        "nothing queued: {listed}"
    );

    let (code, body) = call(submit("feature")).await;
    assert_eq!(code, 201, "{body}");
    let id = body["payload"]["id"].as_str().unwrap().to_string();
    let task = wait_task(&s, &t, &id, |t| t["state"] == "completed").await;
    let run_id = task["run_id"].as_str().unwrap();
    let branch = format!("chamber/{}", &run_id[..8]);
    assert_eq!(
        p.git_ok(&["show", &format!("{branch}:feature.txt")]),
        "from feature",
        "the task's branch grew from feature"
    );
    assert_eq!(p.git_ok(&["show", &format!("{branch}:notes.txt")]), "done");
    p.git_ok(&["merge-base", "--is-ancestor", "feature", &branch]);
    assert_eq!(
        p.git_ok(&["branch", "--show-current"]),
        "main",
        "checkout untouched"
    );
    // The embedded worker timed the run's phases.
    let metrics = metrics_text(&s).await;
    for phase in ["plan", "step", "tool", "model"] {
        let line = format!("chamber_phase_duration_seconds_count{{phase=\"{phase}\"}}");
        let count = metrics
            .lines()
            .find_map(|l| l.strip_prefix(line.as_str()))
            .and_then(|rest| rest.trim().parse::<u64>().ok());
        assert!(count.is_some_and(|n| n >= 1), "{phase}: {metrics}");
    }
    s.stop();

    // The CLI's local queue refuses the same way, before queueing.
    let out = p
        .run(&["--json", "task", "submit", "--base-branch", "nope", "x"])
        .await;
    assert_eq!(out.code, 5, "{}", out.dump());
    assert_eq!(out.envelope()["error"]["code"], "unknown_base_branch");
}
