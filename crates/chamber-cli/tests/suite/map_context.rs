//! The repo map, the context builder (`chamber context`, and what a run
//! records), `chamber explain` against the mock model, and the retrieval
//! benchmark on a tiny generated set.

use std::path::Path;
use std::process::Command;

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{NO_MODEL, Project, first_of, hello_script, messages};

/// A small Python project: one hub module every other file uses, a test,
/// and instructions.
fn python_project(p: &Project) {
    p.write(
        "pkg/config.py",
        "import os\n\n\ndef load_config(path):\n    \"\"\"Reads the settings file.\"\"\"\n    with open(path) as f:\n        return parse_settings(f.read())\n\n\ndef parse_settings(text):\n    return dict(line.split('=', 1) for line in text.splitlines() if line)\n",
    );
    p.write(
        "pkg/server.py",
        "from pkg.config import load_config\n\n\nclass Server:\n    def start(self):\n        self.settings = load_config('app.cfg')\n",
    );
    p.write(
        "pkg/cli.py",
        "from pkg.config import load_config\n\n\ndef main():\n    print(load_config('app.cfg'))\n",
    );
    p.write(
        "pkg/report.py",
        "from pkg.config import load_config\n\n\ndef render_report():\n    return str(load_config('app.cfg'))\n",
    );
    p.write(
        "tests/test_config.py",
        "from pkg.config import parse_settings\n\n\ndef test_parse_settings():\n    assert parse_settings('a=1') == {'a': '1'}\n",
    );
    p.write("AGENTS.md", "Use four spaces.\n");
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "python project"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_ranks_the_hub_first_within_the_budget() {
    let p = Project::git(NO_MODEL);
    python_project(&p);
    let out = p.run(&["map", "--json", "--tokens", "120"]).await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["files"][0]["path"], "pkg/config.py", "{payload}");
    assert!(payload["tokens"].as_u64().unwrap() <= 120, "{payload}");
    let text = payload["text"].as_str().unwrap();
    assert!(text.contains("def load_config(path):"), "{text}");

    // Human output is the same map; leaning toward a task moves it.
    let out = p
        .run(&[
            "map",
            "--tokens",
            "400",
            "--task",
            "render_report prints nothing",
        ])
        .await;
    out.assert_code(0);
    assert!(out.stdout.starts_with("pkg/report.py:"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_shows_each_piece_with_its_reason_and_stays_in_budget() {
    let p = Project::git(NO_MODEL);
    python_project(&p);
    p.write(".chamber/config.toml", "[context]\nbudget_tokens = 1500\n");
    let out = p
        .run(&[
            "context",
            "--json",
            "Fix",
            "`parse_settings`",
            "for",
            "empty",
            "values",
        ])
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    assert_eq!(payload["budget_tokens"], 1500, "{payload}");
    assert!(payload["tokens"].as_u64().unwrap() <= 1500, "{payload}");
    let pieces = payload["pieces"].as_array().unwrap();
    assert_eq!(pieces[0]["kind"], "instructions", "{payload}");
    assert_eq!(pieces[0]["path"], "AGENTS.md");
    let file = pieces
        .iter()
        .find(|p| p["kind"] == "file")
        .unwrap_or_else(|| panic!("no file piece: {payload}"));
    assert_eq!(file["path"], "pkg/config.py", "{payload}");
    let reason = file["reason"].as_str().unwrap();
    assert!(reason.contains("defines `parse_settings`"), "{reason}");
    assert!(pieces.iter().any(|p| p["kind"] == "repo_map"), "{payload}");
    let test = pieces.iter().find(|p| p["kind"] == "test").unwrap();
    assert_eq!(test["path"], "tests/test_config.py");
    let text = payload["text"].as_str().unwrap();
    assert!(text.contains("Use four spaces."), "{text}");
    assert!(text.contains("return dict(line.split"), "{text}");

    // The human form lists the same pieces, then the text.
    let out = p.run(&["context", "Fix `parse_settings`"]).await;
    out.assert_code(0);
    assert!(out.stdout.contains("pkg/config.py"), "{}", out.stdout);
    assert!(
        out.stdout.contains("tokens of 1500 budget"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_sends_the_built_context_and_records_its_pieces() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    python_project(&p);
    let out = p
        .run(&[
            "run",
            "--yes",
            "--json",
            "add a hello script like render_report",
        ])
        .await;
    out.assert_code(0);
    let events = out.events();
    let built = first_of(&events, "context_built");
    let pieces = built["pieces"]
        .as_array()
        .unwrap_or_else(|| panic!("{built}"));
    assert!(
        pieces
            .iter()
            .any(|p| p["kind"] == "file" && p["path"] == "pkg/report.py"),
        "{built}"
    );
    assert!(
        pieces
            .iter()
            .all(|p| p["reason"].as_str().is_some_and(|r| !r.is_empty()))
    );
    let plan_request = &server.requests()[0];
    let text = messages(plan_request)
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect::<String>();
    assert!(text.contains("def render_report():"), "{text}");
    assert!(text.contains("Repository map"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_sends_the_code_and_streams_the_answer() {
    let server = MockServer::start(vec![Turn::text(
        "load_config opens the file and parses it.",
    )])
    .await
    .unwrap();
    let p = Project::git(&server.base_url());
    python_project(&p);
    let out = p.run(&["explain", "pkg/server.py:6"]).await;
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("load_config opens the file and parses it."),
        "{}",
        out.dump()
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body = requests[0].body.to_string();
    // The method around line 6, and the definition it calls.
    assert!(
        body.contains("self.settings = load_config('app.cfg')"),
        "{body}"
    );
    assert!(body.contains("pkg/server.py lines 5-6"), "{body}");
    assert!(body.contains("def load_config(path):"), "{body}");

    let out = p.run(&["explain", "missing.py"]).await;
    assert_ne!(out.code, 0);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with two commits; the second adds `lib/render.py`.
fn bench_repo(dir: &Path) -> (String, String) {
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.join("lib/parser.py"),
        "def parse_header(line):\n    name, value = line.split(':', 1)\n    return name.strip(), value\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lib/client.py"),
        "from lib.parser import parse_header\n\n\ndef fetch(url):\n    return [parse_header(h) for h in ['a: b']]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("tests/test_parser.py"),
        "from lib.parser import parse_header\n\n\ndef test_parse_header():\n    assert parse_header('a: b')\n",
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "one"]);
    let first = git(dir, &["rev-parse", "HEAD"]);
    std::fs::write(
        dir.join("lib/render.py"),
        "class HtmlRenderer:\n    def render_table(self, rows):\n        return '<table>'\n",
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "two"]);
    let second = git(dir, &["rev-parse", "HEAD"]);
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_retrieval_scores_ours_and_bm25_and_the_model_rerank() {
    let server = MockServer::start(vec![
        // Instances run sorted by repository: g-1, w-1, w-2.
        Turn::text(r#"{"files": ["lib/client.py", "lib/parser.py"]}"#),
        Turn::text(r#"{"files": ["lib/parser.py"]}"#),
        Turn::text(r#"{"files": ["lib/render.py"]}"#),
    ])
    .await
    .unwrap();
    let p = Project::plain(&server.base_url());
    let repos = p.path().join("repos");
    // One work tree laid out as owner__name, one bare mirror as owner+name/repo.
    let (first, second) = bench_repo(&repos.join("acme__widget"));
    git(
        &repos,
        &["clone", "-q", "--bare", "acme__widget", "acme+gadget/repo"],
    );
    let lines = [
        json!({"instance_id": "w-1", "repo": "acme/widget", "base_commit": first,
               "problem_statement": "parse_header crashes when the header has no colon", "gold_files": ["lib/parser.py"]}),
        json!({"instance_id": "w-2", "repo": "acme/widget", "base_commit": second,
               "problem_statement": "HtmlRenderer.render_table ignores rows", "gold_files": ["lib/render.py"]}),
        json!({"instance_id": "g-1", "repo": "acme/gadget", "base_commit": first,
               "problem_statement": "Traceback:\n  File \"/site-packages/lib/parser.py\", line 2, in parse_header\nValueError", "gold_files": ["lib/parser.py"]}),
    ];
    let file = p.path().join("set.jsonl");
    std::fs::write(
        &file,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let file_arg = file.to_string_lossy().to_string();
    let repos_arg = repos.to_string_lossy().to_string();
    let out = p
        .run(&[
            "bench",
            "retrieval",
            &file_arg,
            "--repos",
            &repos_arg,
            "--json",
        ])
        .await;
    out.assert_code(0);
    let payload = &out.envelope()["payload"];
    let total = &payload["total"];
    assert_eq!(total["instances"], 3, "{payload}");
    assert_eq!(total["errors"], 0, "{payload}");
    assert_eq!(total["systems"]["ours"]["acc@1"], 1.0, "{payload}");
    assert!(total["systems"]["bm25"]["acc@10"].as_f64().is_some());
    let inst = &payload["instances"][0];
    assert_eq!(inst["ours"]["gold_ranks"], json!([1]), "{inst}");
    assert!(
        inst["top"][0]["reasons"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{inst}"
    );

    // With --llm the model's order is scored too (first answer puts the
    // gold file second).
    let out = p
        .run(&[
            "bench",
            "retrieval",
            &file_arg,
            "--repos",
            &repos_arg,
            "--llm",
            "--json",
        ])
        .await;
    out.assert_code(0);
    let payload: Value = out.envelope()["payload"].clone();
    let llm = &payload["total"]["systems"]["ours+llm"];
    assert!(
        (llm["acc@1"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9,
        "{payload}"
    );
    assert_eq!(llm["acc@3"], 1.0);
    let body = server.requests()[0].body.to_string();
    assert!(body.contains("Candidate files"), "{body}");
    assert!(body.contains("lib/parser.py"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_goes_on_with_the_basic_context_when_the_index_fails() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    python_project(&p);
    // The index directory cannot be made: a file holds its name.
    p.write(".chamber/index", "not a directory\n");
    let out = p
        .run(&["run", "--yes", "--json", "add a hello script"])
        .await;
    out.assert_code(0);
    let events = out.events();
    let built = first_of(&events, "context_built");
    let why = built["fallback"]
        .as_str()
        .unwrap_or_else(|| panic!("{built}"));
    assert!(why.contains("index"), "{why}");
    assert!(built.get("pieces").is_none(), "{built}");
    let text = messages(&server.requests()[0])
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect::<String>();
    assert!(text.contains("## Project files"), "{text}");
    assert!(text.contains("pkg/"), "{text}");
}
