//! Prompts a server can cache, and context compaction that keeps the
//! instructions: a step whose history outgrows a small context window is
//! compacted three times, and the instruction from AGENTS.md must be in
//! every later request, verbatim, and obeyed at the end; between
//! compactions each request extends the previous one byte for byte; and
//! `chamber stats` reports the prompt tokens evaluated and reused, as
//! llama-server's `timings` and OpenAI's `prompt_tokens_details` give them.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::{Value, json};

use super::harness::{Project, messages, plan_turn, run_id};

const RULE: &str = "Always name new files in snake_case.";
const STEP: &str = "Write the greeting module";
const SUMMARY_ASK: &str = "The conversation above is about to be shortened.";
const SUMMARY_HEAD: &str = "# Earlier in this step (summarised)";

fn text(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

/// The summaries written so far, as this model numbers them.
fn summaries_seen(msgs: &[Value]) -> usize {
    msgs.iter()
        .filter(|m| m["role"] == "user" && text(m).starts_with(SUMMARY_HEAD))
        .filter_map(|m| {
            let t = text(m);
            let n = t.split("Summary number ").nth(1)?;
            n.split(':').next()?.trim().parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
}

/// The model: reads a long file again and again until it has written three
/// summaries, then names its new file the way the instructions it can see
/// say, and finishes.
fn respond(body: &Value) -> Turn {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    let system = msgs.first().map(text).unwrap_or_default();
    if system.starts_with("You are the planner") {
        return plan_turn("Greeting", &[("1", STEP)]);
    }
    let last = msgs.last().map(text).unwrap_or_default();
    let seen = summaries_seen(&msgs);
    if last.starts_with(SUMMARY_ASK) {
        return Turn::text(format!(
            "Summary number {}: read notes.txt several times; nothing written yet.",
            seen + 1
        ));
    }
    let written = msgs.iter().any(|m| {
        m["tool_calls"]
            .as_array()
            .is_some_and(|calls| calls.iter().any(|c| c["function"]["name"] == "write_file"))
    });
    if written {
        return Turn::text("Wrote the greeting module.");
    }
    if seen < 3 {
        return Turn::call("read_file", json!({"path": "notes.txt"}));
    }
    // Obeys the rule only if it can still see it.
    let obeys = msgs.iter().any(|m| text(m).contains(RULE));
    let name = if obeys {
        "greeting_message.py"
    } else {
        "GreetingMessage.py"
    };
    Turn::call(
        "write_file",
        json!({"path": name, "content": "GREETING = 'hello'\n"}),
    )
}

fn is_step_request(r: &RecordedRequest) -> bool {
    let msgs = messages(r);
    msgs.first()
        .is_some_and(|m| !text(m).starts_with("You are the planner"))
}

#[tokio::test(flavor = "multi_thread")]
async fn three_compactions_keep_the_first_turn_instruction_verbatim() {
    let server = MockServer::start_responder(Arc::new(respond))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("AGENTS.md", &format!("# Rules\n{RULE}\n"));
    let notes: String = (0..60)
        .map(|i| format!("note {i}: the greeting should be friendly and short.\n"))
        .collect();
    p.write("notes.txt", &notes);
    p.git_ok(&["add", "AGENTS.md", "notes.txt"]);
    p.git_ok(&["commit", "-q", "-m", "rules and notes"]);
    p.write(
        ".chamber/config.toml",
        "[agent]\nmax_turns_per_step = 40\n\n\
         [providers.openai.models.\"gpt-4o-mini\"]\ncontext_window = 16000\n",
    );
    let run = p
        .run(&["--json", "run", "--yes", "add a greeting module"])
        .await;
    run.assert_code(0);
    let id = run_id(&run.envelope());

    let (_, events) = p.show(&id).await;
    let compactions: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "context_compacted")
        .collect();
    assert_eq!(compactions.len(), 3, "{}", run.dump());
    for c in &compactions {
        assert_eq!(c["step_id"], "1");
        let (before, after) = (
            c["tokens_before"].as_u64().unwrap(),
            c["tokens_after"].as_u64().unwrap(),
        );
        assert!(after < before, "{c}");
        assert!(c["turns_summarised"].as_u64().unwrap() >= 2, "{c}");
    }
    // The summary calls are not turns of the step: resume must not replay them.
    assert!(
        events
            .iter()
            .filter(|e| e["type"] == "model_turn")
            .all(|e| !e["content"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Summary number")),
    );

    let requests: Vec<RecordedRequest> = server
        .requests()
        .into_iter()
        .filter(is_step_request)
        .collect();
    let head = messages(&requests[0])[..2].to_vec();
    assert!(
        text(&head[1]).contains(RULE),
        "the step request holds the rule"
    );
    let mut previous: Option<Vec<Value>> = None;
    for (n, r) in requests.iter().enumerate() {
        let msgs = messages(r);
        // The system prompt and the step request (task, instructions,
        // constraints) are the same two messages in every request.
        assert_eq!(msgs[..2], head[..], "request {n} changed the head");
        if let Some(before) = &previous {
            let extends = msgs.len() >= before.len() && msgs[..before.len()] == before[..];
            let after_summary = before
                .last()
                .is_some_and(|m| text(m).starts_with(SUMMARY_ASK));
            assert!(
                extends || after_summary,
                "request {n} rewrote what was sent before without a compaction"
            );
        }
        previous = Some(msgs);
    }
    assert_eq!(
        requests
            .iter()
            .filter(|r| messages(r)
                .last()
                .is_some_and(|m| text(m).starts_with(SUMMARY_ASK)))
            .count(),
        3
    );
    // Obeyed after three compactions.
    assert!(
        p.path().join("greeting_message.py").is_file(),
        "{}",
        run.dump()
    );
    assert!(!p.path().join("GreetingMessage.py").exists());

    let stats = p.run(&["--json", "stats", "--run", &id]).await;
    stats.assert_code(0);
    let by_phase = &stats.envelope()["payload"]["stats"]["by_phase"];
    assert_eq!(by_phase["compact"]["calls"], 3, "{by_phase}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_show_prompt_tokens_evaluated_and_reused() {
    let llama_reply = [
        json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Done."}}]}),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        // llama-server: usage without cache details, and its own timings.
        json!({"choices": [], "usage": {"prompt_tokens": 1100, "completion_tokens": 3,
            "total_tokens": 1103},
            "timings": {"cache_n": 1050, "prompt_n": 50, "predicted_n": 3}}),
    ]
    .iter()
    .map(|v| format!("data: {v}\n\n"))
    .chain(["data: [DONE]\n\n".to_string()])
    .collect::<String>();
    let server = MockServer::start(vec![
        plan_turn("Greeting", &[("1", STEP)]).with_usage(400, 30),
        // OpenAI: `usage.prompt_tokens_details.cached_tokens`.
        Turn::call(
            "write_file",
            json!({"path": "greeting.py", "content": "GREETING = 'hi'\n"}),
        )
        .with_usage(1000, 20)
        .with_cached_tokens(900),
        Turn::raw_sse(llama_reply),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    let run = p.run(&["--json", "run", "--yes", "add a greeting"]).await;
    run.assert_code(0);
    let id = run_id(&run.envelope());

    let stats = p.run(&["--json", "stats", "--run", &id]).await;
    stats.assert_code(0);
    let s = &stats.envelope()["payload"]["stats"];
    assert_eq!(s["total"]["prompt_eval_tokens"], 400 + 100 + 50, "{s}");
    assert_eq!(s["total"]["prompt_cached_tokens"], 900 + 1050, "{s}");
    assert_eq!(s["by_phase"]["step"]["prompt_eval_tokens"], 150);
    assert_eq!(s["by_phase"]["plan"]["prompt_cached_tokens"], 0);

    let human = p.run(&["stats", "--run", &id]).await;
    human.assert_code(0);
    assert!(
        human
            .stdout
            .contains("(550 evaluated, 1950 reused from the prompt cache)"),
        "{}",
        human.dump()
    );
    assert!(human.stdout.contains("evaluated") && human.stdout.contains("reused"));
}
