//! Edit formats through the CLI: the model gets the edit tool of the format
//! chosen for it, and its edits land (or are refused) the way a user sees.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, Run, plan_turn};

fn tool_names(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["function"]["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

const CALC: &str = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n";

fn commit_calc(p: &Project) {
    p.write("calc.py", CALC);
    p.git_ok(&["add", "calc.py"]);
    p.git_ok(&["commit", "-q", "-m", "calc"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpt_4_1_gets_apply_patch_and_its_patch_lands() {
    let patch = "*** Begin Patch\n*** Update File: calc.py\n@@ def add(a, b):\n-    return a - b\n+    return a + b\n*** End Patch\n";
    let server = MockServer::start(vec![
        plan_turn("Fix add", &[("1", "Fix the add function")]),
        Turn::call("apply_patch", json!({ "patch": patch })),
        Turn::text("Fixed add."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    commit_calc(&p);
    let out = p
        .run(&[
            "--model",
            "gpt-4.1-mini",
            "run",
            "--yes",
            "--json",
            "fix add",
        ])
        .await;
    out.assert_code(0);
    assert_eq!(
        p.read("calc.py").unwrap(),
        CALC.replacen("return a - b", "return a + b", 1)
    );
    let requests = server.requests();
    let names = tool_names(&requests[1].body);
    assert!(names.contains(&"apply_patch".to_string()), "{names:?}");
    assert!(!names.contains(&"edit_file".to_string()), "{names:?}");
    assert!(names.contains(&"replace_symbol".to_string()), "{names:?}");
    assert!(p.git_ok(&["show", "--stat", "HEAD"]).contains("calc.py"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_format_wins_and_a_bad_edit_is_explained_to_the_model() {
    // The first diff matches two places: refused with both candidates, nothing written;
    // the model adds context and the second diff lands.
    let ambiguous =
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,1 +1,1 @@\n-    return a - b\n+    return a + b\n";
    let precise = "--- a/calc.py\n+++ b/calc.py\n@@ -9,2 +9,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";
    let server = MockServer::start(vec![
        plan_turn("Fix add", &[("1", "Fix the add function")]),
        Turn::call("apply_diff", json!({ "diff": ambiguous })),
        Turn::call("apply_diff", json!({ "diff": precise })),
        Turn::text("Fixed add."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    commit_calc(&p);
    let mut cmd = p.cmd(&["run", "--yes", "--json", "fix add"]);
    cmd.env("CHAMBER_AGENT__EDIT_FORMAT", "udiff");
    let out = Run::from_command(cmd).await;
    out.assert_code(0);
    assert_eq!(
        p.read("calc.py").unwrap(),
        CALC.replacen("return a - b", "return a + b", 1)
    );
    let requests = server.requests();
    let names = tool_names(&requests[1].body);
    assert!(names.contains(&"apply_diff".to_string()), "{names:?}");
    let messages = requests[2].body["messages"].as_array().unwrap();
    let refusal = messages
        .iter()
        .filter(|m| m["role"] == "tool")
        .filter_map(|m| m["content"].as_str())
        .next_back()
        .unwrap();
    assert!(
        refusal.contains("2") && refusal.contains("6") && refusal.contains("Nothing was written"),
        "{refusal}"
    );
}
