//! `chamber fix` with the scripted model on a real Rust crate (`cargo test`
//! runs for real, into a private target dir) and, when node is installed, a
//! Node package whose `npm test` is `node --test`; `run --verify --dry-run`
//! is refused.

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::Project;

fn write(path: &str, content: &str) -> Turn {
    Turn::call("write_file", json!({"path": path, "content": content}))
}

/// Runs `chamber fix` and checks that `command` went green in one round,
/// 1 failure → 0, with both tests passing.
async fn fixed_in_one_round(p: &Project, env: &[(&str, &str)], command: &str) {
    let out = p.run_env(&["fix", "--yes", "--json"], env).await;
    out.assert_code(0);
    let env = out.envelope();
    let fix = &env["payload"]["fix"];
    assert_eq!(fix["stop"], "green", "{env}");
    assert_eq!(
        (
            &fix["rounds"],
            &fix["failures_before"],
            &fix["failures_after"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{fix}"
    );
    assert_eq!(
        (&fix["command"], &fix["passed"]),
        (&json!(command), &json!(2))
    );
}

const RUST_BUGGY: &str = "pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn adds() {\n        assert_eq!(add(2, 3), 5);\n    }\n\n    #[test]\n    fn zero() {\n        assert_eq!(add(0, 0), 0);\n    }\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_crate_is_fixed() {
    let server = MockServer::start(vec![
        write("src/lib.rs", &RUST_BUGGY.replace("a - b", "a + b")),
        Turn::text("add adds now."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        "Cargo.toml",
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    p.write("src/lib.rs", RUST_BUGGY);
    p.write(".gitignore", "/target\nCargo.lock\n");
    // `cargo test` even where nextest is installed (detection prefers it).
    p.write(".chamber/config.toml", "[test]\nrunner = \"cargo_test\"\n");
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "calc"]);
    let target = tempfile::tempdir().unwrap();
    let target = target.path().to_string_lossy().into_owned();
    fixed_in_one_round(&p, &[("CARGO_TARGET_DIR", target.as_str())], "cargo test").await;
    assert!(p.read("src/lib.rs").unwrap().contains("a + b"));
}

const NODE_TEST: &str = "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('../calc');\n\ntest('adds two numbers', () => {\n  assert.strictEqual(add(2, 3), 5);\n});\n\ntest('adds zero', () => {\n  assert.strictEqual(add(0, 0), 0);\n});\n";

fn has_node() -> bool {
    ["node", "npm"].iter().all(|tool| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_package_is_fixed() {
    if !has_node() {
        eprintln!("skipped: node/npm not installed");
        return;
    }
    let server = MockServer::start(vec![
        write("calc.js", "exports.add = (a, b) => a + b;\n"),
        Turn::text("add adds now."),
    ])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        "package.json",
        "{\"name\": \"calc\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test\"}}\n",
    );
    p.write("calc.js", "exports.add = (a, b) => a - b;\n");
    p.write("test/calc.test.js", NODE_TEST);
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "calc"]);
    // Detected from package.json as node's own runner.
    let out = p.run(&["test", "--json"]).await;
    out.assert_code(13);
    let report = &out.envelope()["payload"]["run"]["report"];
    assert_eq!(report["runner"], "node_test", "{}", out.dump());
    assert_eq!(report["failures"][0]["name"], "adds two numbers");
    assert_eq!(report["failures"][0]["file"], "test/calc.test.js");
    fixed_in_one_round(&p, &[], "npm test").await;
    assert_eq!(
        p.read("calc.js").as_deref(),
        Some("exports.add = (a, b) => a + b;\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_with_dry_run_is_a_usage_error() {
    let p = Project::git("http://127.0.0.1:9/v1");
    let out = p.run(&["run", "--dry-run", "--verify", "--yes", "x"]).await;
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("'--dry-run' cannot be used with '--verify'"),
        "{}",
        out.dump()
    );
}
