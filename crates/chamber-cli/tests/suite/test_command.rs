//! `chamber test` on a real Python unittest project: a failing test gives
//! exit 13 and a JSON failure with file and line; fixing it gives exit 0.

use super::harness::Project;

const TEST: &str = "import unittest\n\nfrom calc import add\n\n\nclass CalcTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 2), 4)\n\n    def test_adds_again(self):\n        self.assertEqual(add(2, 3), 6)\n";

fn python_project() -> Project {
    // No model is involved; the base URL is never contacted.
    let p = Project::plain("http://127.0.0.1:9/v1");
    p.write("calc/__init__.py", "def add(a, b):\n    return a + b\n");
    p.write("tests/__init__.py", "");
    p.write("tests/test_calc.py", TEST);
    // unittest whether or not pytest happens to be installed.
    p.write(".chamber/config.toml", "[test]\nrunner = \"unittest\"\n");
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_then_fixed() {
    let p = python_project();
    let out = p.run(&["test", "--json"]).await;
    out.assert_code(13);
    let env = out.envelope();
    let payload = &env["payload"];
    assert_eq!(payload["passed"], false, "{}", out.dump());
    assert_eq!(payload["detected"]["command"], "python3 -m unittest -v");
    let report = &payload["run"]["report"];
    assert_eq!(report["runner"], "unittest");
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let failure = &report["failures"][0];
    assert_eq!(failure["name"], "tests.test_calc.CalcTest.test_adds_again");
    assert_eq!(failure["file"], "tests/test_calc.py");
    assert_eq!(failure["line"], 11);
    assert_eq!(failure["expected"], "6");
    assert_eq!(failure["actual"], "5");
    let hint = payload["hints"][0].as_str().unwrap();
    assert!(hint.contains("tests/test_calc.py:11"), "{hint}");
    assert!(hint.contains("(expected 6, got 5)"), "{hint}");

    p.write(
        "tests/test_calc.py",
        &TEST.replace("add(2, 3), 6", "add(2, 3), 5"),
    );
    let out = p.run(&["test", "--json"]).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["passed"], true);
    assert_eq!(payload["run"]["report"]["failed"], 0);
    assert_eq!(payload["hints"].as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_output_and_configured_command() {
    let p = python_project();
    let out = p.run(&["test"]).await;
    out.assert_code(13);
    let text = out.dump();
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    assert!(
        text.contains("tests.test_calc.CalcTest.test_adds_again tests/test_calc.py:11"),
        "{text}"
    );
    assert!(text.contains("hints:"), "{text}");

    // `[test] command` wins over detection.
    p.write(
        ".chamber/config.toml",
        "[test]\ncommand = \"echo all fine\"\n",
    );
    p.run(&["test"]).await.assert_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_to_run_is_a_config_error() {
    let p = Project::plain("http://127.0.0.1:9/v1");
    p.write("notes.txt", "no tests here\n");
    let out = p.run(&["test", "--json"]).await;
    out.assert_code(5);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "no_test_command");
    assert!(
        env["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("[test] command")
    );
}
