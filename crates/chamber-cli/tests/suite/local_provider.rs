//! The OpenAI-compatible adapter against the real llama-server: `chamber
//! provider test local` starts the built-in model on demand and must get a
//! well-formed tool call and an answer after the tool result.

use super::harness::Run;
use super::local_model::{local_project, offline_cmd, shared_install};

#[tokio::test]
async fn real_provider_test_round_trips_a_tool_call_through_llama_server() {
    let Some(home) = shared_install() else { return };
    let p = local_project(&home);
    let run = Run::from_command(offline_cmd(
        &p,
        &[
            "--json",
            "--model",
            "smollm2-135m",
            "provider",
            "test",
            "local",
        ],
    ))
    .await;
    run.assert_code(0);
    let payload = &run.envelope()["payload"];
    assert_eq!(payload["provider"], "local");
    assert_eq!(payload["wire"], "openai-chat");
    assert_eq!(payload["tool_call"]["name"], "add");
    assert!(payload["tool_call"]["arguments"]["a"].is_i64(), "{payload}");
    assert!(payload["tool_call"]["arguments"]["b"].is_i64(), "{payload}");
    assert!(payload["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
    // The local model is free: its cost is known and zero.
    assert_eq!(payload["cost_usd"], 0.0);
    let _ = Run::from_command(offline_cmd(&p, &["model", "stop"])).await;
}
