//! `chamber chat` driven through a pipe: a request becomes a plan that is
//! approved in line, a command approved in line, the run commits; slash
//! commands answer; a follow-up continues on the same branch.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, plan_turn};

fn text_of(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

/// Plans writing a file and running it; the file depends on the request.
fn model(body: &Value) -> Turn {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    let all: String = msgs.iter().map(text_of).collect();
    let farewell = all.contains("add a farewell");
    if super::harness::is_planning(body) {
        return plan_turn(
            "Greet",
            &[("1", "Write greet.py"), ("2", "Run `python3 greet.py`")],
        );
    }
    let writing = msgs
        .iter()
        .any(|m| text_of(m).contains("# CURRENT STEP: Write greet.py"));
    let results = super::harness::tool_results(body);
    if writing && results == 0 {
        let content = if farewell {
            "print('hi')\nprint('bye')\n"
        } else {
            "print('hi')\n"
        };
        return Turn::call(
            "write_file",
            json!({"path": "greet.py", "content": content}),
        );
    }
    Turn::text("done")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_through_a_pipe_plans_approves_runs_and_follows_up() {
    let server = MockServer::start_responder(Arc::new(model)).await.unwrap();
    let p = Project::git(&server.base_url());
    p.write(".chamber/config.toml", "[approval]\nmode = \"auto-edit\"\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "config"]);
    let input = "/help\ngreet the user\ny\ny\n/cost\nadd a farewell\ny\ny\n/diff\n/history\n/model gpt-4.1\n/model\n/nope\n/exit\n";
    let out = p.run_input(&["chat"], input).await;
    out.assert_code(0);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("/undo"), "no help:\n{all}");
    assert!(
        all.contains("2 run(s)") || all.contains("1 run(s)"),
        "no cost:\n{all}"
    );
    assert!(all.contains("+print('bye')"), "no diff:\n{all}");
    assert!(all.contains("1. greet the user"), "no history:\n{all}");
    assert!(all.contains("model: gpt-4.1"), "{all}");
    assert!(all.contains("unknown command /nope"), "{all}");
    // Both runs committed on one branch: the follow-up continued it.
    let branches: Vec<String> = p
        .git_ok(&["branch", "--list", "chamber/*"])
        .lines()
        .map(|l| l.trim_start_matches(['*', ' ']).to_string())
        .collect();
    assert_eq!(branches.len(), 1, "{branches:?}\n{all}");
    let log = p.git_ok(&["log", "--format=%s", &branches[0]]);
    assert!(log.lines().count() >= 3, "{log}");
    assert_eq!(
        p.git_ok(&["show", &format!("{}:greet.py", branches[0])]),
        "print('hi')\nprint('bye')"
    );
}

/// Plans one step the model carries out with a command.
fn checking_model(body: &Value) -> Turn {
    if super::harness::is_planning(body) {
        return plan_turn("Check", &[("1", "Check the greeting")]);
    }
    if super::harness::tool_results(body) == 0 {
        return Turn::call("shell", json!({"command": "python3 greet.py"}));
    }
    Turn::text("done")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_a_command_can_tell_the_model_what_to_do_instead() {
    let server = MockServer::start_responder(Arc::new(checking_model))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("greet.py", "print('hi')\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "greet"]);
    let out = p
        .run_input(
            &["run", "--prompt", "check the greeting"],
            "y\ne\nRun it with python3 -u So The Output Is Unbuffered\n",
        )
        .await;
    assert!(
        out.stderr.contains("[e] say what to do instead"),
        "{}",
        out.dump()
    );
    let told = server
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .find(|b| b.contains("said what to do instead"))
        .unwrap_or_default();
    // The model reads the person's words, as typed.
    assert!(
        told.contains("Run it with python3 -u So The Output Is Unbuffered"),
        "{}",
        out.dump()
    );
}
