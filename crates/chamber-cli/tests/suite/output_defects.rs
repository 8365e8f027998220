//! What a careful new user saw (issue 15, defect 7): colour at approval
//! prompts despite `NO_COLOR`, an empty `VISUAL` breaking plan editing,
//! `init -q` printing, full-auto claiming `--yes`, `runs show` cutting
//! events and hiding tool output, and `runs list`/`status` mixing projects.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, Run, first_of, plan_turn, run_id};

/// Plan, write hello.txt, summary.
fn hello_turns() -> Vec<Turn> {
    vec![
        plan_turn("Add hello", &[("1", "Create hello.txt")]),
        Turn::call(
            "write_file",
            json!({"path": "hello.txt", "content": "hi\n"}),
        ),
        Turn::text("Created hello.txt."),
    ]
}

/// Runs a command in `p` with `--prompt`, answering `input` on stdin.
async fn prompted(p: &Project, args: &[&str], input: &str, env: &[(&str, &str)]) -> Run {
    p.run_input_env(args, input, env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_prompts_honour_no_color() {
    let server = MockServer::start(hello_turns()).await.unwrap();
    let p = Project::git(&server.base_url());
    // The harness sets NO_COLOR=1.
    let out = prompted(&p, &["run", "--prompt", "add hello"], "y\ny\n", &[]).await;
    out.assert_code(0);
    assert!(out.stderr.contains("Approve this plan?"), "{}", out.dump());
    assert!(
        !out.stderr.contains('\u{1b}') && !out.stdout.contains('\u{1b}'),
        "escape codes despite NO_COLOR:\n{}",
        out.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_visual_falls_back_to_editor() {
    let server = MockServer::start(hello_turns()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = prompted(
        &p,
        &["run", "--prompt", "--json", "add hello"],
        "e\ny\ny\n",
        &[
            ("VISUAL", ""),
            ("EDITOR", "sed -i s/hello[.]txt/hello-edited.txt/"),
        ],
    )
    .await;
    out.assert_code(0);
    assert!(!out.stderr.contains("edit not used"), "{}", out.dump());
    let approved = first_of(&out.events(), "plan_approved").clone();
    assert_eq!(
        approved["plan"]["steps"][0]["title"], "Create hello-edited.txt",
        "{approved}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_quiet_prints_nothing() {
    let p = Project::git(NO_MODEL);
    let out = p.run(&["init", "-q"]).await;
    out.assert_code(0);
    assert_eq!(out.stdout, "", "{}", out.dump());
    assert!(p.path().join(".chamber/config.toml").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_auto_does_not_claim_yes() {
    let server = MockServer::start(hello_turns()).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--mode", "full-auto", "--json", "add hello"])
        .await;
    out.assert_code(0);
    let by = first_of(&out.events(), "plan_approved")["by"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!by.contains("--yes"), "{by}");
    assert!(by.contains("full-auto"), "{by}");
    let out = p.run(&["runs", "show", &run_id(&out.envelope())]).await;
    assert!(!out.stdout.contains("(--yes)"), "{}", out.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_show_keeps_whole_events_and_tool_output() {
    let long = format!("Echoed the marker. {}", "All good here. ".repeat(20));
    let server = MockServer::start(vec![
        plan_turn("Echo", &[("1", "Echo a marker")]),
        Turn::call("shell", json!({"command": "echo tool-output-marker-42"})),
        Turn::text(long.clone()),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["run", "--yes", "--json", "echo"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let show = p.run(&["runs", "show", &id]).await;
    show.assert_code(0);
    assert!(
        show.stdout.contains("tool-output-marker-42"),
        "tool output missing:\n{}",
        show.dump()
    );
    assert!(
        show.stdout.contains(long.trim_end()),
        "step summary cut:\n{}",
        show.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_list_and_status_stay_in_their_project() {
    let server = MockServer::start(vec![
        plan_turn("Here", &[("1", "A step here")]),
        plan_turn("Elsewhere", &[("1", "A step elsewhere")]),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.run(&["plan", "--json", "here"]).await.assert_code(0);
    let other = tempfile::Builder::new()
        .prefix("chamber-e2e-other-")
        .tempdir()
        .unwrap();
    let other_root = other.path().canonicalize().unwrap();
    std::fs::create_dir_all(other_root.join(".chamber")).unwrap();
    let out = Run::from_command(p.cmd_in(&other_root, &["plan", "--json", "elsewhere"])).await;
    out.assert_code(0);

    let prompts = |env: &Value, key: &str| -> Vec<String> {
        env["payload"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["prompt"].as_str().unwrap().to_string())
            .collect()
    };
    let list = p.run(&["runs", "list", "--json"]).await;
    list.assert_code(0);
    assert_eq!(prompts(&list.envelope(), "runs"), ["here"]);
    let status = p.run(&["status", "--json"]).await;
    status.assert_code(0);
    assert_eq!(prompts(&status.envelope(), "recent_runs"), ["here"]);

    let all = p.run(&["runs", "list", "--all", "--json"]).await;
    all.assert_code(0);
    let mut both = prompts(&all.envelope(), "runs");
    both.sort();
    assert_eq!(both, ["elsewhere", "here"]);
    let human = p.run(&["runs", "list", "--all"]).await;
    human.assert_code(0);
    assert!(
        human.stdout.contains(&other_root.display().to_string())
            && human.stdout.contains(&p.path().display().to_string()),
        "no project column:\n{}",
        human.dump()
    );
}
