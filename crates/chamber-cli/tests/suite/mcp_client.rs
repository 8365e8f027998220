//! Chamber as an MCP client, through the real binary against real MCP
//! servers from npm (`scripts/mcp_servers.sh` installs them into
//! `CHAMBER_TEST_NPM`): `chamber mcp add/list/test/remove` over stdio and
//! Streamable HTTP, and runs whose model calls MCP tools (progress, policy,
//! undo). `CHAMBER_REQUIRE_MCP_SERVERS=1` (CI) makes a missing install a
//! failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, plan_turn, run_id, tool_text_with, types};

/// A file of an npm package installed for the tests, or `None` (skip).
pub(super) fn npm_file(rel: &str) -> Option<PathBuf> {
    let file = std::env::var_os("CHAMBER_TEST_NPM")
        .map(|d| PathBuf::from(d).join("node_modules").join(rel));
    match file {
        Some(f) if f.exists() => Some(f),
        _ => {
            assert!(
                std::env::var("CHAMBER_REQUIRE_MCP_SERVERS").is_err(),
                "CHAMBER_REQUIRE_MCP_SERVERS is set but CHAMBER_TEST_NPM lacks {rel} (run scripts/mcp_servers.sh)"
            );
            eprintln!(
                "skipping: {rel} is not installed (run scripts/mcp_servers.sh, set CHAMBER_TEST_NPM)"
            );
            None
        }
    }
}

/// server-everything's entry point.
pub(super) fn everything() -> Option<PathBuf> {
    npm_file("@modelcontextprotocol/server-everything/dist/index.js")
}

/// A free port on 127.0.0.1.
pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub(super) fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// server-everything over Streamable HTTP, killed on drop.
struct HttpEverything(Child);

impl Drop for HttpEverything {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_everything(script: &std::path::Path) -> (HttpEverything, u16) {
    let port = free_port();
    let child = Command::new("node")
        .arg(script)
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    (HttpEverything(child), port)
}

/// The project's `.chamber/config.toml` with server-everything over stdio
/// (and anything in `more`), trusted with `chamber mcp trust`.
pub(super) fn configure(p: &Project, script: &std::path::Path, more: &str) {
    configure_untrusted(p, script, more);
    let trusted = p.cmd(&["mcp", "trust", "--json"]).output().unwrap();
    assert!(trusted.status.success(), "{trusted:?}");
}

/// [`configure`] without trusting the project's servers.
fn configure_untrusted(p: &Project, script: &std::path::Path, more: &str) {
    p.write(
        ".chamber/config.toml",
        &format!(
            "[mcp.servers.everything]\ncommand = \"node\"\nargs = [{:?}, \"stdio\"]\n{more}",
            script.display().to_string()
        ),
    );
}

#[track_caller]
pub(super) fn payload(out: &super::harness::Run) -> Value {
    out.assert_code(0);
    out.envelope()["payload"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_servers_are_added_listed_tested_and_removed_over_stdio_and_http() {
    let Some(script) = everything() else { return };
    let p = Project::git(NO_MODEL);
    let script_arg = script.display().to_string();
    payload(
        &p.run(&[
            "mcp",
            "add",
            "everything",
            "--json",
            "--read-only",
            "echo",
            "--env-allow",
            "GITHUB_TOKEN",
            "--",
            "node",
            &script_arg,
            "stdio",
        ])
        .await,
    );
    let listed = payload(&p.run(&["mcp", "list", "--json"]).await);
    let row = &listed["servers"][0];
    assert_eq!(row["name"], "everything", "{listed}");
    assert_eq!(row["transport"], "stdio");
    assert_eq!(row["source"], "user", "{listed}");
    let user_file = p
        .data_dir()
        .parent()
        .unwrap()
        .join("config/chamber/config.toml");
    let written = std::fs::read_to_string(&user_file).unwrap();
    assert!(
        written.contains("read_only_tools = [\"echo\"]")
            && written.contains("env_allow = [\"GITHUB_TOKEN\"]"),
        "{written}"
    );

    let tested = payload(
        &p.run(&[
            "mcp",
            "test",
            "everything",
            "--json",
            "--call",
            "get-sum",
            "--args",
            r#"{"a": 2, "b": 3}"#,
        ])
        .await,
    );
    let tools: Vec<&str> = tested["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"mcp__everything__echo"), "{tools:?}");
    assert!(
        tested["tools"][0]["input_schema"]["type"] == "object",
        "{tested}"
    );
    assert_eq!(tested["call"]["result"]["status"], "ok", "{tested}");
    assert!(
        tested["call"]["result"]["stdout"]
            .as_str()
            .unwrap()
            .contains('5'),
        "{tested}"
    );
    let uri = tested["resources"][0]["uri"].as_str().unwrap().to_string();
    let read = payload(
        &p.run(&["mcp", "test", "everything", "--json", "--read", &uri])
            .await,
    );
    assert!(!read["resource"]["text"].as_str().unwrap().is_empty());
    assert!(
        tested["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "simple-prompt"),
        "{tested}"
    );
    // Arguments the tool's schema refuses never reach the server.
    let bad = p
        .run(&[
            "mcp",
            "test",
            "everything",
            "--json",
            "--call",
            "get-sum",
            "--args",
            r#"{"a": "two"}"#,
        ])
        .await;
    bad.assert_code(2);
    assert!(
        bad.envelope()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("schema"),
        "{}",
        bad.dump()
    );

    // Streamable HTTP, in the project file.
    let (_server, port) = http_everything(&script);
    let url = format!("http://127.0.0.1:{port}/mcp");
    payload(
        &p.run(&["mcp", "add", "web", "--project", "--url", &url, "--json"])
            .await,
    );
    assert!(
        p.read(".chamber/config.toml")
            .unwrap()
            .contains("[mcp.servers.web]")
    );
    let tested = payload(
        &p.run(&[
            "mcp",
            "test",
            "web",
            "--json",
            "--call",
            "echo",
            "--args",
            r#"{"message": "over http"}"#,
        ])
        .await,
    );
    assert!(
        tested["call"]["result"]["stdout"]
            .as_str()
            .unwrap()
            .contains("over http"),
        "{tested}"
    );
    let removed = payload(&p.run(&["mcp", "remove", "web", "--json"]).await);
    assert!(
        removed["file"]
            .as_str()
            .unwrap()
            .ends_with(".chamber/config.toml"),
        "{removed}"
    );
    let gone = p.run(&["mcp", "test", "web", "--json"]).await;
    gone.assert_code(8);
    payload(&p.run(&["mcp", "remove", "everything", "--json"]).await);
    let listed = payload(&p.run(&["mcp", "list", "--json"]).await);
    assert_eq!(listed["servers"], json!([]), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_calls_mcp_tools_with_progress_policy_and_events() {
    let Some(script) = everything() else { return };
    let server = MockServer::start(vec![
        plan_turn("Sum with the MCP server", &[("1", "Add two numbers")]),
        Turn::call(
            "mcp__everything__trigger-long-running-operation",
            json!({"duration": 1, "steps": 2}),
        ),
        Turn::calls(vec![
            ("mcp__everything__get-sum", json!({"a": 20, "b": 22})),
            ("mcp__everything__echo", json!({"message": "refused"})),
        ]),
        Turn::text("The sum is 42."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(
        &p,
        &script,
        "[approval.tools]\n\"mcp__everything__echo\" = \"never\"\n",
    );
    let out = p.run(&["run", "--yes", "--json", "add 20 and 22"]).await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let events = p.events_file(&id);
    let kinds = types(&events);

    let ready = events
        .iter()
        .find(|e| e["type"] == "mcp_server" && e["state"] == "ready")
        .unwrap_or_else(|| panic!("no ready mcp_server event: {kinds:?}"));
    assert_eq!(ready["server"], "everything");
    assert!(ready["tools"].as_u64().unwrap() >= 5, "{ready}");

    // Progress of the long tool arrived as live output.
    let progress: String = events
        .iter()
        .filter(|e| e["type"] == "tool_output")
        .map(|e| e["chunk"].as_str().unwrap_or_default())
        .collect();
    assert!(progress.contains("[progress 1/2]"), "{progress}");

    // Every MCP call went through the policy: high risk, pre-approved by
    // --yes; the tool set to never is refused and never runs.
    let decisions: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "policy_decision")
        .collect();
    let sum = decisions
        .iter()
        .find(|d| d["tool"] == "mcp__everything__get-sum")
        .unwrap();
    assert_eq!(sum["decision"], "allow", "{sum}");
    assert_eq!(sum["tier"], "high", "{sum}");
    assert_eq!(sum["by"], "flag", "{sum}");
    let echo = decisions
        .iter()
        .find(|d| d["tool"] == "mcp__everything__echo")
        .unwrap();
    assert_eq!(echo["decision"], "deny", "{echo}");
    assert!(echo["reason"].as_str().unwrap().contains("never"), "{echo}");

    // The model saw the tools with their schemas, and their results.
    let requests = server.requests();
    let offered: Vec<&str> = requests[1].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"mcp__everything__get-sum"), "{offered:?}");
    let sum_tool = requests[1].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "mcp__everything__get-sum")
        .unwrap();
    assert_eq!(
        sum_tool["function"]["parameters"]["properties"]["a"]["type"],
        "number"
    );
    let result = tool_text_with(&requests, "42");
    assert!(result.contains("status: ok"), "{result}");
    let refused = tool_text_with(&requests, "never run");
    assert!(refused.contains("mcp__everything__echo"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_refuses_mcp_tools_and_ask_mode_asks() {
    let Some(script) = everything() else { return };
    let server = MockServer::start(vec![
        plan_turn("Echo", &[("1", "Echo something")]),
        Turn::call("mcp__everything__echo", json!({"message": "hi"})),
        Turn::text("Could not."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure(&p, &script, "");
    let out = p
        .run(&["run", "--yes", "--mode", "read-only", "--json", "echo hi"])
        .await;
    let id = out.envelope()["payload"]["run_id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", out.dump()));
    let events = p.events_file(&id);
    let decision = events
        .iter()
        .find(|e| e["type"] == "policy_decision" && e["tool"] == "mcp__everything__echo")
        .unwrap_or_else(|| panic!("{:?}", types(&events)));
    assert_eq!(decision["decision"], "deny", "{decision}");
    assert!(
        decision["reason"].as_str().unwrap().contains("read-only"),
        "{decision}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["type"] == "tool_started" && e["call"]["name"] == "mcp__everything__echo"),
        "a refused call never starts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_an_mcp_tool_writes_are_undone_by_chamber_undo() {
    let Some(fs) = npm_file("@modelcontextprotocol/server-filesystem/dist/index.js") else {
        return;
    };
    // A path relative to the server's directory, the project root.
    let server = MockServer::start(vec![
        plan_turn("Notes", &[("1", "Write notes")]),
        Turn::call(
            "mcp__fs__write_file",
            json!({"path": "notes.txt", "content": "from the MCP server\n"}),
        ),
        Turn::text("Wrote notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let root = p.path().display().to_string();
    p.write(
        ".chamber/config.toml",
        &format!(
            "[mcp.servers.fs]\ncommand = \"node\"\nargs = [{:?}, {:?}]\n",
            fs.display().to_string(),
            root
        ),
    );
    p.run(&["mcp", "trust"]).await.assert_code(0);
    let out = p.run(&["run", "--yes", "--json", "write notes"]).await;
    out.assert_code(0);
    assert_eq!(
        p.read("notes.txt").as_deref(),
        Some("from the MCP server\n")
    );
    let id = run_id(&out.envelope());
    let kinds = types(&p.events_file(&id));
    assert!(
        kinds.contains(&"checkpoint_created".to_string()),
        "{kinds:?}"
    );
    let stat = p.git_ok(&["show", "--stat", "HEAD"]);
    assert!(stat.contains("notes.txt"), "{stat}");

    let undone = p.run(&["undo", "--yes", "--json"]).await;
    undone.assert_code(0);
    assert!(
        !p.path().join("notes.txt").exists(),
        "undo removed what the MCP tool wrote: {}",
        undone.dump()
    );
    assert_eq!(p.read("README.md").as_deref(), Some("# demo\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projects_own_servers_start_only_once_trusted_as_defined() {
    let Some(script) = everything() else { return };
    let server = MockServer::start(vec![
        plan_turn("Look", &[("1", "Look")]),
        Turn::text("Nothing to do."),
        plan_turn("Look", &[("1", "Look")]),
        Turn::text("Nothing to do."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    configure_untrusted(&p, &script, "");
    let listed = payload(&p.run(&["mcp", "list", "--json"]).await);
    assert_eq!(listed["servers"][0]["trusted"], false, "{listed}");
    let out = p.run(&["run", "--yes", "look"]).await;
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("not started until you trust them: everything"),
        "{}",
        out.dump()
    );
    let first = server.requests()[1].body["tools"].to_string();
    assert!(!first.contains("mcp__everything__"), "{first}");

    let trusted = payload(&p.run(&["mcp", "trust", "--json"]).await);
    assert_eq!(trusted["trusted"], json!(["everything"]));
    p.run(&["run", "--yes", "look"]).await.assert_code(0);
    let second = server.requests()[3].body["tools"].to_string();
    assert!(second.contains("mcp__everything__echo"), "{second}");

    // A changed definition needs trusting again.
    configure_untrusted(&p, &script, "tool_timeout_secs = 5\n");
    let listed = payload(&p.run(&["mcp", "list", "--json"]).await);
    assert_eq!(listed["servers"][0]["trusted"], false, "{listed}");
}
