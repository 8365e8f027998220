//! Recipes beyond the built-in set's own runs: `create-pr` against a
//! local GitHub, parameter errors, a plugin, the actionizer in a plain
//! `chamber run`, and a multi-agent recipe.

use std::sync::Arc;

use chamber_mock_llm::{MockServer, Turn};
use serde_json::Value;

use super::harness::Project;
use super::recipes::{sample, step_of, write};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipes_write_lanes_are_enforced() {
    let responder = |body: &Value| -> Turn {
        if super::harness::tool_results(body) == 0 && step_of(body).is_some() {
            return write("outside.py", "x = 1\n");
        }
        Turn::text("done")
    };
    let server = MockServer::start_responder(Arc::new(responder))
        .await
        .unwrap();
    let p = sample(&server);
    p.write(
        ".chamber/recipes/tests-only.toml",
        "name = \"tests-only\"\ndescription = \"d\"\ninstructions = \"add a test\"\nlanes = [\"tests/**\"]\n[[steps]]\ntitle = \"Write the test\"\nkind = \"edit\"\n",
    );
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "recipe"]);
    let out = p
        .run(&["--json", "recipe", "run", "tests-only", "--yes"])
        .await;
    assert!(p.read("outside.py").is_none(), "{}", out.dump());
    let denied = out
        .events()
        .into_iter()
        .any(|e| e["type"] == "policy_decision" && e["decision"] == "deny");
    assert!(denied, "{}", out.dump());
}
