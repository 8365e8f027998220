//! Parsers over outputs recorded from real runs (see fixtures/README.md;
//! the go fixture is hand-written because Go is not installed here).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use chamber_verify::{Failure, HintLimits, Runner, TestReport, hints, parse};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn find<'a>(report: &'a TestReport, name: &str) -> &'a Failure {
    report
        .failures
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no failure {name} in {:#?}", report.failures))
}

fn at(f: &Failure) -> (Option<&str>, Option<u32>) {
    (f.file.as_deref(), f.line)
}

#[test]
fn cargo_test() {
    let r = parse(Runner::CargoTest, &fixture("cargo_test.txt"), Some(101));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let wrong = find(&r, "tests::adds_wrong");
    assert_eq!(at(wrong), (Some("src/lib.rs"), Some(16)));
    assert_eq!(wrong.message, "assertion `left == right` failed");
    assert_eq!(
        (wrong.expected.as_deref(), wrong.actual.as_deref()),
        (Some("5"), Some("4"))
    );
    let boom = find(&r, "tests::explodes");
    assert_eq!(at(boom), (Some("src/lib.rs"), Some(21)));
    assert_eq!(boom.message, "boom: the widget is broken");
    assert_eq!(boom.expected, None);
}

#[test]
fn cargo_nextest() {
    let r = parse(Runner::Nextest, &fixture("nextest.txt"), Some(100));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let wrong = find(&r, "tests::adds_wrong");
    assert_eq!(at(wrong), (Some("src/lib.rs"), Some(16)));
    assert_eq!(
        (wrong.expected.as_deref(), wrong.actual.as_deref()),
        (Some("5"), Some("4"))
    );
    let boom = find(&r, "tests::explodes");
    assert_eq!(at(boom), (Some("src/lib.rs"), Some(21)));
    assert_eq!(boom.message, "boom: the widget is broken");
}

#[test]
fn python_unittest() {
    let r = parse(Runner::Unittest, &fixture("unittest.txt"), Some(1));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let wrong = find(&r, "tests.test_calc.CalcTest.test_adds_wrong");
    assert_eq!(at(wrong), (Some("/tmp/fx/py/tests/test_calc.py"), Some(11)));
    assert_eq!(wrong.message, "AssertionError: 4 != 5");
    assert_eq!(
        (wrong.expected.as_deref(), wrong.actual.as_deref()),
        (Some("5"), Some("4"))
    );
    let boom = find(&r, "tests.test_calc.CalcTest.test_explodes");
    assert_eq!(at(boom), (Some("/tmp/fx/py/tests/test_calc.py"), Some(14)));
    assert_eq!(boom.message, "RuntimeError: boom: the widget is broken");
}

#[test]
fn python_unittest_old_style_header_and_ok() {
    let old = "FAIL: test_x (tests.test_a.T)\n----------------------------------------------------------------------\nTraceback (most recent call last):\n  File \"tests/test_a.py\", line 3, in test_x\n    self.fail('no')\nAssertionError: no\n\n----------------------------------------------------------------------\nRan 4 tests in 0.001s\n\nFAILED (failures=1, skipped=1)\n";
    let r = parse(Runner::Unittest, old, Some(1));
    assert_eq!((r.passed, r.failed), (Some(2), Some(1)));
    assert_eq!(r.failures[0].name, "tests.test_a.T.test_x");
    let ok = parse(Runner::Unittest, "Ran 3 tests in 0.000s\n\nOK\n", Some(0));
    assert_eq!(
        (ok.passed, ok.failed, ok.failures.len()),
        (Some(3), Some(0), 0)
    );
}

#[test]
fn pytest() {
    let r = parse(Runner::Pytest, &fixture("pytest.txt"), Some(1));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let wrong = find(&r, "tests/test_calc.py::test_adds_wrong");
    assert_eq!(at(wrong), (Some("tests/test_calc.py"), Some(9)));
    assert_eq!(wrong.message, "assert 4 == 5");
    assert_eq!(
        (wrong.expected.as_deref(), wrong.actual.as_deref()),
        (Some("5"), Some("4"))
    );
    let boom = find(&r, "tests/test_calc.py::test_explodes");
    assert_eq!(at(boom), (Some("tests/test_calc.py"), Some(13)));
    // The E line is complete; the short summary truncates it.
    assert_eq!(boom.message, "RuntimeError: boom: the widget is broken");
}

#[test]
fn jest() {
    let r = parse(Runner::Jest, &fixture("jest.txt"), Some(1));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let wrong = find(&r, "math › adds wrong");
    assert_eq!(at(wrong), (Some("sum.test.js"), Some(9)));
    assert_eq!(
        wrong.message,
        "expect(received).toBe(expected) // Object.is equality"
    );
    assert_eq!(
        (wrong.expected.as_deref(), wrong.actual.as_deref()),
        (Some("5"), Some("4"))
    );
    let boom = find(&r, "math › explodes");
    assert_eq!(at(boom), (Some("sum.test.js"), Some(13)));
    assert_eq!(boom.message, "boom: the widget is broken");
}

#[test]
fn go_test_hand_written() {
    let r = parse(Runner::GoTest, &fixture("go_test_v.txt"), Some(1));
    // TestTable fails only through its subtest, so the subtest is reported.
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(2), Some(2), 2)
    );
    let wrong = find(&r, "TestAddWrong");
    assert_eq!(at(wrong), (Some("calc_test.go"), Some(12)));
    assert_eq!(wrong.message, "Add(2, 2) = 4; want 5");
    let sub = find(&r, "TestTable/negative");
    assert_eq!(at(sub), (Some("calc_test.go"), Some(27)));
}

#[test]
fn go_test_recorded() {
    // A real `go test ./...` run (Go 1.19.8): two failing assertions (one in
    // a subtest), a panic, and a passing package.
    let r = parse(Runner::GoTest, &fixture("go_test.txt"), Some(1));
    let wrong = find(&r, "TestAddWrong");
    assert_eq!(at(wrong), (Some("calc_test.go"), Some(13)));
    assert_eq!(wrong.message, "Add(2, 2) = 4; want 5");
    let sub = find(&r, "TestTable/negative");
    assert_eq!(at(sub), (Some("calc_test.go"), Some(22)));
    let panicked = find(&r, "TestPanics");
    assert!(
        panicked.message.contains("nil map"),
        "{:?}",
        panicked.message
    );
    assert!(r.failures.len() >= 3, "{:?}", r.failures);
}

#[test]
fn generic_sniffs_known_formats_and_falls_back_to_error_lines() {
    // `make test` wrapping cargo test: the cargo parser is recognised.
    let r = parse(Runner::Generic, &fixture("cargo_test.txt"), Some(2));
    assert_eq!((r.runner, r.failed), (Runner::CargoTest, Some(2)));
    let compile = "   Compiling demo v0.1.0\nerror[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:3:5\n  |\n3 |     x\n";
    let r = parse(Runner::CargoTest, compile, Some(101));
    assert_eq!(r.failures.len(), 1);
    assert_eq!(at(&r.failures[0]), (Some("src/lib.rs"), Some(3)));
    assert!(r.failures[0].message.starts_with("error[E0425]"));
    let r = parse(Runner::Generic, "something went wrong\n", Some(3));
    assert_eq!(r.failures[0].message, "exit code 3: something went wrong");
    let r = parse(Runner::Generic, "all good\n", Some(0));
    assert!(!r.has_failures());
}

#[test]
fn hints_from_a_real_report() {
    let r = parse(Runner::CargoTest, &fixture("cargo_test.txt"), Some(101));
    let h = hints(&r, HintLimits::default());
    assert_eq!(
        h.text(),
        "tests::explodes — src/lib.rs:21 — boom: the widget is broken\n\
         tests::adds_wrong — src/lib.rs:16 — assertion `left == right` failed (expected 5, got 4)"
    );
}

#[test]
fn node_test() {
    let r = parse(Runner::NodeTest, &fixture("node_test.txt"), Some(1));
    assert_eq!(
        (r.passed, r.failed, r.failures.len()),
        (Some(1), Some(2), 2)
    );
    let adds = find(&r, "adds two numbers");
    assert_eq!(at(adds), (Some("/tmp/nodet/test/calc.test.js"), Some(4)));
    assert_eq!(adds.message, "Expected values to be strictly equal:");
    assert_eq!(
        (adds.expected.as_deref(), adds.actual.as_deref()),
        (Some("5"), Some("-1"))
    );
    let boom = find(&r, "explodes");
    assert_eq!((boom.message.as_str(), boom.line), ("boom", Some(6)));
    // `npm test` running `node --test` is detected as generic and sniffed.
    let sniffed = parse(Runner::Generic, &fixture("node_test.txt"), Some(1));
    assert_eq!(
        (sniffed.runner, sniffed.failed),
        (Runner::NodeTest, Some(2))
    );
}
