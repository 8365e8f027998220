//! Run budgets: tokens, cost and time stop a run cleanly (exit 12) with a report saying
//! what was done and how to go on; `chamber resume` with a larger budget finishes it.

use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::all_of;
use crate::suite::harness::{Project, first_of, plan_turn, run_id, types};

/// The position of the first event of `kind`.
fn position(events: &[Value], kind: &str) -> usize {
    events
        .iter()
        .position(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} among {:?}", types(events)))
}

/// Tokens: 40% after planning, 80% after the first call (a warning), step 1 done at 90%,
/// then the next answer passes the limit before its call runs. Resuming with a larger
/// budget runs that call and finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_budget_stops_cleanly_and_resume_with_more_finishes() {
    let big: String = (0..400).map(|i| format!("line {i}\n")).collect();
    let server = MockServer::start(vec![
        plan_turn(
            "Two files",
            &[("1", "Create big.txt"), ("2", "Create small.txt")],
        )
        .with_usage(300, 100),
        Turn::call("write_file", json!({"path": "big.txt", "content": big})).with_usage(300, 100),
        Turn::text("Created big.txt.").with_usage(50, 50),
        Turn::call(
            "write_file",
            json!({"path": "small.txt", "content": "small\n"}),
        )
        .with_usage(100, 100),
        // For `chamber resume`.
        Turn::text("Created small.txt.").with_usage(10, 10),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());

    let out = p
        .run(&[
            "run",
            "--yes",
            "--json",
            "--budget-tokens",
            "1000",
            "two files",
        ])
        .await;
    out.assert_code(12);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "budget_exceeded", "{env}");
    assert_eq!(env["meta"]["exit_code"], 12);
    let id = run_id(&env);
    let summary = env["payload"]["summary"].as_str().unwrap();
    assert!(summary.contains("tokens budget"), "{summary}");
    assert!(summary.contains("1100 tokens of 1000 tokens"), "{summary}");
    assert!(summary.contains("Steps finished: 1."), "{summary}");
    assert!(
        summary.contains(&format!("chamber resume {id} --budget-tokens")),
        "{summary}"
    );
    assert_eq!(server.remaining(), 1, "nothing is asked after the stop");
    // What was done is whole; the call of the answer that passed the limit did not run.
    assert_eq!(p.read("big.txt").as_deref(), Some(big.as_str()));
    assert_eq!(p.read("small.txt"), None);
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "initial");
    assert!(p.git_ok(&["status", "--porcelain"]).contains("big.txt"));

    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "budget_exceeded");
    let warning = first_of(&events, "budget_warning");
    assert_eq!(
        (&warning["resource"], &warning["used"], &warning["limit"]),
        (&json!("tokens"), &json!(800.0), &json!(1000.0))
    );
    let exceeded = first_of(&events, "budget_exceeded");
    assert_eq!(
        (&exceeded["resource"], &exceeded["used"], &exceeded["limit"]),
        (&json!("tokens"), &json!(1100.0), &json!(1000.0))
    );
    let kinds = types(&events);
    assert!(
        position(&events, "budget_warning") < position(&events, "budget_exceeded"),
        "{kinds:?}"
    );
    // The warning came after the second answer, before its file was written.
    assert!(
        position(&events, "budget_warning") < position(&events, "tool_started"),
        "{kinds:?}"
    );
    assert_eq!(
        all_of(&events, "budget_warning").len(),
        1,
        "warned once: {kinds:?}"
    );
    assert_eq!(
        first_of(&events, "run_finished")["status"],
        "budget_exceeded"
    );
    assert_eq!(all_of(&events, "tool_started").len(), 1, "{kinds:?}");
    assert_eq!(all_of(&events, "budget_exceeded").len(), 1, "{kinds:?}");

    // The same budget again would stop at once; a larger one finishes the run.
    let before = server.requests().len();
    let out = p
        .run(&[
            "resume",
            &id,
            "--yes",
            "--json",
            "--budget-tokens",
            "1000000",
        ])
        .await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["status"], "completed");
    assert_eq!(server.remaining(), 0);
    assert_eq!(
        server.requests().len(),
        before + 1,
        "the recorded call runs without asking again"
    );
    assert_eq!(p.read("small.txt").as_deref(), Some("small\n"));
    assert_eq!(p.read("big.txt").as_deref(), Some(big.as_str()));
    let stat = p.git_ok(&["show", "--stat", "HEAD"]);
    assert!(
        stat.contains("big.txt") && stat.contains("small.txt"),
        "{stat}"
    );
    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(first_of(&events, "run_resumed")["from_step"], "2");
    assert_eq!(
        run["prompt_tokens"].as_u64().unwrap() + run["completion_tokens"].as_u64().unwrap(),
        1120
    );
}

/// Cost: gpt-4o-mini at $0.15/$0.60 per million; 20k in + 5k out costs $0.006 a turn, so
/// the second turn passes a $0.01 budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_budget_stops_the_run() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]).with_usage(20_000, 5_000),
        Turn::call("write_file", json!({"path": "notes.txt", "content": "n\n"}))
            .with_usage(20_000, 5_000),
        Turn::text("never asked"),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&[
            "run",
            "--yes",
            "--json",
            "--model",
            "gpt-4o-mini",
            "--budget-cost",
            "0.01",
            "add notes",
        ])
        .await;
    out.assert_code(12);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "budget_exceeded", "{env}");
    let cost = env["payload"]["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.012).abs() < 1e-9, "{env}");
    let summary = env["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("cost budget") && summary.contains("--budget-cost"),
        "{summary}"
    );
    assert!(summary.contains("No step was finished."), "{summary}");
    assert_eq!(server.remaining(), 1);
    assert_eq!(
        p.read("notes.txt"),
        None,
        "the call past the budget did not run"
    );

    let (_, events) = p.show(&run_id(&env)).await;
    assert_eq!(all_of(&events, "budget_exceeded").len(), 1);
    let exceeded = first_of(&events, "budget_exceeded");
    assert_eq!(exceeded["resource"], "cost");
    assert_eq!(exceeded["limit"], 0.01);
    assert!(
        (exceeded["used"].as_f64().unwrap() - 0.012).abs() < 1e-9,
        "{exceeded}"
    );
    for t in all_of(&events, "model_turn") {
        assert!(
            (t["cost_usd"].as_f64().unwrap() - 0.006).abs() < 1e-9,
            "{t}"
        );
    }
    // `[budget]` in config works the same way as the flag.
    let server2 = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]).with_usage(100_000, 0),
    ])
    .await
    .unwrap();
    let q = Project::git(&server2.base_url());
    q.write(".chamber/config.toml", "[budget]\ncost_usd = 0.01\n");
    let out = q.run(&["run", "--yes", "--json", "add notes"]).await;
    out.assert_code(12);
    let (_, events) = q.show(&run_id(&out.envelope())).await;
    assert_eq!(first_of(&events, "budget_exceeded")["resource"], "cost");
}

/// Time: the model takes 3 s to answer a run allowed 1 s; the run stops at the limit, not
/// after the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_budget_stops_a_slow_model_at_the_limit() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]).with_delay(3_000),
        // For `chamber resume` with more time.
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::call("write_file", json!({"path": "notes.txt", "content": "n\n"})),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let started = Instant::now();
    let out = p
        .run(&["run", "--yes", "--json", "--budget-time", "1s", "add notes"])
        .await;
    let took = started.elapsed();
    out.assert_code(12);
    // Loose bound: it must not have waited the 3 s out.
    assert!(took < Duration::from_millis(2_500), "took {took:?}");
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "budget_exceeded", "{env}");
    assert!(
        env["payload"]["summary"]
            .as_str()
            .unwrap()
            .contains("--budget-time"),
        "{env}"
    );
    let (run, events) = p.show(&run_id(&env)).await;
    assert_eq!(run["status"], "budget_exceeded");
    let exceeded = first_of(&events, "budget_exceeded");
    assert_eq!(exceeded["resource"], "time");
    assert_eq!(exceeded["limit"], 1.0);
    assert!(exceeded["used"].as_f64().unwrap() >= 1.0, "{exceeded}");
    assert!(
        all_of(&events, "model_turn").is_empty(),
        "{:?}",
        types(&events)
    );
    assert_eq!(all_of(&events, "budget_exceeded").len(), 1);
    assert_eq!(server.requests().len(), 1);

    // Time counts per invocation: a resume with a minute plans again and finishes.
    let out = p
        .run(&[
            "resume",
            &run_id(&env),
            "--yes",
            "--json",
            "--budget-time",
            "1m",
        ])
        .await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["status"], "completed");
    assert_eq!(p.read("notes.txt").as_deref(), Some("n\n"));
    let (_, events) = p.show(&run_id(&env)).await;
    assert_eq!(first_of(&events, "run_resumed")["from_step"], "planning");
}

/// Gemini sends no call ids. A call left pending at a budget stop must still run on
/// resume: results are matched per turn, and generated ids never repeat within a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_pending_call_runs_on_resume_despite_a_repeated_call_id() {
    let server = MockServer::start(vec![
        plan_turn("Two files", &[("1", "Create a.txt"), ("2", "Create b.txt")])
            .with_usage(100, 100),
        Turn::call("write_file", json!({"path": "a.txt", "content": "a\n"})).with_usage(100, 100),
        Turn::text("Created a.txt.").with_usage(100, 100),
        Turn::call("write_file", json!({"path": "b.txt", "content": "b\n"})).with_usage(300, 100),
        Turn::text("Created b.txt.").with_usage(10, 10),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let env = super::provider_env(&server);
    let out = p
        .run_env(
            &[
                "run",
                "--yes",
                "--json",
                "--provider",
                "gemini",
                "--budget-tokens",
                "1000",
                "two files",
            ],
            &env,
        )
        .await;
    out.assert_code(12);
    let id = run_id(&out.envelope());
    assert_eq!(p.read("a.txt").as_deref(), Some("a\n"));
    assert_eq!(p.read("b.txt"), None);
    let (_, events) = p.show(&id).await;
    let ids: Vec<&Value> = all_of(&events, "model_turn")
        .iter()
        .filter_map(|t| t["tool_calls"].get(0).map(|c| &c["id"]))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(
        ids[0], ids[1],
        "generated call ids must not repeat in a run"
    );

    let out = p
        .run_env(
            &[
                // No --provider: resume stays on the provider the run started with,
                // although OPENAI_* is in the environment too.
                "resume",
                &id,
                "--yes",
                "--json",
                "--budget-tokens",
                "1000000",
            ],
            &env,
        )
        .await;
    out.assert_code(0);
    let b_txt = p.read("b.txt");
    let last = server.requests().pop().unwrap();
    assert_eq!(
        last.path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    );
    let results: Vec<Value> = super::nested(&last.body, "contents", "parts")
        .into_iter()
        .filter_map(|p| p.get("functionResponse").cloned())
        .collect();
    let text = results.last().unwrap()["response"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("b.txt"),
        "step 2 is told about a.txt instead: {text}"
    );
    assert_eq!(b_txt.as_deref(), Some("b\n"), "the pending call never ran");
}

/// Issue 15, defect 4: `resume` without budget flags keeps the run's own
/// budget (it used to forget it and run unlimited); the human budget lines
/// print tokens as whole tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_without_flags_keeps_the_runs_budget() {
    let big: String = (0..400).map(|i| format!("line {i}\n")).collect();
    let server = MockServer::start(vec![
        plan_turn(
            "Two files",
            &[("1", "Create big.txt"), ("2", "Create small.txt")],
        )
        .with_usage(300, 100),
        Turn::call("write_file", json!({"path": "big.txt", "content": big})).with_usage(300, 100),
        Turn::text("Created big.txt.").with_usage(50, 50),
        Turn::call(
            "write_file",
            json!({"path": "small.txt", "content": "small\n"}),
        )
        .with_usage(100, 100),
        Turn::text("Created small.txt.").with_usage(10, 10),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--budget-tokens", "1000", "two files"])
        .await;
    out.assert_code(12);
    assert!(
        out.stdout.contains("(800 of 1000 tokens)") && !out.stdout.contains(".0000 of"),
        "{}",
        out.dump()
    );
    assert!(out.stdout.contains("1100 of 1000 tokens"), "{}", out.dump());
    let list = p.run(&["runs", "list", "--json"]).await;
    let id = list.envelope()["payload"]["runs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // No flags: the run's 1,000 tokens still hold, so it stops again at once.
    let out = p.run(&["resume", &id, "--yes", "--json"]).await;
    out.assert_code(12);
    assert_eq!(out.envelope()["payload"]["status"], "budget_exceeded");
    assert_eq!(p.read("small.txt"), None);
    assert_eq!(server.remaining(), 1, "nothing was asked");

    // A larger budget continues; it is then the run's budget.
    let out = p
        .run(&["resume", &id, "--yes", "--json", "--budget-tokens", "5000"])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("small.txt").as_deref(), Some("small\n"));
}

/// Issue 15, defect 4: a cost budget on a model without a known price says
/// that the cost cannot be measured (an event and a line), and the summary
/// says the cost is unknown instead of printing `$0.0000`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cost_budget_on_an_unpriced_model_warns() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]).with_usage(100, 10),
        Turn::call("write_file", json!({"path": "notes.txt", "content": "n\n"}))
            .with_usage(100, 10),
        Turn::text("Created notes.txt.").with_usage(100, 10),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run(&[
            "run",
            "--yes",
            "--model",
            "unpriced-model-x",
            "--budget-cost",
            "0.50",
            "add notes",
        ])
        .await;
    out.assert_code(0);
    assert!(
        out.stdout.contains("cost cannot be measured"),
        "no warning:\n{}",
        out.dump()
    );
    assert!(!out.stdout.contains("$0.0000"), "{}", out.dump());
    assert!(out.stdout.contains("cost unknown"), "{}", out.dump());
    let list = p.run(&["runs", "list", "--json"]).await;
    let id = list.envelope()["payload"]["runs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, events) = p.show(&id).await;
    let warning = first_of(&events, "budget_unmeasured");
    assert_eq!(warning["resource"], "cost", "{warning}");
    assert_eq!(warning["model"], "unpriced-model-x", "{warning}");
}
