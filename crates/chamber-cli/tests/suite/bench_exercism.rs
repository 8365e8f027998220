//! `chamber bench exercism` on a tiny Exercism-shaped tree of two
//! exercises with real unittest files, against the scripted model: `leap`
//! is solved at the first try, `add` only at the second, which must be told
//! the test failures; a test file a run changed is restored before judging.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{Project, contents, messages, plan_turn};

const LEAP_STUB: &str = "def leap_year(year):\n    pass\n";
const LEAP_TEST: &str = "import unittest\n\nfrom leap import leap_year\n\n\nclass LeapTest(unittest.TestCase):\n    def test_common(self):\n        self.assertIs(leap_year(2015), False)\n\n    def test_century(self):\n        self.assertIs(leap_year(1900), False)\n\n    def test_400(self):\n        self.assertIs(leap_year(2000), True)\n";
const LEAP: &str =
    "def leap_year(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n";
const ADD_STUB: &str = "def add(a, b):\n    pass\n";
const ADD_TEST: &str = "import unittest\n\nfrom add import add\n\n\nclass AddTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_zero(self):\n        self.assertEqual(add(0, 0), 0)\n";
/// What a run "fixes" the test into so that the wrong `add` passes it.
const ADD_TEST_TAMPERED: &str = "import unittest\n\nfrom add import add\n\n\nclass AddTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), -1)\n\n    def test_zero(self):\n        self.assertEqual(add(0, 0), 0)\n";
const ADD_WRONG: &str = "def add(a, b):\n    return a - b\n";
const ADD: &str = "def add(a, b):\n    return a + b\n";

/// The unittest failure the wrong `add` produces.
const FAILURE: &str = "-1 != 5";

/// A project holding the fake checkout under `ex/` and the set `set.txt`
/// (`leap` then `add`). `leap` has a `.meta/config.json`; `add` relies on
/// the default file names.
fn project(base_url: &str) -> Project {
    let p = Project::git(base_url);
    let leap = "ex/exercises/practice/leap";
    p.write(
        &format!("{leap}/.docs/instructions.md"),
        "Tell whether a year is a leap year.\n",
    );
    p.write(
        &format!("{leap}/.meta/config.json"),
        &json!({"files": {"solution": ["leap.py"], "test": ["leap_test.py"], "example": [".meta/example.py"]}})
            .to_string(),
    );
    p.write(&format!("{leap}/leap.py"), LEAP_STUB);
    p.write(&format!("{leap}/leap_test.py"), LEAP_TEST);
    let add = "ex/exercises/practice/add";
    p.write(
        &format!("{add}/.docs/instructions.md"),
        "Add two numbers.\n",
    );
    p.write(
        &format!("{add}/.docs/instructions.append.md"),
        "Return the sum.\n",
    );
    p.write(&format!("{add}/add.py"), ADD_STUB);
    p.write(&format!("{add}/add_test.py"), ADD_TEST);
    p.write("set.txt", "# the test set\nleap\nadd  # second\n");
    p
}

fn fenced(code: &str) -> Turn {
    Turn::text(format!("Here is the file:\n```python\n{code}```\n"))
}

fn write(path: &str, content: &str) -> (&'static str, Value) {
    ("write_file", json!({"path": path, "content": content}))
}

/// A whole `chamber run`: plan one step, make `calls`, say done.
fn run_turns(calls: Vec<(&'static str, Value)>) -> Vec<Turn> {
    vec![
        plan_turn("Implement the exercise", &[("1", "Write the solution")]),
        Turn::calls(calls),
        Turn::text("Done."),
    ]
}

fn user_text(req: &chamber_mock_llm::RecordedRequest) -> String {
    contents(req, "user").join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alone_mode_solves_at_the_first_and_the_second_try() {
    let server = MockServer::start(vec![fenced(LEAP), fenced(ADD_WRONG), fenced(ADD)])
        .await
        .unwrap();
    let p = project(&server.base_url());
    let out = p
        .run(&[
            "bench", "exercism", "--repo", "ex", "--set", "set.txt", "--mode", "alone", "--json",
        ])
        .await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["cmd"], "bench exercism");
    let payload = &env["payload"];
    let alone = &payload["totals"]["alone"];
    assert_eq!(
        (
            &alone["exercises"],
            &alone["solved_after_1"],
            &alone["solved_after_2"]
        ),
        (&json!(2), &json!(1), &json!(2)),
        "{payload:#}"
    );
    assert!(payload["totals"].get("chamber").is_none());
    let exercises = payload["exercises"].as_array().unwrap();
    assert_eq!(exercises[0]["exercise"], "leap");
    assert_eq!(exercises[0]["alone"]["solved_at"], 1);
    assert_eq!(exercises[0]["chamber"], Value::Null);
    let add = &exercises[1]["alone"];
    assert_eq!(add["solved_at"], 2, "{add:#}");
    let tries = add["tries"].as_array().unwrap();
    assert_eq!(tries.len(), 2);
    assert_eq!(
        (&tries[0]["passed"], &tries[1]["passed"]),
        (&json!(false), &json!(true))
    );
    assert!(tries.iter().all(|t| t["secs"].as_f64().is_some()));
    assert_eq!(payload["settings"]["tries"], 2);
    assert_eq!(payload["settings"]["temperature"], "provider default");
    assert!(
        ["pytest", "unittest"].contains(&payload["settings"]["judge"].as_str().unwrap()),
        "{payload:#}"
    );
    assert_eq!(server.remaining(), 0, "every scripted answer is used");

    // The ideal prompt: instructions, stub and tests in one user message.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let first = user_text(&requests[0]);
    assert!(
        first.contains("Tell whether a year is a leap year."),
        "{first}"
    );
    assert!(first.contains("# leap.py") && first.contains(LEAP_STUB.trim_end()));
    assert!(first.contains("# leap_test.py") && first.contains("leap_year(1900)"));
    assert!(first.contains("one fenced ```python code block"), "{first}");
    assert!(requests[0].body.get("temperature").is_none());
    let add_first = user_text(&requests[1]);
    assert!(add_first.contains("Add two numbers.") && add_first.contains("Return the sum."));
    assert!(!add_first.contains(FAILURE));
    // The retry: the same conversation, the answer, then the failures.
    let retry = messages(&requests[2]);
    let roles: Vec<&str> = retry.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(retry[0]["content"].as_str().unwrap(), add_first);
    assert!(retry[1]["content"].as_str().unwrap().contains("a - b"));
    let told = retry[2]["content"].as_str().unwrap();
    assert!(
        told.contains("The tests failed") && told.contains(FAILURE),
        "{told}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_modes_report_the_table_the_ratio_and_restore_tampered_tests() {
    let mut script = vec![fenced(LEAP)];
    script.extend(run_turns(vec![write("leap.py", LEAP)]));
    script.extend([fenced(ADD_WRONG), fenced(ADD)]);
    // Try 1 writes a wrong add and edits the test so that it passes.
    script.extend(run_turns(vec![
        write("add.py", ADD_WRONG),
        write("add_test.py", ADD_TEST_TAMPERED),
    ]));
    script.extend(run_turns(vec![write("add.py", ADD)]));
    let server = MockServer::start(script).await.unwrap();
    let p = project(&server.base_url());
    let report = p.path().join("report.json");
    let out = p
        .run(&[
            "bench",
            "exercism",
            "--repo",
            "ex",
            "--set",
            "set.txt",
            "--json-out",
            report.to_str().unwrap(),
            "--run-arg=--max-turns",
            "--run-arg=4",
        ])
        .await;
    out.assert_code(0);
    assert_eq!(
        server.remaining(),
        0,
        "every scripted turn is used\n{}",
        out.dump()
    );

    // The printed table and totals.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].contains("exercise") && lines[0].contains("chamber") && lines[0].contains("alone")
    );
    let leap = lines.iter().find(|l| l.starts_with("leap")).unwrap();
    assert_eq!(leap.matches("try 1").count(), 2, "{leap}");
    let add = lines.iter().find(|l| l.starts_with("add")).unwrap();
    assert_eq!(add.matches("try 2").count(), 2, "{add}");
    assert!(add.contains("(tests restored)"), "{add}");
    let chamber_line = lines.iter().find(|l| l.starts_with("chamber")).unwrap();
    assert!(
        chamber_line.contains("after 1 try 1/2, after 2 tries 2/2"),
        "{chamber_line}"
    );
    let ratio_line = lines.iter().find(|l| l.starts_with("efficiency")).unwrap();
    assert!(
        ratio_line.contains("after 1: 1.00, after 2: 1.00"),
        "{ratio_line}"
    );

    // The JSON report.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let totals = &report["totals"];
    for mode in ["chamber", "alone"] {
        assert_eq!(
            (
                &totals[mode]["solved_after_1"],
                &totals[mode]["solved_after_2"]
            ),
            (&json!(1), &json!(2)),
            "{mode}: {totals:#}"
        );
        assert!(
            totals[mode]["max_secs"].as_f64().unwrap()
                >= totals[mode]["mean_secs"].as_f64().unwrap()
        );
    }
    assert_eq!(totals["ratio"]["solved_after_2"], 1.0);
    assert!(totals["ratio"]["time"].as_f64().is_some());
    assert_eq!(report["settings"]["run_args"], json!(["--max-turns", "4"]));
    let add = &report["exercises"][1]["chamber"];
    assert_eq!(add["solved_at"], 2, "{add:#}");
    let tries = add["tries"].as_array().unwrap();
    // Unrestored, the tampered test would have passed the wrong add.
    assert_eq!(tries[0]["tests_modified"], true, "{add:#}");
    assert_eq!(tries[0]["passed"], false);
    assert_eq!(tries[0]["run"]["tool_calls"], 2);
    assert_eq!(tries[0]["run_exit"], 0);
    assert_eq!(tries[1]["tests_modified"], false);
    assert_eq!(totals["chamber"]["tests_modified"], 1);

    // Each run got the task naming the files and the instructions; the
    // second run of `add` also got the failures of the restored tests.
    let plans: Vec<String> = server
        .requests()
        .iter()
        .map(user_text)
        .filter(|t| t.contains("Implement the exercise in add.py"))
        .filter(|t| t.contains("INSTRUCTIONS.md"))
        .collect();
    assert!(plans.len() >= 2, "{plans:#?}");
    assert!(!plans[0].contains(FAILURE));
    let last = plans.last().unwrap();
    assert!(
        last.contains("The tests failed") && last.contains(FAILURE),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_exercise_is_an_error_before_any_work() {
    let server = MockServer::start(Vec::new()).await.unwrap();
    let p = project(&server.base_url());
    p.write("bad.txt", "leap\nnope\n");
    let out = p
        .run(&[
            "bench", "exercism", "--repo", "ex", "--set", "bad.txt", "--json",
        ])
        .await;
    out.assert_code(8);
    let env = out.envelope();
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no exercise nope"),
        "{env}"
    );
    assert!(server.requests().is_empty());
}
