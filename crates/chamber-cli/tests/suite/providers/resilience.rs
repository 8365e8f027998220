//! Failing providers: retries (rate limits, dropped and hung streams), fallback to another
//! provider, escalation of a struggling step to the strategic model, and the per-call
//! records `chamber stats` reads.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::{all_of, env_with, paths, provider_env};
use crate::suite::harness::{Project, first_of, plan_turn, run_id, types};

const CHAT: &str = "/v1/chat/completions";
const MESSAGES: &str = "/v1/messages";

fn write_notes() -> Turn {
    Turn::call(
        "write_file",
        json!({"path": "notes.txt", "content": "alpha\nbeta\n"}),
    )
}

/// `chamber stats --json` (optionally for one run): its `stats` object.
async fn stats(p: &Project, run: Option<&str>) -> Value {
    let mut args = vec!["stats", "--json"];
    if let Some(id) = run {
        args.extend(["--run", id]);
    }
    let out = p.run(&args).await;
    out.assert_code(0);
    out.envelope()["payload"]["stats"].clone()
}

/// A 429 is retried after its `retry-after`; the retry sends the same request; stats count
/// the error by class.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_retried_and_counted_in_stats() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::http_error(429).with_retry_after("0"),
        write_notes(),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p.run(&["run", "--yes", "--json", "add notes"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(p.read("notes.txt").as_deref(), Some("alpha\nbeta\n"));
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(
        requests[1].body, requests[2].body,
        "the retry repeats the request"
    );

    let id = run_id(&env);
    let (_, events) = p.show(&id).await;
    let errors = all_of(&events, "model_error");
    assert_eq!(errors.len(), 1, "{:?}", types(&events));
    assert_eq!(errors[0]["retrying"], true);
    assert_eq!(errors[0]["attempt"], 1);
    assert_eq!(errors[0]["step_id"], "1");
    let text = errors[0]["error"].as_str().unwrap();
    assert!(
        text.starts_with("openai:gpt-4o-mini: rate_limited (429)"),
        "{text}"
    );

    let s = stats(&p, Some(&id)).await;
    let openai = &s["by_provider"]["openai"];
    assert_eq!(openai["calls"], 4, "{s}");
    assert_eq!(openai["errors"], 1, "{s}");
    assert_eq!(openai["errors_by_class"], json!({"rate_limited": 1}), "{s}");
    assert_eq!(s["by_phase"]["plan"]["calls"], 1, "{s}");
    assert_eq!(s["by_phase"]["step"]["calls"], 3, "{s}");
    assert_eq!(s["by_phase"]["step"]["errors"], 1, "{s}");
    assert!(s["total"]["cost_usd"].as_f64().unwrap() > 0.0, "{s}");
    assert_eq!(s["runs"], 1);
    // Usage adds up to what the run recorded.
    let (run, _) = p.show(&id).await;
    assert_eq!(s["total"]["prompt_tokens"], run["prompt_tokens"], "{run}");
    assert_eq!(s["total"]["completion_tokens"], run["completion_tokens"]);
    // Without --run, the same calls (there is one run); `--since` keeps recent ones.
    assert_eq!(stats(&p, None).await["total"], s["total"]);
    let out = p.run(&["stats", "--since", "1h", "--json"]).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["stats"]["total"]["calls"], 4);
}

/// A stream cut mid-answer and a stream that hangs (idle timeout 1 s) are both retried;
/// the half-sent tool call is never acted on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_hung_streams_are_retried() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]).with_stop_after_events(2),
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        write_notes().with_stall_after_events(2),
        write_notes(),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &["run", "--yes", "--json", "add notes"],
            &[("CHAMBER_PROVIDER__IDLE_TIMEOUT_SECS", "1")],
        )
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["status"], "completed", "{env}");
    assert_eq!(p.read("notes.txt").as_deref(), Some("alpha\nbeta\n"));
    assert_eq!(server.requests().len(), 5);

    let id = run_id(&env);
    let (_, events) = p.show(&id).await;
    let errors = all_of(&events, "model_error");
    assert_eq!(errors.len(), 2, "{:?}", types(&events));
    assert!(errors.iter().all(|e| e["retrying"] == true), "{errors:?}");
    assert!(
        errors[0].get("step_id").is_none(),
        "planning: {}",
        errors[0]
    );
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .contains("malformed_stream")
    );
    assert_eq!(errors[1]["step_id"], "1");
    assert!(errors[1]["error"].as_str().unwrap().contains("timeout"));
    let writes = events
        .iter()
        .filter(|e| e["type"] == "tool_started" && e["call"]["name"] == "write_file")
        .count();
    assert_eq!(writes, 1, "{:?}", types(&events));

    let s = stats(&p, Some(&id)).await;
    assert_eq!(
        s["by_provider"]["openai"]["errors_by_class"],
        json!({"malformed_stream": 1, "timeout": 1}),
        "{s}"
    );
    // The hung attempt waited out the idle timeout; its latency says so.
    assert!(
        s["by_phase"]["step"]["latency_p95_ms"].as_u64().unwrap() >= 900,
        "{s}"
    );
}

/// Overloaded OpenAI (no retries): each request moves to the Anthropic fallback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overloaded_provider_falls_back_to_the_chain() {
    let server = MockServer::start(vec![
        Turn::http_error(529),
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::http_error(503),
        write_notes(),
        Turn::http_error(529),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        ".chamber/config.toml",
        "[fallback]\nchain = [\"anthropic:claude-haiku-4-5\"]\n",
    );
    let env = env_with(&server, &[("CHAMBER_PROVIDER__MAX_RETRIES", "0")]);
    let out = p
        .run_env(&["run", "--yes", "--json", "add notes"], &env)
        .await;
    out.assert_code(0);
    let envelope = out.envelope();
    assert_eq!(envelope["payload"]["status"], "completed", "{envelope}");
    assert_eq!(p.read("notes.txt").as_deref(), Some("alpha\nbeta\n"));
    assert_eq!(server.remaining(), 0);

    let requests = server.requests();
    assert_eq!(
        paths(&requests),
        [CHAT, MESSAGES, CHAT, MESSAGES, CHAT, MESSAGES]
    );
    for r in requests.iter().filter(|r| r.path == MESSAGES) {
        assert_eq!(r.body["model"], "claude-haiku-4-5");
        assert_eq!(r.header("x-api-key"), Some("ant-key"));
    }

    let id = run_id(&envelope);
    let (_, events) = p.show(&id).await;
    let switches = all_of(&events, "model_fallback");
    assert_eq!(switches.len(), 3, "{:?}", types(&events));
    for s in &switches {
        assert_eq!(s["from"], "openai:gpt-4o-mini", "{s}");
        assert_eq!(s["to"], "anthropic:claude-haiku-4-5", "{s}");
        assert_eq!(s["error_class"], "overloaded", "{s}");
    }
    let errors = all_of(&events, "model_error");
    assert_eq!(errors.len(), 3);
    assert!(
        errors.iter().all(|e| e["retrying"] == false),
        "no retries: {errors:?}"
    );
    for t in all_of(&events, "model_turn") {
        assert_eq!(
            (&t["provider"], &t["model"]),
            (&json!("anthropic"), &json!("claude-haiku-4-5"))
        );
    }

    let s = stats(&p, Some(&id)).await;
    let (openai, anthropic) = (&s["by_provider"]["openai"], &s["by_provider"]["anthropic"]);
    assert_eq!(
        (&openai["calls"], &openai["errors"]),
        (&json!(3), &json!(3)),
        "{s}"
    );
    assert_eq!(openai["errors_by_class"], json!({"overloaded": 3}));
    assert_eq!(
        (&anthropic["calls"], &anthropic["errors"]),
        (&json!(3), &json!(0)),
        "{s}"
    );
    assert!(anthropic["completion_tokens"].as_u64().unwrap() > 0);
    assert!(
        s["by_model"]["anthropic:claude-haiku-4-5"]["cost_usd"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// `auth` is not in the default `fallback.on`: a 401 fails the run without trying Anthropic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_error_does_not_fall_back() {
    let server = MockServer::start(vec![
        Turn::http_error(401),
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        ".chamber/config.toml",
        "[fallback]\nchain = [\"anthropic:claude-haiku-4-5\"]\n",
    );
    let env = env_with(&server, &[("CHAMBER_PROVIDER__MAX_RETRIES", "0")]);
    let out = p
        .run_env(&["run", "--yes", "--json", "add notes"], &env)
        .await;
    out.assert_code(4);
    let envelope = out.envelope();
    assert_eq!(envelope["payload"]["status"], "failed", "{envelope}");
    assert_eq!(paths(&server.requests()), [CHAT]);
    assert_eq!(server.remaining(), 1);
    let (_, events) = p.show(&run_id(&envelope)).await;
    assert!(
        all_of(&events, "model_fallback").is_empty(),
        "{:?}",
        types(&events)
    );
    assert_eq!(first_of(&events, "model_error")["retrying"], false);
}

/// Planning on the strategic model; a step whose tool calls all fail moves there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_step_escalates_to_the_strategic_model() {
    let server = MockServer::start(vec![
        plan_turn("Add notes", &[("1", "Create notes.txt")]),
        Turn::call("read_file", json!({"path": "missing.txt"})),
        write_notes(),
        Turn::text("Created notes.txt."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        ".chamber/config.toml",
        "[routing]\nstrategic = \"anthropic:claude-sonnet-4-5\"\nescalate_after = 1\n",
    );
    let out = p
        .run_env(
            &["run", "--yes", "--json", "add notes"],
            &provider_env(&server),
        )
        .await;
    out.assert_code(0);
    let envelope = out.envelope();
    assert_eq!(envelope["payload"]["status"], "completed", "{envelope}");
    assert_eq!(p.read("notes.txt").as_deref(), Some("alpha\nbeta\n"));

    let requests = server.requests();
    assert_eq!(paths(&requests), [MESSAGES, CHAT, MESSAGES, MESSAGES]);
    assert_eq!(requests[0].body["model"], "claude-sonnet-4-5");
    assert_eq!(requests[1].body["model"], "gpt-4o-mini");
    assert_eq!(requests[2].body["model"], "claude-sonnet-4-5");
    // The escalated request carries the failed attempt as an Anthropic tool_result.
    let failed = super::nested(&requests[2].body, "messages", "content")
        .into_iter()
        .find(|b| b["type"] == "tool_result")
        .cloned()
        .unwrap_or_else(|| panic!("no tool_result: {}", requests[2].body));
    let text = failed["content"].as_str().unwrap();
    assert!(
        text.starts_with("status: error") && text.contains("missing.txt"),
        "{text}"
    );

    let (_, events) = p.show(&run_id(&envelope)).await;
    let kinds = types(&events);
    let up = first_of(&events, "escalated");
    assert_eq!(up["step_id"], "1");
    assert_eq!(up["from"], "openai:gpt-4o-mini");
    assert_eq!(up["to"], "anthropic:claude-sonnet-4-5");
    assert_eq!(up["failures"], 1);
    assert_eq!(
        kinds.iter().filter(|k| *k == "escalated").count(),
        1,
        "{kinds:?}"
    );
    let turns: Vec<&Value> = all_of(&events, "model_turn");
    let who: Vec<&str> = turns
        .iter()
        .map(|t| t["provider"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["anthropic", "openai", "anthropic", "anthropic"]);
    // The escalation comes after the failing turn's result and before the next request.
    let pos = |k: &str| kinds.iter().position(|x| x == k).unwrap();
    assert!(pos("tool_finished") < pos("escalated"), "{kinds:?}");
    let s = stats(&p, None).await;
    assert_eq!(s["by_phase"]["plan"]["calls"], 1, "{s}");
    assert_eq!(
        s["by_model"]["anthropic:claude-sonnet-4-5"]["calls"], 3,
        "{s}"
    );
    assert_eq!(s["by_model"]["openai:gpt-4o-mini"]["calls"], 1, "{s}");
}
