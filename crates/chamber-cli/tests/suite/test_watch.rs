//! `chamber test --watch --json` on a real Python unittest project: the
//! first result line is red; fixing the file makes a second, green line;
//! SIGINT then stops it with exit 0.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::Project;

const TEST: &str = "import unittest\n\nfrom calc import add\n\n\nclass CalcTest(unittest.TestCase):\n    def test_adds(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_zero(self):\n        self.assertEqual(add(0, 0), 0)\n";

/// The next `test_result` line, or a panic after `wait`.
fn next_result(lines: &mpsc::Receiver<String>, wait: Duration) -> Value {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no test_result line within {wait:?}: {e}"));
        let Ok(value) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if value["type"] == "test_result" {
            return value;
        }
    }
}

#[test]
fn reruns_on_change_until_interrupted() {
    let p = Project::plain("http://127.0.0.1:9/v1");
    p.write("calc/__init__.py", "def add(a, b):\n    return a - b\n");
    p.write("tests/__init__.py", "");
    p.write("tests/test_calc.py", TEST);
    p.write(".chamber/config.toml", "[test]\nrunner = \"unittest\"\n");
    let mut child = p
        .cmd(&["test", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };

    let first = next_result(&lines, Duration::from_secs(60));
    if first["passed"] != false {
        stop(&mut child);
        panic!("first run should fail: {first}");
    }
    assert_eq!(
        (&first["cycle"], &first["scope"]),
        (&1.into(), &"all".into())
    );
    // Give the watcher its baseline, then fix the code.
    std::thread::sleep(Duration::from_millis(700));
    p.write("calc/__init__.py", "def add(a, b):\n    return a + b\n");
    let second = next_result(&lines, Duration::from_secs(60));
    let green = second["passed"] == true && second["scope"] == "all";

    // SIGINT stops it with the last run's status.
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            stop(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(green, "second run should be green: {second}");
    assert_eq!(second["run"]["report"]["failed"], 0, "{second}");
    assert_eq!(code, Some(0));
}
