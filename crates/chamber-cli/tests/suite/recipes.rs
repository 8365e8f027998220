//! Recipes through `chamber recipe run`: each built-in recipe runs against
//! the mock model on a real sample Python project, its fixed steps make no
//! model call, and its success checks pass. Plus parameter errors, a
//! plugin that registers a recipe, a template and a test runner, and the
//! create-pr recipe against a local GitHub.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::{Value, json};

use super::harness::{Project, messages};

/// The step a request works on (its `CURRENT STEP:` line).
pub(super) fn step_of(body: &Value) -> Option<String> {
    let msgs = body["messages"].as_array()?;
    msgs.iter()
        .filter(|m| m["role"] == "user")
        .filter_map(|m| m["content"].as_str())
        .find_map(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("# CURRENT STEP: "))
                .map(str::to_string)
        })
}

/// A model that answers each step by the first entry whose key its title
/// holds: a first turn (a tool call), then `done` (or the entry's answer)
/// once it has a result.
fn model(acts: Vec<(&'static str, Turn, &'static str)>) -> impl Fn(&Value) -> Turn {
    move |body: &Value| {
        let Some(step) = step_of(body) else {
            return Turn::text("done");
        };
        let results = super::harness::tool_results(body);
        let hit = acts.iter().find(|(key, _, _)| step.contains(key));
        match hit {
            Some((_, turn, _)) if results == 0 && !turn_is_text(turn) => turn.clone(),
            Some((_, _, answer)) if !answer.is_empty() => Turn::text(*answer),
            _ => Turn::text("done"),
        }
    }
}

fn turn_is_text(turn: &Turn) -> bool {
    turn.tool_calls.is_empty()
}

pub(super) fn write(path: &str, content: &str) -> Turn {
    Turn::call("write_file", json!({"path": path, "content": content}))
}

const CALC: &str = "def double(x):\n    return x * 2\n\n\ndef slow_sum(n):\n    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n";

const TEST_CALC: &str = "import unittest\n\nfrom calc import double, slow_sum\n\n\nclass CalcTest(unittest.TestCase):\n    def test_double(self):\n        self.assertEqual(double(2), 4)\n\n    def test_sum(self):\n        self.assertEqual(slow_sum(10), 55)\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

const APP: &str = "ROUTES = {}\n\n\ndef route(method, path):\n    def register(handler):\n        ROUTES[(method, path)] = handler\n        return handler\n    return register\n\n\n@route(\"GET\", \"/\")\ndef index():\n    return 200, {\"hello\": \"world\"}\n\n\ndef handle(method, path):\n    handler = ROUTES.get((method, path))\n    return handler() if handler else (404, {\"error\": \"not found\"})\n";

const TEST_MIGRATIONS: &str = "import pathlib\nimport sqlite3\nimport unittest\n\n\ndef migrate():\n    db = sqlite3.connect(\":memory:\")\n    for f in sorted(pathlib.Path(\"migrations\").glob(\"*.sql\")):\n        db.executescript(f.read_text())\n    return db\n\n\nclass MigrationsTest(unittest.TestCase):\n    def test_items(self):\n        migrate().execute(\"select id, name from items\")\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

const CLI: &str = "import argparse\n\n\ndef parser():\n    p = argparse.ArgumentParser(prog=\"calc\")\n    p.add_argument(\"n\", type=int)\n    return p\n\n\ndef main(argv=None):\n    args = parser().parse_args(argv)\n    print(args.n * 2)\n";

/// The sample project: a small Python package with unittest tests, a tiny
/// router, a CLI, settings, SQL migrations, a benchmark and requirements.
pub(super) fn sample(server: &MockServer) -> Project {
    let p = Project::git(&server.base_url());
    p.write("calc.py", CALC);
    p.write("test_calc.py", TEST_CALC);
    p.write("app.py", APP);
    p.write(
        "test_app.py",
        "import unittest\n\nfrom app import handle\n\n\nclass AppTest(unittest.TestCase):\n    def test_index(self):\n        self.assertEqual(handle(\"GET\", \"/\")[0], 200)\n",
    );
    p.write("cli.py", CLI);
    p.write("settings.py", "DEBUG = False\n");
    p.write(
        "migrations/001_init.sql",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    p.write("test_migrations.py", TEST_MIGRATIONS);
    p.write(
        "bench.py",
        "import time\n\nimport calc\n\nstart = time.perf_counter()\ncalc.slow_sum(100000)\nprint(f\"slow_sum: {(time.perf_counter() - start) * 1000:.1f} ms\")\n",
    );
    p.write("requirements.txt", "requests==2.31.0\n");
    p.write(".gitignore", "__pycache__/\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "sample"]);
    p
}

/// Runs recipe `name` with `params` against `acts`; checks the run
/// completed, every check passed, and no fixed step asked the model.
async fn run_recipe(
    name: &str,
    params: &[&str],
    acts: Vec<(&'static str, Turn, &'static str)>,
    prepare: impl Fn(&Project),
) -> (Project, Value, Vec<RecordedRequest>) {
    let server = MockServer::start_responder(Arc::new(model(acts)))
        .await
        .unwrap();
    let p = sample(&server);
    prepare(&p);
    let mut args = vec!["--json", "recipe", "run", name, "--yes"];
    for param in params {
        args.extend(["--param", param]);
    }
    let out = p.run(&args).await;
    out.assert_code(0);
    let payload = out.envelope()["payload"].clone();
    assert_eq!(payload["status"], "completed", "{}", out.dump());
    let checks = payload["checks"].as_array().cloned().unwrap_or_default();
    assert!(
        checks.iter().all(|c| c["passed"] == true),
        "{name}: {checks:?}"
    );
    let requests = server.requests();
    // Fixed steps run by rule: no request works on them.
    let plan = &payload["plan"]["steps"];
    for step in plan.as_array().cloned().unwrap_or_default() {
        if step["action"].is_object() {
            let title = step["title"].as_str().unwrap_or_default();
            assert!(
                !requests
                    .iter()
                    .any(|r| step_of(&r.body).as_deref() == Some(title)),
                "{name}: the fixed step {title:?} asked the model"
            );
        }
    }
    // No planning turn: the recipe's steps are the plan.
    assert!(
        !requests.iter().any(|r| messages(r)
            .first()
            .and_then(|m| m["content"].as_str())
            .is_some_and(|t| t.starts_with("You are the planner"))),
        "{name}: a recipe with steps asked for a plan"
    );
    (p, payload, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_endpoint_adds_a_route_and_its_test() {
    let app = format!(
        "{APP}\n\n@route(\"GET\", \"/health\")\ndef health():\n    return 200, {{\"status\": \"ok\"}}\n"
    );
    let app: &'static str = Box::leak(app.into_boxed_str());
    let (p, ..) = run_recipe(
        "api-endpoint",
        &["path=/health"],
        vec![
            ("handler", write("app.py", app), ""),
            (
                "Add a test",
                write(
                    "test_health.py",
                    "import unittest\n\nfrom app import handle\n\n\nclass HealthTest(unittest.TestCase):\n    def test_health(self):\n        self.assertEqual(handle(\"GET\", \"/health\"), (200, {\"status\": \"ok\"}))\n",
                ),
                "",
            ),
        ],
        |_| {},
    )
    .await;
    assert!(p.read("app.py").unwrap().contains("/health"));
    assert!(p.read("test_health.py").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_tests_fixes_the_code_from_the_recorded_failures() {
    let (p, _, requests) = run_recipe(
        "fix-tests",
        &[],
        vec![("Fix the code", write("calc.py", CALC), "")],
        |p| {
            p.write("calc.py", &CALC.replace("x * 2", "x * 3"));
            p.git_ok(&["commit", "-qam", "break double"]);
        },
    )
    .await;
    assert_eq!(p.read("calc.py").as_deref(), Some(CALC));
    // The failures from the rule step reached the model's step.
    let fix = requests
        .iter()
        .find(|r| step_of(&r.body).is_some_and(|s| s.starts_with("Fix the code")))
        .expect("the fix step asked the model");
    assert!(
        fix.body.to_string().contains("test_double"),
        "no failures given"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feature_flag_defines_the_flag_with_tests() {
    run_recipe(
        "feature-flag",
        &["name=fast_mode"],
        vec![
            ("Add the fast_mode", write("settings.py", "DEBUG = False\nfast_mode = False\n"), ""),
            (
                "Add tests",
                write(
                    "test_flag.py",
                    "import unittest\n\nimport settings\n\n\nclass FlagTest(unittest.TestCase):\n    def test_off_by_default(self):\n        self.assertFalse(settings.fast_mode)\n",
                ),
                "",
            ),
        ],
        |_| {},
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_migration_writes_the_migration_and_its_test() {
    let (p, ..) = run_recipe(
        "db-migration",
        &["title=add a users table"],
        vec![
            (
                "Write the migration",
                write("migrations/002_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"),
                "",
            ),
            (
                "Add a test",
                write(
                    "test_users_migration.py",
                    "import unittest\n\nfrom test_migrations import migrate\n\n\nclass UsersTest(unittest.TestCase):\n    def test_users(self):\n        migrate().execute(\"select id, email from users\")\n",
                ),
                "",
            ),
        ],
        |p| {
            // Migrations are protected by default (a person approves each
            // write); this project lifts that for the unattended test.
            p.write(".chamber/config.toml", "[paths]\nprotected = [\".env\"]\n");
            p.git_ok(&["add", "."]);
            p.git_ok(&["commit", "-qm", "config"]);
        },
    )
    .await;
    assert!(p.read("migrations/002_users.sql").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_tests_reads_the_module_by_rule_and_adds_tests() {
    let (_, payload, requests) = run_recipe(
        "add-tests",
        &["module=calc.py"],
        vec![(
            "Add tests",
            write(
                "test_calc_more.py",
                "import unittest\n\nfrom calc import slow_sum\n\n\nclass MoreTest(unittest.TestCase):\n    def test_zero(self):\n        self.assertEqual(slow_sum(0), 0)\n",
            ),
            "",
        )],
        |_| {},
    )
    .await;
    // "Read `calc.py`" was mapped by the actionizer, and the file's text
    // reached the next step through its summary.
    assert_eq!(
        payload["plan"]["steps"][0]["action"]["rule"], "read_file",
        "{payload}"
    );
    let add = requests
        .iter()
        .find(|r| step_of(&r.body).is_some_and(|s| s.starts_with("Add tests")))
        .expect("asked");
    assert!(add.body.to_string().contains("slow_sum(n)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_flag_adds_the_flag_and_a_test() {
    let cli = CLI.replace(
        "    p.add_argument(\"n\", type=int)\n",
        "    p.add_argument(\"n\", type=int)\n    p.add_argument(\"--verbose\", action=\"store_true\", help=\"say more\")\n",
    );
    let cli: &'static str = Box::leak(cli.into_boxed_str());
    run_recipe(
        "cli-flag",
        &["flag=--verbose", "help=say more"],
        vec![
            ("Add the --verbose", write("cli.py", cli), ""),
            (
                "Add a test",
                write(
                    "test_cli.py",
                    "import unittest\n\nfrom cli import parser\n\n\nclass CliTest(unittest.TestCase):\n    def test_verbose(self):\n        self.assertTrue(parser().parse_args([\"2\", \"--verbose\"]).verbose)\n        self.assertFalse(parser().parse_args([\"2\"]).verbose)\n",
                ),
                "",
            ),
        ],
        |_| {},
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_file_answers_with_the_schema() {
    let (p, payload, _) = run_recipe(
        "explain-file",
        &["path=calc.py"],
        vec![(
            "Explain",
            Turn::text(""),
            r#"{"summary": "Arithmetic helpers.", "parts": [{"name": "double", "purpose": "twice x"}]}"#,
        )],
        |_| {},
    )
    .await;
    assert_eq!(
        payload["answer"]["summary"], "Arithmetic helpers.",
        "{payload}"
    );
    assert_eq!(p.read("calc.py").as_deref(), Some(CALC));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_faster_measures_before_and_after() {
    let fast = CALC.replace(
        "    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n",
        "    return n * (n + 1) // 2\n",
    );
    let fast: &'static str = Box::leak(fast.into_boxed_str());
    let (p, payload, requests) = run_recipe(
        "make-faster",
        &["target=slow_sum", "bench=python3 bench.py"],
        vec![
            ("Make slow_sum faster", write("calc.py", fast), ""),
            (
                "Report",
                Turn::text(""),
                r#"{"before": "5 ms", "after": "0.1 ms"}"#,
            ),
        ],
        |_| {},
    )
    .await;
    assert_eq!(payload["answer"]["after"], "0.1 ms");
    assert!(p.read("calc.py").unwrap().contains("n * (n + 1)"));
    // Both measurements reached the report step.
    let report = requests
        .iter()
        .find(|r| step_of(&r.body).is_some_and(|s| s.starts_with("Report")))
        .expect("asked");
    assert!(report.body.to_string().matches("slow_sum: ").count() >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_symbol_renames_by_the_symbol_engine_then_the_uses() {
    let tests = TEST_CALC.replace("double", "twice");
    let tests: &'static str = Box::leak(tests.into_boxed_str());
    let (p, ..) = run_recipe(
        "rename-symbol",
        &["old=double", "new=twice", "file=calc.py"],
        vec![("remaining uses", write("test_calc.py", tests), "")],
        |_| {},
    )
    .await;
    assert!(p.read("calc.py").unwrap().contains("def twice(x)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_docs_adds_docstrings() {
    let documented = CALC
        .replace(
            "def double(x):\n",
            "def double(x):\n    \"\"\"Twice x.\"\"\"\n",
        )
        .replace(
            "def slow_sum(n):\n",
            "def slow_sum(n):\n    \"\"\"0 + 1 + ... + n.\"\"\"\n",
        );
    let documented: &'static str = Box::leak(documented.into_boxed_str());
    let (p, ..) = run_recipe(
        "write-docs",
        &["path=calc.py"],
        vec![("Write the missing", write("calc.py", documented), "")],
        |_| {},
    )
    .await;
    assert!(p.read("calc.py").unwrap().contains("\"\"\"Twice x.\"\"\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bump_dependency_edits_the_manifest_and_checks_the_fallout() {
    let (p, ..) = run_recipe(
        "bump-dependency",
        &["name=requests", "version=2.32.3"],
        vec![(
            "Bump requests",
            write("requirements.txt", "requests==2.32.3\n"),
            "",
        )],
        |_| {},
    )
    .await;
    assert_eq!(
        p.read("requirements.txt").as_deref(),
        Some("requests==2.32.3\n")
    );
}
