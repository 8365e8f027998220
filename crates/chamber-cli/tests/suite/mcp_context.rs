//! MCP around runs, through the real binary against server-everything:
//! a server's prompt as the task template and its resources as context,
//! `chamber doctor` starting each server, and `chamber status` showing
//! what the latest run saw.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{Project, plan_turn, run_id};
use super::mcp_client::{configure, everything, payload};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_prompt_is_a_task_template_and_resources_are_context() {
    let Some(script) = everything() else { return };
    let server = MockServer::start(vec![plan_turn("Weather", &[("1", "Look it up")])])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, &script, "");
    let out = p
        .run(&[
            "plan",
            "--json",
            "--mcp-prompt",
            "everything:args-prompt",
            "--mcp-arg",
            "city=Paris",
            "--mcp-resource",
            "everything:demo://resource/static/document/startup.md",
            "then write it down",
        ])
        .await;
    out.assert_code(0);
    let requests = server.requests();
    let sent = requests[0].body.to_string();
    assert!(sent.contains("Paris"), "the prompt was filled: {sent}");
    assert!(sent.contains("then write it down"), "{sent}");
    assert!(
        sent.contains("Context from the MCP resource demo://resource/static/document/startup.md"),
        "{sent}"
    );
    // A server that is not configured is a clear error before any model call.
    let bad = p
        .run(&["plan", "--json", "--mcp-resource", "nowhere:x://y", "task"])
        .await;
    bad.assert_code(5);
    assert!(
        bad.envelope()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{}",
        bad.dump()
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_starts_each_server_and_status_shows_what_the_last_run_saw() {
    let Some(script) = everything() else { return };
    let server = MockServer::start(vec![
        plan_turn("Echo", &[("1", "Echo")]),
        Turn::call("mcp__everything__echo", json!({"message": "x"})),
        Turn::text("Done."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(
        &p,
        &script,
        "[mcp.servers.stuck]\ncommand = \"sleep\"\nargs = [\"600\"]\nstartup_timeout_secs = 2\n",
    );
    let doctor = p.run(&["doctor", "--json"]).await;
    let mcp = doctor.envelope()["payload"]["mcp"].clone();
    let state = |name: &str| {
        mcp.as_array()
            .unwrap_or_else(|| panic!("{}", doctor.dump()))
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{mcp}"))
    };
    assert_eq!(state("everything")["state"], "ok", "{mcp}");
    assert_eq!(state("stuck")["state"], "fail", "{mcp}");
    assert!(
        state("stuck")["detail"].as_str().unwrap().contains("2 s"),
        "{mcp}"
    );

    let out = p.run(&["run", "--yes", "--json", "echo x"]).await;
    out.assert_code(0);
    let status = payload(&p.run(&["status", "--json"]).await);
    let rows = status["mcp_servers"].as_array().unwrap();
    let everything = rows.iter().find(|r| r["name"] == "everything").unwrap();
    assert_eq!(everything["state"], "ready", "{status}");
    assert_eq!(everything["run_id"], run_id(&out.envelope()).as_str());
    // The run did not wait for the hanging server: it was still starting
    // (or had just failed) when the run ended.
    let stuck = rows.iter().find(|r| r["name"] == "stuck").unwrap();
    assert!(
        stuck["state"] == "starting" || stuck["state"] == "failed",
        "{status}"
    );
}
