//! Detect, run and parse on real temporary projects: a cargo crate and a
//! Python unittest package (both toolchains exist wherever Chamber builds).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;
use std::time::Duration;

use chamber_verify::{RunOptions, Runner, TestConfig, Tools, detect, run_tests};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn options() -> RunOptions {
    RunOptions {
        timeout: Duration::from_secs(300),
        ..RunOptions::default()
    }
}

#[tokio::test]
async fn cargo_crate_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"livedemo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        root,
        "src/lib.rs",
        "pub fn add(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn ok() { assert_eq!(super::add(1, 1), 2); }\n    #[test]\n    fn wrong() { assert_eq!(super::add(1, 1), 3); }\n}\n",
    );
    // Plain `cargo test` (the nextest variant is covered by the fixtures).
    let found = detect(root, &TestConfig::default(), Tools::default()).unwrap();
    assert_eq!(found[0].runner, Runner::CargoTest);
    let run = run_tests(root, &found[0], options()).await.unwrap();
    assert!(!run.passed(), "{}", run.output);
    let r = &run.report;
    assert_eq!((r.passed, r.failed), (Some(1), Some(1)), "{}", run.output);
    let f = &r.failures[0];
    assert_eq!(f.name, "tests::wrong");
    assert_eq!((f.file.as_deref(), f.line), (Some("src/lib.rs"), Some(8)));
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("3"), Some("2"))
    );
}

#[tokio::test]
async fn python_unittest_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        "calc/__init__.py",
        "def add(a, b):\n    return a + b\n",
    );
    write(root, "tests/__init__.py", "");
    let test = "import unittest\n\nfrom calc import add\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertEqual(add(1, 1), 2)\n\n    def test_wrong(self):\n        self.assertEqual(add(1, 1), 3)\n";
    write(root, "tests/test_calc.py", test);
    // Force unittest: pytest may or may not be installed here.
    let config = TestConfig {
        command: None,
        runner: Some("unittest".into()),
    };
    let found = detect(root, &config, Tools::default()).unwrap();
    let run = run_tests(root, &found[0], options()).await.unwrap();
    assert_eq!(run.exit_code, Some(1), "{}", run.output);
    let r = &run.report;
    assert_eq!((r.passed, r.failed), (Some(1), Some(1)), "{}", run.output);
    let f = &r.failures[0];
    assert_eq!(f.name, "tests.test_calc.T.test_wrong");
    // The absolute traceback path is made relative to the project.
    assert_eq!(
        (f.file.as_deref(), f.line),
        (Some("tests/test_calc.py"), Some(11))
    );
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("3"), Some("2"))
    );

    write(
        root,
        "tests/test_calc.py",
        &test.replace("add(1, 1), 3", "add(1, 1), 2"),
    );
    let run = run_tests(root, &found[0], options()).await.unwrap();
    assert!(run.passed(), "{}", run.output);
    assert_eq!((run.report.passed, run.report.failed), (Some(2), Some(0)));
}
