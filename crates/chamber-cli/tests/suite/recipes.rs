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
fn step_of(body: &Value) -> Option<String> {
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

fn write(path: &str, content: &str) -> Turn {
    Turn::call("write_file", json!({"path": path, "content": content}))
}

const CALC: &str = "def double(x):\n    return x * 2\n\n\ndef slow_sum(n):\n    total = 0\n    for i in range(n + 1):\n        total += i\n    return total\n";

const TEST_CALC: &str = "import unittest\n\nfrom calc import double, slow_sum\n\n\nclass CalcTest(unittest.TestCase):\n    def test_double(self):\n        self.assertEqual(double(2), 4)\n\n    def test_sum(self):\n        self.assertEqual(slow_sum(10), 55)\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

const APP: &str = "ROUTES = {}\n\n\ndef route(method, path):\n    def register(handler):\n        ROUTES[(method, path)] = handler\n        return handler\n    return register\n\n\n@route(\"GET\", \"/\")\ndef index():\n    return 200, {\"hello\": \"world\"}\n\n\ndef handle(method, path):\n    handler = ROUTES.get((method, path))\n    return handler() if handler else (404, {\"error\": \"not found\"})\n";

const TEST_MIGRATIONS: &str = "import pathlib\nimport sqlite3\nimport unittest\n\n\ndef migrate():\n    db = sqlite3.connect(\":memory:\")\n    for f in sorted(pathlib.Path(\"migrations\").glob(\"*.sql\")):\n        db.executescript(f.read_text())\n    return db\n\n\nclass MigrationsTest(unittest.TestCase):\n    def test_items(self):\n        migrate().execute(\"select id, name from items\")\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

const CLI: &str = "import argparse\n\n\ndef parser():\n    p = argparse.ArgumentParser(prog=\"calc\")\n    p.add_argument(\"n\", type=int)\n    return p\n\n\ndef main(argv=None):\n    args = parser().parse_args(argv)\n    print(args.n * 2)\n";

/// The sample project: a small Python package with unittest tests, a tiny
/// router, a CLI, settings, SQL migrations, a benchmark and requirements.
fn sample(server: &MockServer) -> Project {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_pr_opens_the_pull_request_with_the_written_description() {
    let responder = |body: &Value| -> Turn {
        if super::harness::is_planning(body) {
            return super::harness::plan_turn("Add a greeting", &[("1", "Create greet.py")]);
        }
        let results = super::harness::tool_results(body);
        match step_of(body).as_deref() {
            Some("Create greet.py") if results == 0 => write("greet.py", "print('hi')\n"),
            Some(s) if s.starts_with("Write the pull request") => Turn::text(
                r#"{"title": "Greet the user", "body": "Adds greet.py, which says hi."}"#,
            ),
            _ => Turn::text("done"),
        }
    };
    let server = MockServer::start_responder(Arc::new(responder))
        .await
        .unwrap();
    let p = sample(&server);
    let remote = tempfile::tempdir().unwrap();
    let bare = remote.path().join("widget.git");
    p.git_ok(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    p.git_ok(&["remote", "add", "origin", bare.to_str().unwrap()]);
    let first = p.run(&["--json", "run", "--yes", "add a greeting"]).await;
    first.assert_code(0);
    let id = super::harness::run_id(&first.envelope());

    let hub = super::fake_github::start().await;
    let env = [
        ("GITHUB_API_URL", hub.url.as_str()),
        ("GITHUB_TOKEN", "gh-test-token"),
        ("GITHUB_REPOSITORY", "acme/widget"),
    ];
    let run_param = format!("run={id}");
    let out = p
        .run_env(
            &[
                "--json",
                "recipe",
                "run",
                "create-pr",
                "--yes",
                "--param",
                &run_param,
            ],
            &env,
        )
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["pull_request"]["number"], 42, "{}", out.dump());
    let posts = hub.posts();
    let pull = posts
        .iter()
        .find(|(what, _, _)| what.contains("/pulls"))
        .expect("a pull request was posted");
    assert_eq!(pull.2["title"], "Greet the user");
    assert_eq!(pull.2["head"], format!("chamber/{}", &id[..8]));
    assert!(
        pull.2["body"]
            .as_str()
            .unwrap()
            .starts_with("Adds greet.py")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_and_unknown_recipes_are_clear_errors() {
    let server = MockServer::start_responder(Arc::new(|_: &Value| Turn::text("done")))
        .await
        .unwrap();
    let p = sample(&server);
    let out = p.run(&["recipe", "run", "add-tests"]).await;
    out.assert_code(5);
    assert!(
        out.stderr.contains("missing parameter \"module\""),
        "{}",
        out.dump()
    );
    assert!(
        out.stderr.contains("module (path, required)"),
        "{}",
        out.dump()
    );
    let out = p
        .run(&["recipe", "run", "add-tests", "--param", "module=nope.py"])
        .await;
    out.assert_code(5);
    assert!(out.stderr.contains("does not exist"), "{}", out.dump());
    let out = p
        .run(&["recipe", "run", "add-tests", "--param", "modul=calc.py"])
        .await;
    assert!(
        out.stderr.contains("unknown parameter \"modul\""),
        "{}",
        out.dump()
    );
    let out = p
        .run(&["recipe", "run", "api-endpoint", "--param", "path"])
        .await;
    out.assert_code(2);
    let out = p.run(&["recipe", "show", "nope"]).await;
    out.assert_code(5);
    assert!(out.stderr.contains("there are: "), "{}", out.dump());
    // Nothing ran, nothing changed, no model was asked.
    assert!(server.requests().is_empty());
    assert_eq!(p.git_ok(&["status", "--porcelain"]), "");
    let list = p.run(&["--json", "recipe", "list"]).await;
    list.assert_code(0);
    let names: Vec<String> = list.envelope()["payload"]["recipes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 12, "{names:?}");
    let show = p.run(&["recipe", "show", "fix-tests"]).await;
    show.assert_code(0);
    assert!(
        show.stdout
            .contains("[runs: {{test_command}} 2>&1 || true]"),
        "{}",
        show.dump()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_registers_a_recipe_a_template_and_a_test_runner() {
    let server = MockServer::start_responder(Arc::new(|_: &Value| Turn::text("done")))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write("build.zig", "// zig\n");
    p.write(
        ".chamber/plugins/zig/plugin.toml",
        "name = \"zig\"\ndescription = \"Zig projects\"\ndetect = [\"build.zig\"]\n[test]\ncommand = \"test -f src/hello.zig\"\n",
    );
    p.write(
        ".chamber/plugins/zig/templates/module.zig",
        "pub fn {{name}}() void {}\n",
    );
    p.write(
        ".chamber/plugins/zig/recipes/module.yaml",
        "name: zig-module\ndescription: A new Zig module from the template\nparams:\n  - name: name\n    type: identifier\n    required: true\ninstructions: Add the module {{name}}.\nsteps:\n  - title: Write src/{{name}}.zig\n    template:\n      path: src/{{name}}.zig\n      from: module.zig\n  - title: Run the tests\n    run: \"{{test_command}}\"\nchecks:\n  - run: \"{{test_command}}\"\n",
    );
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "zig plugin"]);
    let list = p.run(&["recipe", "list"]).await;
    assert!(list.stdout.contains("zig-module"), "{}", list.dump());
    assert!(list.stdout.contains("(plugin zig)"), "{}", list.dump());
    let out = p
        .run(&[
            "--json",
            "recipe",
            "run",
            "zig-module",
            "--yes",
            "--param",
            "name=hello",
        ])
        .await;
    out.assert_code(0);
    assert_eq!(
        p.read("src/hello.zig").as_deref(),
        Some("pub fn hello() void {}\n")
    );
    let payload = &out.envelope()["payload"];
    assert_eq!(
        payload["checks"][0]["command"], "test -f src/hello.zig",
        "{payload}"
    );
    // Every step was fixed: the model was never asked.
    assert!(server.requests().is_empty(), "{}", out.dump());
    // `chamber config show` names the plugin as the test command's source.
    let cfg = p.run(&["config", "show"]).await;
    assert!(cfg.stdout.contains("plugin zig"), "{}", cfg.dump());
}

/// A model whose plan has steps the actionizer knows: running the tests,
/// reading a file, committing.
fn planning_model(body: &Value) -> Turn {
    if super::harness::is_planning(body) {
        return super::harness::plan_turn(
            "Greet",
            &[
                ("1", "Read `calc.py`"),
                ("2", "Create greet.py"),
                ("3", "Run the tests"),
                ("4", "Commit the changes"),
            ],
        );
    }
    let results = super::harness::tool_results(body);
    match step_of(body).as_deref() {
        Some("Create greet.py") if results == 0 => write("greet.py", "print('hi')\n"),
        _ => Turn::text("done"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapped_steps_make_no_model_call_and_record_their_path() {
    let server = MockServer::start_responder(Arc::new(planning_model))
        .await
        .unwrap();
    let p = sample(&server);
    // `chamber plan` marks the steps a rule carries out.
    let plan = p.run(&["plan", "greet the user"]).await;
    plan.assert_code(0);
    assert!(
        plan.stdout.contains("Run the tests  [by rule: run_tests]"),
        "{}",
        plan.dump()
    );
    assert!(
        plan.stdout.contains("[by rule: read_file]"),
        "{}",
        plan.dump()
    );
    assert!(plan.stdout.contains("[by rule: commit]"), "{}", plan.dump());
    assert!(
        !plan.stdout.contains("Create greet.py  [by rule"),
        "{}",
        plan.dump()
    );

    let before = server.requests().len();
    let out = p.run(&["--json", "run", "--yes", "greet the user"]).await;
    out.assert_code(0);
    let id = super::harness::run_id(&out.envelope());
    let requests = server.requests()[before..].to_vec();
    for fixed in ["Read `calc.py`", "Run the tests", "Commit the changes"] {
        assert!(
            !requests
                .iter()
                .any(|r| step_of(&r.body).as_deref() == Some(fixed)),
            "{fixed} asked the model"
        );
    }
    assert!(
        requests
            .iter()
            .any(|r| step_of(&r.body).as_deref() == Some("Create greet.py"))
    );
    let (_, events) = p.show(&id).await;
    let routes: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["type"] == "step_routed")
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_string(),
                e["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = [
        ("rule", "read_file"),
        ("model", ""),
        ("rule", "run_tests"),
        ("rule", "commit"),
    ];
    assert_eq!(
        routes,
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    // The rule ran the project's test command through the shell tool.
    assert!(
        events.iter().any(|e| e["type"] == "tool_finished"
            && e["result"]["status"] == "ok"
            && e["name"] == "shell"),
        "no test run"
    );
    assert_eq!(p.read("greet.py").as_deref(), Some("print('hi')\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_agent_recipe_runs_its_roles_in_turn_on_one_branch() {
    let responder = |body: &Value| -> Turn {
        if super::harness::is_planning(body) {
            return super::harness::plan_turn("Review", &[("1", "Review the new tests")]);
        }
        let results = super::harness::tool_results(body);
        match step_of(body).as_deref() {
            Some("Add tests for calc.py") if results == 0 => write(
                "test_more.py",
                "import unittest\n\nfrom calc import double\n\n\nclass More(unittest.TestCase):\n    def test_zero(self):\n        self.assertEqual(double(0), 0)\n",
            ),
            _ => Turn::text("done"),
        }
    };
    let server = MockServer::start_responder(Arc::new(responder))
        .await
        .unwrap();
    let p = sample(&server);
    let team = "name: tested\ndescription: tests, then a review\nparams:\n  - name: module\n    type: path\n    required: true\nagents:\n  - role: implementer\n  - role: reviewer\n    model: gpt-4.1\n    instructions: Check the tests are meaningful.\nworkflow:\n  - agent: implementer\n    recipe: add-tests\n    params:\n      module: \"{{module}}\"\n  - agent: reviewer\n    task: Review the tests added for {{module}}\n";
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("team.yml");
    std::fs::write(&file, team).unwrap();
    let out = p
        .run(&[
            "--json",
            "agent",
            "run",
            file.to_str().unwrap(),
            "--yes",
            "--param",
            "module=calc.py",
        ])
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    let stages = payload["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 2, "{payload}");
    assert!(payload["checks"][0]["passed"] == true, "{payload}");
    let requests = server.requests();
    let review = requests
        .iter()
        .find(|r| r.body.to_string().contains("You are the reviewer"))
        .expect("the reviewer ran");
    assert_eq!(review.body["model"], "gpt-4.1");
    // One branch holds both stages' commits.
    let branch = payload["branch"].as_str().unwrap();
    let log = p.git_ok(&["log", "--format=%s", branch]);
    assert!(log.contains("Add tests for calc.py"), "{log}");
    assert_eq!(
        p.git_ok(&["branch", "--list", "chamber/*"]).lines().count(),
        1
    );
    let bad = p.run(&["agent", "run", file.to_str().unwrap()]).await;
    bad.assert_code(5);
    assert!(
        bad.stderr.contains("missing parameter \"module\""),
        "{}",
        bad.dump()
    );
}
