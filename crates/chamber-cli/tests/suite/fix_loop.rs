//! `chamber fix` on a real Python unittest project in a git repo, with the
//! scripted model: fixed in one round and committed; a round that makes
//! things worse is reverted; rounds without progress stop with exit 13;
//! a spent token budget stops with exit 12. Also `chamber run --verify`.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, contents, plan_turn, run_id};

const BUGGY: &str = "def add(a, b):\n    return a - b\n";
const FIXED: &str = "def add(a, b):\n    return a + b\n";
const DOCUMENTED: &str = "\"\"\"Sums.\"\"\"\n\n\ndef add(a, b):\n    return a + b\n";
const WORSE: &str = "def add(a, b):\n    return None\n";
const TEST: &str = "import unittest\n\nfrom calc import add\n\n\nclass CalcTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_zero(self):\n        self.assertEqual(add(0, 0), 0)\n";

/// A committed Python project whose `add` subtracts: 1 of 2 tests fails.
fn project(base_url: &str) -> Project {
    let p = Project::git(base_url);
    p.write("calc/__init__.py", BUGGY);
    p.write("tests/__init__.py", "");
    p.write("tests/test_calc.py", TEST);
    p.write(".chamber/config.toml", "[test]\nrunner = \"unittest\"\n");
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "calc"]);
    p
}

fn write(content: &str) -> Turn {
    Turn::call(
        "write_file",
        json!({"path": "calc/__init__.py", "content": content}),
    )
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_in_one_round_and_committed() {
    let server = MockServer::start(vec![write(FIXED), Turn::text("add adds now.")])
        .await
        .unwrap();
    let p = project(&server.base_url());
    let out = p.run(&["fix", "--yes", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    let payload = &env["payload"];
    assert_eq!(payload["status"], "completed", "{env}");
    let fix = &payload["fix"];
    assert_eq!(fix["stop"], "green", "{fix}");
    assert_eq!(
        (
            &fix["rounds"],
            &fix["failures_before"],
            &fix["failures_after"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    assert_eq!(fix["reverted"], json!([]));
    assert_eq!(p.read("calc/__init__.py").as_deref(), Some(FIXED));
    assert_eq!(
        p.git_ok(&["log", "-1", "--format=%s"]),
        "Fix the failing tests"
    );
    let id = run_id(&env);
    assert_eq!(
        p.git_ok(&["rev-parse", "--abbrev-ref", "HEAD"]),
        format!("chamber/{}", &id[..8])
    );
    assert!(
        p.git_ok(&["show", "--stat", "HEAD"])
            .contains("calc/__init__.py")
    );

    // The model saw the hint and the code around the failing line.
    let requests = server.requests();
    let first = contents(&requests[0], "user").join("\n");
    assert!(
        first.contains("# Fix round 1: 1 failing test(s)"),
        "{first}"
    );
    assert!(
        first.contains("tests.test_calc.CalcTest.test_adds — tests/test_calc.py:8"),
        "{first}"
    );
    assert!(
        first.contains(">    8 |         self.assertEqual(add(2, 3), 5)"),
        "{first}"
    );

    // The failing test ran first, then the whole suite.
    let (_, events) = p.show(&id).await;
    let checks = of_type(&events, "tests_checked");
    let scopes: Vec<(&Value, &Value, &Value)> = checks
        .iter()
        .map(|e| (&e["round"], &e["scope"], &e["failures"]))
        .collect();
    assert_eq!(
        scopes,
        vec![
            (&json!(0), &json!("all"), &json!(1)),
            (&json!(1), &json!("failing"), &json!(0)),
            (&json!(1), &json!("all"), &json!(0)),
        ]
    );
    assert_eq!(
        checks[1]["command"],
        "python3 -m unittest -v tests.test_calc.CalcTest.test_adds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worse_round_is_reverted_and_the_next_fixes_it() {
    let server = MockServer::start(vec![
        write(WORSE),
        Turn::text("Rewrote add."),
        Turn::call("read_file", json!({"path": "calc/__init__.py"})),
        write(FIXED),
        Turn::text("add adds now."),
    ])
    .await
    .unwrap();
    let p = project(&server.base_url());
    let out = p.run(&["fix", "--yes", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    let fix = &env["payload"]["fix"];
    assert_eq!(fix["stop"], "green", "{env}");
    assert_eq!(fix["rounds"], 2);
    assert_eq!(fix["reverted"], json!([1]));

    let (_, events) = p.show(&run_id(&env)).await;
    let reverted = of_type(&events, "round_reverted");
    assert_eq!(reverted.len(), 1, "{events:?}");
    assert_eq!(
        (
            &reverted[0]["round"],
            &reverted[0]["failures_before"],
            &reverted[0]["failures_after"]
        ),
        (&json!(1), &json!(1), &json!(2))
    );
    assert_eq!(reverted[0]["files"], json!(["calc/__init__.py"]));

    // Round 2 was told, and found the file back as it was.
    let requests = server.requests();
    let second = contents(&requests[2], "user").join("\n");
    assert!(
        second.contains("# Fix round 2: 1 failing test(s)"),
        "{second}"
    );
    assert!(second.contains("were reverted"), "{second}");
    let read_back = contents(&requests[3], "tool").join("\n");
    assert!(read_back.contains("return a - b"), "{read_back}");
    assert_eq!(p.read("calc/__init__.py").as_deref(), Some(FIXED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_without_progress_stop_with_exit_13() {
    let server = MockServer::start(vec![
        write("def add(a, b):\n    return a - b  # try 1\n"),
        Turn::text("Tried."),
        write("def add(a, b):\n    return a - b  # try 2\n"),
        Turn::text("Tried again."),
        Turn::text("never asked"),
    ])
    .await
    .unwrap();
    let p = project(&server.base_url());
    let out = p.run(&["fix", "--yes", "--json"]).await;
    out.assert_code(13);
    let env = out.envelope();
    let payload = &env["payload"];
    assert_eq!(payload["status"], "failed", "{env}");
    assert_eq!(payload["fix"]["stop"], "no_progress");
    assert_eq!(payload["fix"]["rounds"], 2);
    assert_eq!(payload["fix"]["failures_after"], 1);
    let still = payload["fix"]["still_failing"][0].as_str().unwrap();
    assert!(still.contains("test_adds"), "{still}");
    let summary = payload["summary"].as_str().unwrap();
    assert!(
        summary.contains("rounds in a row made no progress"),
        "{summary}"
    );
    assert_eq!(server.remaining(), 1);
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "calc");

    // Text mode says why, too.
    let server = MockServer::start(vec![write(BUGGY), Turn::text("No.")])
        .await
        .unwrap();
    let p = project(&server.base_url());
    let out = p.run(&["fix", "--yes", "--max-rounds", "1"]).await;
    out.assert_code(13);
    assert!(
        out.stdout
            .contains("stopped because the round limit was reached"),
        "{}",
        out.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_stops_with_exit_12() {
    let server = MockServer::start(vec![
        write(WORSE).with_usage(900, 200),
        Turn::text("never asked"),
    ])
    .await
    .unwrap();
    let p = project(&server.base_url());
    let out = p
        .run(&["fix", "--yes", "--json", "--budget-tokens", "1000"])
        .await;
    out.assert_code(12);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["status"], "budget_exceeded", "{payload}");
    assert_eq!(payload["fix"]["stop"], "budget");
    assert_eq!(p.read("calc/__init__.py").as_deref(), Some(BUGGY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn green_needs_no_run_and_run_verify_fixes_after_the_plan() {
    let p = project(super::harness::NO_MODEL);
    p.write("calc/__init__.py", FIXED);
    p.git_ok(&["commit", "-qam", "fixed"]);
    let out = p.run(&["fix", "--json"]).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["fix"]["rounds"], 0);

    // The plan's step leaves a failure; the fix loop goes on on the same run.
    let server = MockServer::start(vec![
        plan_turn("Touch add", &[("1", "Rewrite add")]),
        write("\"\"\"Sums.\"\"\"\n\n\ndef add(a, b):\n    return a - b\n"),
        Turn::text("Rewrote add."),
        write(DOCUMENTED),
        Turn::text("Fixed add."),
    ])
    .await
    .unwrap();
    let p = project(&server.base_url());
    p.write("calc/__init__.py", FIXED);
    p.git_ok(&["commit", "-qam", "fixed"]);
    let out = p
        .run(&["run", "--yes", "--json", "--verify", "touch add"])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["fix"]["rounds"], 1, "{env}");
    assert_eq!(env["payload"]["fix"]["stop"], "green");
    assert_eq!(p.read("calc/__init__.py").as_deref(), Some(DOCUMENTED));
    assert_eq!(p.git_ok(&["log", "-1", "--format=%s"]), "Touch add");
    let body = p.git_ok(&["log", "-1", "--format=%b"]);
    assert!(body.contains("Fix round 1"), "{body}");
}

/// The tests run the code the model wrote, so the fix loop runs them in the
/// sandbox: a "fix" that also writes outside the workspace when imported
/// leaves the outside untouched. The control run, with the sandbox off,
/// shows the write does happen otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_runs_of_model_code_are_sandboxed() {
    for sandboxed in [true, false] {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("pwned.txt");
        let sneaky = format!(
            "open({:?}, 'w').write('x')\n\n\ndef add(a, b):\n    return a + b\n",
            target.display().to_string()
        );
        let server = MockServer::start(vec![write(&sneaky), Turn::text("fixed")])
            .await
            .unwrap();
        let p = project(&server.base_url());
        if !sandboxed {
            p.write(
                ".chamber/config.toml",
                "[test]\nrunner = \"unittest\"\n[sandbox]\nmode = \"off\"\n",
            );
            p.git_ok(&["commit", "-qam", "no sandbox"]);
        }
        let out = p
            .run(&["fix", "--yes", "--max-rounds", "1", "--json"])
            .await;
        assert!(
            out.code == 0 || out.code == 13,
            "unexpected exit\n{}",
            out.dump()
        );
        assert_eq!(
            target.exists(),
            !sandboxed,
            "sandboxed = {sandboxed}\n{}",
            out.dump()
        );
    }
}
