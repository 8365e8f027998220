//! Many providers: `provider list`, whole runs on the Anthropic and Gemini wires, custom
//! providers. `provider test` round trips live in `round_trip`; retries, fallback,
//! escalation and stats in `resilience`; budgets in `budget`.

mod budget;
mod faults;
mod resilience;
mod round_trip;

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::{Value, json};

use super::harness::{Project, first_of, plan_turn, run_id};

/// Keys and base URLs that point the Anthropic and Gemini built-ins at the mock (OpenAI
/// already points there, and `OPENAI_BASE_URL` keeps it the auto-detected main provider).
fn provider_env(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("ANTHROPIC_API_KEY", "ant-key".into()),
        ("ANTHROPIC_BASE_URL", server.root_url()),
        ("GEMINI_API_KEY", "gem-key".into()),
        ("GOOGLE_GEMINI_BASE_URL", server.root_url()),
    ]
}

/// `provider_env` plus more variables.
fn env_with(server: &MockServer, more: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = provider_env(server);
    env.extend(more.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

/// The path of every recorded request.
fn paths(requests: &[RecordedRequest]) -> Vec<String> {
    requests.iter().map(|r| r.path.clone()).collect()
}

/// Events of one type.
fn all_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The parts of a JSON array field, or nothing.
fn items<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v[key]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// Every content block / part nested one level down (Anthropic `messages[].content[]`,
/// Gemini `contents[].parts[]`).
fn nested<'a>(body: &'a Value, outer: &str, inner: &str) -> Vec<&'a Value> {
    items(body, outer)
        .into_iter()
        .flat_map(|m| items(m, inner))
        .collect()
}

/// Plan, one write_file step and a summary, all on one non-OpenAI wire. Returns the project
/// (for git checks), the requests and the run's events.
async fn full_run(provider: &str) -> (Project, Vec<RecordedRequest>, Vec<Value>) {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::call(
            "write_file",
            json!({"path": "notes.txt", "content": "one\ntwo\n"}),
        ),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &[
                "run",
                "--yes",
                "--json",
                "--provider",
                provider,
                "add notes",
            ],
            &provider_env(&server),
        )
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(server.remaining(), 0);
    assert_eq!(p.read("notes.txt").as_deref(), Some("one\ntwo\n"));
    let stat = p.git_ok(&["show", "--stat", "HEAD"]);
    assert!(stat.contains("notes.txt"), "{stat}");
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Add notes");
    let id = run_id(&env);
    let (run, events) = p.show(&id).await;
    assert_eq!(run["status"], "completed");
    assert_eq!(first_of(&events, "run_started")["provider"], provider);
    let turns = all_of(&events, "model_turn");
    assert_eq!(turns.len(), 3);
    for t in &turns {
        assert_eq!(t["provider"], provider, "{t}");
        assert!(t["cost_usd"].as_f64().unwrap() > 0.0, "priced model: {t}");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    (p, requests, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_on_anthropic_plans_writes_and_commits() {
    let (_p, requests, _) = full_run("anthropic").await;
    for r in &requests {
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.header("x-api-key"), Some("ant-key"));
        assert_eq!(r.body["model"], "claude-sonnet-4-5");
    }
    assert!(
        items(&requests[0].body, "tools").is_empty(),
        "planning offers no tools"
    );
    let tools: Vec<&Value> = items(&requests[1].body, "tools")
        .into_iter()
        .map(|t| &t["name"])
        .collect();
    assert!(tools.contains(&&json!("write_file")), "{tools:?}");
    let result = nested(&requests[2].body, "messages", "content")
        .into_iter()
        .find(|b| b["type"] == "tool_result")
        .cloned()
        .unwrap_or_else(|| panic!("no tool_result: {}", requests[2].body));
    assert!(
        result["content"]
            .as_str()
            .unwrap()
            .starts_with("status: ok"),
        "{result}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_on_gemini_plans_writes_and_commits() {
    let (_p, requests, _) = full_run("gemini").await;
    for r in &requests {
        assert_eq!(
            r.path,
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        );
        assert_eq!(r.header("x-goog-api-key"), Some("gem-key"));
    }
    let result = nested(&requests[2].body, "contents", "parts")
        .into_iter()
        .find(|p| p.get("functionResponse").is_some())
        .cloned()
        .unwrap_or_else(|| panic!("no functionResponse: {}", requests[2].body));
    assert_eq!(result["functionResponse"]["name"], "write_file");
    let text = result["functionResponse"]["response"]["content"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("status: ok"), "{text}");
}

/// Built-ins, `local` and a project-defined provider, with key presence and the selection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_list_shows_builtins_custom_keys_and_selection() {
    let p = Project::git(super::harness::NO_MODEL);
    p.write(
        ".chamber/config.toml",
        r#"
[providers.my-vllm]
wire = "openai-chat"
base_url = "http://10.0.0.5:8000/v1"
api_key_env = "VLLM_KEY"
headers = { "X-Team" = "core" }
[providers.my-vllm.models."qwen3-coder"]
input = 0.2
output = 0.6
"#,
    );
    let row = |env: &Value, name: &str| -> Value {
        items(&env["payload"], "providers")
            .into_iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} row: {env}"))
    };

    let out = p
        .run_env(&["provider", "list", "--json"], &[("VLLM_KEY", "v")])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    let names: Vec<&str> = items(&env["payload"], "providers")
        .into_iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "openai",
            "openai-responses",
            "anthropic",
            "gemini",
            "openrouter",
            "ollama",
            "my-vllm",
            "local"
        ]
    );
    assert_eq!(env["payload"]["selected"], "openai:gpt-4o-mini");
    let openai = row(&env, "openai");
    assert_eq!(openai["selected"], true);
    assert_eq!(openai["api_key_present"], true);
    assert_eq!(openai["base_url"], super::harness::NO_MODEL);
    assert_eq!(openai["base_url_source"], "OPENAI_BASE_URL");
    let custom = row(&env, "my-vllm");
    assert_eq!(
        custom,
        json!({
            "name": "my-vllm", "wire": "openai-chat", "base_url": "http://10.0.0.5:8000/v1",
            "base_url_source": "providers.my-vllm.base_url", "api_key_env": "VLLM_KEY",
            "api_key_present": true, "default_model": "qwen3-coder", "stream": true,
            "source": "config", "priced_models": 1, "selected": false,
        })
    );
    let anthropic = row(&env, "anthropic");
    assert_eq!(anthropic["api_key_present"], false);
    assert_eq!(anthropic["selected"], false);
    assert_eq!(anthropic["base_url"], "https://api.anthropic.com");
    assert_eq!(row(&env, "ollama")["api_key_env"], Value::Null);
    assert_eq!(row(&env, "local")["selected"], false);

    // Select the custom one by flag (its key now unset), then a built-in by environment.
    let out = p
        .run(&["provider", "list", "--json", "--provider", "my-vllm"])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["selected"], "my-vllm:qwen3-coder");
    assert_eq!(row(&env, "my-vllm")["selected"], true);
    assert_eq!(row(&env, "my-vllm")["api_key_present"], false);
    assert_eq!(row(&env, "openai")["selected"], false);
    let out = p
        .run_env(
            &["provider", "list", "--json"],
            &[
                ("CHAMBER_PROVIDER", "anthropic"),
                ("ANTHROPIC_API_KEY", "k"),
            ],
        )
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["selected"], "anthropic:claude-sonnet-4-5");
    assert_eq!(row(&env, "anthropic")["api_key_present"], true);
    assert_eq!(row(&env, "anthropic")["selected"], true);
}

/// A custom OpenAI-compatible server that cannot stream: plain JSON replies, its own
/// model, its headers, and no key sent when it names no key variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_provider_without_streaming_completes_a_run() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::call("write_file", json!({"path": "notes.txt", "content": "n\n"})),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        ".chamber/config.toml",
        &format!(
            r#"
[provider]
name = "plain"
[providers.plain]
wire = "openai-chat"
base_url = "{}"
stream = false
default_model = "house-model"
headers = {{ "X-Team" = "core" }}
"#,
            server.base_url()
        ),
    );
    let out = p.run(&["run", "--yes", "--json", "add notes"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(p.read("notes.txt").as_deref(), Some("n\n"));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_ne!(r.body["stream"], true, "asked to stream: {}", r.body);
        assert_eq!(r.body["model"], "house-model");
        assert_eq!(r.header("x-team"), Some("core"));
        assert_eq!(r.authorization, None, "no api_key_env, no key");
    }
    let (_, events) = p.show(&run_id(&env)).await;
    let started = first_of(&events, "run_started");
    assert_eq!(
        (&started["provider"], &started["model"]),
        (&json!("plain"), &json!("house-model"))
    );
    let call = &all_of(&events, "model_turn")[1]["tool_calls"][0];
    assert_eq!(
        call["name"], "write_file",
        "the whole reply was read: {call}"
    );
}
