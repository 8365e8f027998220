//! `chamber doctor` probes every configured provider in its own dialect and
//! fails only when the provider in use cannot be reached.

use chamber_mock_llm::MockServer;
use serde_json::Value;

use super::harness::{NO_MODEL, Project, Run};

fn provider<'a>(payload: &'a Value, name: &str) -> &'a Value {
    payload["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {payload}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_each_provider_and_fails_for_the_one_in_use() {
    let server = MockServer::start(vec![]).await.unwrap();
    let p = Project::git(&server.base_url());
    let mut cmd = p.cmd(&["--json", "--model", "mock-model", "doctor"]);
    cmd.env("ANTHROPIC_API_KEY", "a-key")
        .env("ANTHROPIC_BASE_URL", server.root_url())
        .env("GEMINI_API_KEY", "g-key")
        .env("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9");
    let run = Run::from_command(cmd).await;
    run.assert_code(0);
    let payload = &run.envelope()["payload"];
    let openai = provider(payload, "openai");
    assert_eq!(openai["state"], "ok", "{openai}");
    assert_eq!(openai["model_listed"], true);
    let anthropic = provider(payload, "anthropic");
    assert_eq!(
        anthropic["state"], "warn",
        "default model not listed: {anthropic}"
    );
    assert_eq!(anthropic["models"], 1);
    let gemini = provider(payload, "gemini");
    assert_eq!(
        gemini["state"], "warn",
        "unreachable but not in use: {gemini}"
    );
    assert!(gemini["detail"].as_str().unwrap().contains("network"));
    assert_eq!(provider(payload, "openrouter")["state"], "skip");
    assert_eq!(provider(payload, "ollama")["state"], "skip");
    // The provider in use is unreachable: doctor fails with the provider exit code.
    let p = Project::git(NO_MODEL);
    let run = p.run(&["--json", "doctor"]).await;
    run.assert_code(6);
    assert_eq!(
        provider(&run.envelope()["payload"], "openai")["state"],
        "fail"
    );
}
