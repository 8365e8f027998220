//! `chamber provider test NAME`: a real round trip on each wire format (the model calls
//! `add`, gets the result in that wire's shape, answers), the environment conventions of
//! each built-in, and a failing key.

use chamber_mock_llm::{MockServer, RecordedRequest, ScriptedCall, Turn};
use serde_json::{Value, json};

use super::{items, nested, paths, provider_env};
use crate::suite::harness::Project;

/// `provider test NAME --json` against a mock that calls `add` (with a fixed call id), then
/// answers "5". Returns the envelope and the two requests.
async fn round_trip(name: &str) -> (Value, Vec<RecordedRequest>) {
    let call = Turn {
        tool_calls: vec![ScriptedCall {
            id: Some("call_add_1".into()),
            ..ScriptedCall::new("add", json!({"a": 2, "b": 3}).to_string())
        }],
        ..Turn::default()
    };
    let server = MockServer::start(vec![call, Turn::text("5")])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &["provider", "test", name, "--json"],
            &provider_env(&server),
        )
        .await;
    out.assert_code(0);
    let env = out.envelope();
    let payload = &env["payload"];
    assert_eq!(payload["ok"], true, "{env}");
    assert_eq!(payload["provider"], name, "{env}");
    assert_eq!(payload["tool_call"]["name"], "add", "{env}");
    assert_eq!(payload["tool_call"]["arguments"], json!({"a": 2, "b": 3}));
    assert_eq!(payload["answer"], "5", "{env}");
    assert_eq!(payload["latency_ms"].as_array().map(Vec::len), Some(2));
    assert!(
        payload["usage"]["prompt_tokens"].as_u64().unwrap() > 0,
        "{env}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{:?}", paths(&requests));
    assert_eq!(server.remaining(), 0);
    (env, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_test_openai_chat_round_trip() {
    let (env, requests) = round_trip("openai").await;
    assert_eq!(env["payload"]["wire"], "openai-chat");
    assert_eq!(env["payload"]["model"], "gpt-4o-mini");
    for r in &requests {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.authorization.as_deref(), Some("Bearer test-key"));
    }
    let offered: Vec<&Value> = items(&requests[0].body, "tools")
        .into_iter()
        .map(|t| &t["function"]["name"])
        .collect();
    assert_eq!(offered, [&json!("add")]);
    let tool = items(&requests[1].body, "messages")
        .into_iter()
        .find(|m| m["role"] == "tool")
        .unwrap_or_else(|| panic!("no tool message: {}", requests[1].body));
    assert_eq!(tool["tool_call_id"], "call_add_1");
    assert_eq!(tool["content"], "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_test_openai_responses_round_trip() {
    let (env, requests) = round_trip("openai-responses").await;
    assert_eq!(env["payload"]["wire"], "openai-responses");
    for r in &requests {
        assert_eq!(r.path, "/v1/responses");
        assert_eq!(r.authorization.as_deref(), Some("Bearer test-key"));
    }
    let offered: Vec<&Value> = items(&requests[0].body, "tools")
        .into_iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(offered, [&json!("add")]);
    let input = items(&requests[1].body, "input");
    let call = input
        .iter()
        .find(|i| i["type"] == "function_call")
        .unwrap_or_else(|| panic!("the call is not replayed: {}", requests[1].body));
    assert_eq!(
        (&call["call_id"], &call["name"]),
        (&json!("call_add_1"), &json!("add"))
    );
    let output = input
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .unwrap_or_else(|| panic!("no function_call_output: {}", requests[1].body));
    assert_eq!(output["call_id"], "call_add_1");
    assert_eq!(output["output"], "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_test_anthropic_round_trip() {
    let (env, requests) = round_trip("anthropic").await;
    assert_eq!(env["payload"]["wire"], "anthropic");
    assert_eq!(env["payload"]["model"], "claude-sonnet-4-5");
    for r in &requests {
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.header("x-api-key"), Some("ant-key"));
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(r.authorization, None, "no OpenAI key leaks to Anthropic");
        assert_eq!(r.body["model"], "claude-sonnet-4-5");
    }
    let offered: Vec<&Value> = items(&requests[0].body, "tools")
        .into_iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(offered, [&json!("add")]);
    let blocks = nested(&requests[1].body, "messages", "content");
    let used = blocks
        .iter()
        .find(|b| b["type"] == "tool_use")
        .unwrap_or_else(|| panic!("the call is not replayed: {}", requests[1].body));
    assert_eq!(
        (&used["id"], &used["input"]),
        (&json!("call_add_1"), &json!({"a": 2, "b": 3}))
    );
    let result = blocks
        .iter()
        .find(|b| b["type"] == "tool_result")
        .unwrap_or_else(|| panic!("no tool_result block: {}", requests[1].body));
    assert_eq!(result["tool_use_id"], "call_add_1");
    assert_eq!(result["content"], "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_test_gemini_round_trip() {
    let (env, requests) = round_trip("gemini").await;
    assert_eq!(env["payload"]["wire"], "gemini");
    assert_eq!(env["payload"]["model"], "gemini-2.5-flash");
    for r in &requests {
        assert_eq!(
            r.path,
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        );
        assert_eq!(r.query_param("alt"), Some("sse"));
        assert_eq!(r.header("x-goog-api-key"), Some("gem-key"));
        assert_eq!(r.query_param("key"), None, "the key stays out of the URL");
        assert_eq!(r.authorization, None);
    }
    let offered: Vec<&Value> = nested(&requests[0].body, "tools", "functionDeclarations")
        .into_iter()
        .map(|f| &f["name"])
        .collect();
    assert_eq!(offered, [&json!("add")]);
    let parts = nested(&requests[1].body, "contents", "parts");
    let call = parts
        .iter()
        .find(|p| p.get("functionCall").is_some())
        .unwrap_or_else(|| panic!("the call is not replayed: {}", requests[1].body));
    assert_eq!(call["functionCall"]["name"], "add");
    let response = parts
        .iter()
        .find(|p| p.get("functionResponse").is_some())
        .unwrap_or_else(|| panic!("no functionResponse part: {}", requests[1].body));
    assert_eq!(response["functionResponse"]["name"], "add");
    assert_eq!(response["functionResponse"]["response"]["content"], "5");
}

/// A rejected key: exit 6, an error naming the auth class and the key variables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_test_with_bad_key_exits_6_naming_auth() {
    let server = MockServer::start(vec![Turn::http_error(401), Turn::text("unused")])
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["provider", "test", "openai", "--json"]).await;
    out.assert_code(6);
    let env = out.envelope();
    assert_eq!(env["ok"], false);
    assert_eq!(env["error"]["code"], "provider_failed", "{env}");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("auth"), "{message}");
    assert!(message.contains("401"), "{message}");
    let hint = env["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("API key") && hint.contains("OPENAI_API_KEY"),
        "{hint}"
    );
    assert_eq!(server.requests().len(), 1, "an auth failure is not retried");

    let unknown = p.run(&["provider", "test", "nowhere", "--json"]).await;
    unknown.assert_code(8);
    assert_eq!(unknown.envelope()["error"]["code"], "unknown_provider");
}

/// OpenRouter: its own key variable and base URL, a Bearer key, its vendor-prefixed model.
/// Ollama: `OLLAMA_HOST` as `host:port` (no scheme, no `/v1`), and no key at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openrouter_and_ollama_follow_their_environment_conventions() {
    let server = MockServer::start(vec![
        Turn::call("add", json!({"a": 2, "b": 3})),
        Turn::text("5"),
        Turn::call("add", json!({"a": 2, "b": 3})),
        Turn::text("5"),
    ])
    .await
    .unwrap();
    let p = Project::git(crate::suite::harness::NO_MODEL);
    let (host, base) = (server.addr().to_string(), server.base_url());
    let env = [
        ("OPENROUTER_API_KEY", "or-key"),
        ("OPENROUTER_BASE_URL", base.as_str()),
        ("OLLAMA_HOST", host.as_str()),
    ];
    for name in ["openrouter", "ollama"] {
        let out = p.run_env(&["provider", "test", name, "--json"], &env).await;
        out.assert_code(0);
        assert_eq!(out.envelope()["payload"]["answer"], "5");
    }
    let requests = server.requests();
    assert_eq!(paths(&requests), ["/v1/chat/completions"; 4]);
    for r in &requests[..2] {
        assert_eq!(r.authorization.as_deref(), Some("Bearer or-key"));
        assert_eq!(r.body["model"], "openai/gpt-4o-mini");
    }
    for r in &requests[2..] {
        assert_eq!(r.authorization, None, "Ollama needs no key");
        assert_eq!(r.body["model"], "qwen2.5-coder:7b");
    }
}
