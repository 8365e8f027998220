//! `chamber edit`, `chamber refactor` and `chamber doc` on real temp
//! repositories: each shows its diff, applies only once approved, and
//! refuses bad input (a bad range, an unknown symbol) before any model
//! call.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::Project;

const CALC: &str = "def double(x):\n    return x * 2\n\n\ndef slow_sum(n):\n    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n";

const TESTS: &str = "import unittest\n\nfrom calc import double, slow_sum\n\n\nclass CalcTest(unittest.TestCase):\n    def test_double(self):\n        self.assertEqual(double(2), 4)\n\n    def test_sum(self):\n        self.assertEqual(slow_sum(10), 55)\n";

/// The step a request works on.
fn step_of(body: &Value) -> Option<String> {
    body["messages"].as_array()?.iter().find_map(|m| {
        m["content"]
            .as_str()?
            .lines()
            .find_map(|l| l.strip_prefix("# CURRENT STEP: "))
            .map(str::to_string)
    })
}

/// A model that answers the step whose title starts with `step` with
/// `turn`, then says it is done.
fn model(step: &'static str, turn: Turn) -> impl Fn(&Value) -> Turn {
    move |body: &Value| {
        let results = body["messages"]
            .as_array()
            .map(|m| m.iter().filter(|m| m["role"] == "tool").count())
            .unwrap_or(0);
        match step_of(body) {
            Some(s) if s.starts_with(step) && results == 0 => turn.clone(),
            _ => Turn::text("done"),
        }
    }
}

async fn project(step: &'static str, turn: Turn) -> (MockServer, Project) {
    let server = MockServer::start_responder(Arc::new(model(step, turn)))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("calc.py", CALC);
    p.write("test_calc.py", TESTS);
    p.write(".gitignore", "__pycache__/\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "calc"]);
    (server, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_changes_the_block_shows_the_diff_and_applies_once_approved() {
    let triple = Turn::call(
        "edit_file",
        json!({"path": "calc.py", "old_string": "return x * 2", "new_string": "return x * 3"}),
    );
    let (server, p) = project("Edit calc.py:1-2", triple).await;
    // Without --yes and without a terminal nothing is applied.
    let staged = p.run(&["edit", "calc.py:1-2", "make it triple"]).await;
    assert!(
        staged.stdout.contains("+    return x * 3"),
        "{}",
        staged.dump()
    );
    assert_eq!(p.read("calc.py").as_deref(), Some(CALC));
    assert_ne!(staged.code, 0, "{}", staged.dump());
    // The step saw only its block, numbered.
    let asked = server
        .requests()
        .last()
        .map(|r| r.body.to_string())
        .unwrap_or_default();
    assert!(asked.contains("    1| def double(x):"), "{asked}");

    let out = p
        .run(&["edit", "calc.py:1-2", "make it triple", "--yes"])
        .await;
    out.assert_code(0);
    assert!(p.read("calc.py").unwrap().contains("return x * 3"));

    let before = server.requests().len();
    for (bad, why) in [
        ("calc.py:5-99", "has 9 line(s)"),
        ("calc.py:3-1", "not after the end"),
        ("nope.py", "cannot read"),
    ] {
        let out = p.run(&["edit", bad, "x"]).await;
        out.assert_code(5);
        assert!(out.stderr.contains(why), "{bad}: {}", out.dump());
    }
    assert_eq!(
        server.requests().len(),
        before,
        "a bad target reached the model"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refactor_rename_previews_applies_all_and_runs_the_tests() {
    let (server, p) = project("none", Turn::text("done")).await;
    let out = p.run(&["refactor", "rename", "double", "twice"]).await;
    out.assert_code(3);
    assert!(out.stdout.contains("+def twice(x):"), "{}", out.dump());
    assert_eq!(
        p.read("calc.py").as_deref(),
        Some(CALC),
        "applied without approval"
    );

    let out = p
        .run(&["--json", "refactor", "rename", "double", "twice", "--yes"])
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(
        payload["files"],
        json!(["calc.py", "test_calc.py"]),
        "{payload}"
    );
    assert!(
        payload["tests"].is_object(),
        "the tests did not run: {payload}"
    );
    assert!(
        p.read("test_calc.py")
            .unwrap()
            .contains("from calc import twice, slow_sum")
    );

    let out = p
        .run(&["refactor", "rename", "nothing_like_it", "x", "--yes"])
        .await;
    out.assert_code(5);
    assert!(out.stderr.contains("no identifier named"), "{}", out.dump());
    assert!(
        server.requests().is_empty(),
        "a deterministic refactor asked the model"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refactor_move_carries_the_function_and_repoints_imports() {
    let (_server, p) = project("none", Turn::text("done")).await;
    let out = p
        .run(&[
            "refactor", "move", "slow_sum", "--from", "calc.py", "--to", "sums.py", "--yes",
        ])
        .await;
    out.assert_code(0);
    assert!(p.read("sums.py").unwrap().contains("def slow_sum(n):"));
    assert!(!p.read("calc.py").unwrap().contains("slow_sum"));
    let tests = p.read("test_calc.py").unwrap();
    assert!(tests.contains("from calc import double"), "{tests}");
    assert!(tests.contains("from sums import slow_sum"), "{tests}");
    let out = p
        .run(&[
            "refactor", "move", "nope", "--from", "calc.py", "--to", "x.py", "--yes",
        ])
        .await;
    out.assert_code(5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refactor_extract_goes_through_the_model_and_is_staged() {
    let extracted = CALC.replace(
        "    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n",
        "    return add_up(n)\n\n\ndef add_up(n):\n    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n",
    );
    let write = Turn::call(
        "write_file",
        json!({"path": "calc.py", "content": extracted}),
    );
    let (_server, p) = project("Extract lines 6-9 of calc.py", write).await;
    let out = p
        .run(&["refactor", "extract", "calc.py:6-9", "add_up", "--yes"])
        .await;
    out.assert_code(0);
    assert!(
        p.read("calc.py").unwrap().contains("def add_up(n):"),
        "{}",
        out.dump()
    );
    let out = p.run(&["refactor", "extract", "calc.py", "f"]).await;
    out.assert_code(2);
    let out = p
        .run(&["refactor", "inline", "nope", "--file", "calc.py"])
        .await;
    out.assert_code(5);
    assert!(out.stderr.contains("no function nope"), "{}", out.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doc_lists_what_lacks_docs_and_documents_it() {
    let documented = CALC
        .replace(
            "def double(x):\n",
            "def double(x):\n    \"\"\"Twice x.\"\"\"\n",
        )
        .replace(
            "def slow_sum(n):\n",
            "def slow_sum(n):\n    \"\"\"0 + 1 + ... + n.\"\"\"\n",
        );
    let write = Turn::call(
        "write_file",
        json!({"path": "calc.py", "content": documented}),
    );
    let (server, p) = project("Document calc.py", write).await;
    let out = p.run(&["doc", "calc.py", "--yes"]).await;
    out.assert_code(0);
    assert!(out.stdout.contains("calc.py:1  double"), "{}", out.dump());
    assert!(out.stdout.contains("calc.py:5  slow_sum"), "{}", out.dump());
    assert!(p.read("calc.py").unwrap().contains("\"\"\"Twice x.\"\"\""));
    let asked = server.requests().len();
    let again = p.run(&["doc", "calc.py"]).await;
    again.assert_code(0);
    assert!(again.stdout.contains("is documented"), "{}", again.dump());
    assert_eq!(
        server.requests().len(),
        asked,
        "nothing to document, yet the model was asked"
    );
}
