//! `chamber index`, `search` and `symbols` end to end on real repositories
//! in temp dirs: a small multi-language git repo with a `.gitignore`, an
//! interrupted (killed) build that the next run completes, and `--watch`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::harness::{NO_MODEL, Project};

/// A git repository with Python, Rust, TypeScript, JavaScript and Go files,
/// one ignored directory and one generated file.
fn multi_language_repo() -> Project {
    let p = Project::git(NO_MODEL);
    p.write(".gitignore", "build/\n");
    p.write("build/out.py", "def ignored_artifact():\n    pass\n");
    p.write(
        "app/store.py",
        "from app.util import parse_request\n\n\nclass SessionStore:\n    def load_session(self, key):\n        return parse_request(key)\n",
    );
    p.write(
        "app/util.py",
        "def parse_request(raw):\n    \"\"\"Split an HTTP request line.\"\"\"\n    return raw.split()\n",
    );
    p.write("app/__init__.py", "");
    p.write(
        "tests/test_store.py",
        "from app.store import SessionStore\n\n\ndef test_load():\n    assert SessionStore().load_session('k')\n",
    );
    p.write(
        "src/lib.rs",
        "mod cache;\n\npub fn fetch_user(id: u32) -> cache::Entry {\n    cache::lookup(id)\n}\n",
    );
    p.write(
        "src/cache.rs",
        "pub struct Entry;\n\npub fn lookup(_id: u32) -> Entry {\n    Entry\n}\n",
    );
    p.write(
        "web/user.ts",
        "import { lookup } from './api';\n\nexport function renderUser(id: number): string {\n  return lookup(id);\n}\n",
    );
    p.write(
        "web/api.js",
        "export function lookup(id) {\n  return String(id);\n}\n",
    );
    p.write(
        "main.go",
        "package main\n\nfunc main() {\n\tserve()\n}\n\nfunc serve() {}\n",
    );
    p.write("gen/models_pb2.py", "class Generated:\n    pass\n");
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "code"]);
    p
}

/// `chamber <args> --json` → the payload (asserting exit 0).
async fn payload(p: &Project, args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.push("--json");
    let run = p.run(&all).await;
    run.assert_code(0);
    run.envelope()["payload"].clone()
}

fn paths(hits: &Value) -> Vec<String> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn index_search_and_symbols_on_a_multi_language_repo() {
    let p = multi_language_repo();
    // README.md, .gitignore is hidden, build/ ignored, *_pb2.py generated.
    let first = payload(&p, &["index"]).await;
    assert_eq!(first["files_total"], 10, "{first}");
    assert_eq!(first["files_parsed"], 10);
    assert_eq!(first["files_unchanged"], 0);
    assert!(first["symbols"].as_u64().unwrap() >= 12, "{first}");
    assert!(p.path().join(".chamber/index/index.db").exists());
    // The index stays out of git (only `.chamber/.gitignore` shows).
    assert_eq!(
        p.git_ok(&["status", "--porcelain", "--untracked-files=all"]),
        "?? .chamber/.gitignore"
    );

    let human = p.run(&["index"]).await;
    human.assert_code(0);
    assert!(
        human
            .stdout
            .contains("indexed 10 files (0 parsed, 10 unchanged, 0 removed, 0 skipped)"),
        "{}",
        human.dump()
    );

    std::thread::sleep(Duration::from_millis(20));
    p.write(
        "app/util.py",
        "def parse_request(raw):\n    return raw.split()\n\n\ndef format_reply(body):\n    return body\n",
    );
    let changed = payload(&p, &["index"]).await;
    assert_eq!(changed["files_parsed"], 1, "{changed}");
    assert_eq!(changed["files_unchanged"], 9);
    assert_eq!(
        changed["symbols"].as_u64().unwrap(),
        first["symbols"].as_u64().unwrap() + 1
    );

    let found = payload(&p, &["search", "parseRequest"]).await;
    let hits = &found["hits"];
    assert_eq!(paths(hits)[0], "app/util.py", "{found}");
    assert_eq!(hits[0]["symbols"][0]["qualified"], "parse_request");
    assert_eq!(hits[0]["lines"][0][0], 1);
    assert_eq!(hits[0]["lines"][0][1], "def parse_request(raw):");
    assert!(paths(hits).contains(&"app/store.py".to_owned()));

    let ignored = payload(&p, &["search", "ignored_artifact"]).await;
    assert_eq!(ignored["hits"], Value::Array(vec![]), "{ignored}");
    let weird = payload(&p, &["search", "((", "AND", "\"unclosed", "[1 TO"]).await;
    assert!(weird["hits"].is_array());

    let human = p.run(&["search", "session", "store", "--limit", "1"]).await;
    human.assert_code(0);
    assert!(human.stdout.starts_with("app/store.py"), "{}", human.dump());
    assert!(human.stdout.contains("class SessionStore (lines 4-6)"));

    let file = payload(&p, &["symbols", "app/store.py"]).await;
    let defs: Vec<(String, String, u64, u64)> = file["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["qualified"].as_str().unwrap().to_owned(),
                d["start_line"].as_u64().unwrap(),
                d["end_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        defs,
        [
            ("class".to_owned(), "SessionStore".to_owned(), 4, 6),
            (
                "method".to_owned(),
                "SessionStore.load_session".to_owned(),
                5,
                6
            ),
        ]
    );
    assert_eq!(
        file["definitions"][1]["signature"],
        "def load_session(self, key):"
    );

    let name = payload(&p, &["symbols", "lookup"]).await;
    let def_paths: Vec<&str> = name["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(def_paths, ["src/cache.rs", "web/api.js"]);
    let refs: Vec<String> = name["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r["path"].as_str().unwrap(), r["line"]))
        .collect();
    assert_eq!(refs, ["src/lib.rs:4", "web/user.ts:4"]);

    let qualified = payload(&p, &["symbols", "SessionStore.load_session"]).await;
    assert_eq!(qualified["definitions"].as_array().unwrap().len(), 1);
    assert_eq!(qualified["references"][0]["path"], "tests/test_store.py");

    let missing = p.run(&["symbols", "no_such_symbol", "--json"]).await;
    missing.assert_code(8);
    assert_eq!(missing.envelope()["error"]["code"], "not_found");

    std::fs::remove_file(p.path().join("src/cache.rs")).unwrap();
    let removed = payload(&p, &["symbols", "lookup"]).await;
    let def_paths: Vec<&str> = removed["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        def_paths,
        ["web/api.js"],
        "symbols brings the index up to date first"
    );
}

#[tokio::test]
async fn search_builds_a_missing_index_first() {
    let p = multi_language_repo();
    let found = payload(&p, &["search", "fetch", "user"]).await;
    assert_eq!(paths(&found["hits"])[0], "src/lib.rs", "{found}");
    assert!(p.path().join(".chamber/index/index.db").exists());
}

/// Files and definitions of the generated tree: each module defines one
/// class with two methods and three functions.
const MODULES: usize = 1500;
const SYMBOLS_PER_MODULE: u64 = 6;

fn big_tree(p: &Project) {
    for i in 0..MODULES {
        let mut text = format!("import os\n\n\nclass Widget{i}:\n");
        text.push_str(&format!(
            "    def render_{i}(self):\n        return helper_{i}(self)\n\n    def size_{i}(self):\n        return 1\n\n\n"
        ));
        for f in 0..3 {
            text.push_str(&format!(
                "def helper_{i}_{f}(value):\n    \"\"\"Helper number {f} of module {i}.\"\"\"\n    total = 0\n    for n in range(value):\n        total += n * {f}\n    return os.path.join(str(total), 'x')\n\n\n"
            ));
        }
        p.write(&format!("pkg{}/mod_{i}.py", i % 20), &text);
    }
}

#[tokio::test]
async fn a_killed_build_is_completed_by_the_next_run() {
    let p = Project::plain(NO_MODEL);
    big_tree(&p);
    let wal = p.path().join(".chamber/index/index.db-wal");
    let mut child = p
        .cmd(&["index"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some batches are in the database, before it finishes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 64 * 1024 {
        assert!(Instant::now() < deadline, "no index writes within 60s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build finished before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "finished too early");
    child.kill().unwrap();
    child.wait().unwrap();

    let resumed = payload(&p, &["index"]).await;
    assert_eq!(resumed["files_total"], MODULES as u64, "{resumed}");
    assert_eq!(
        resumed["symbols"],
        MODULES as u64 * SYMBOLS_PER_MODULE,
        "{resumed}"
    );
    // Each module calls `helper_N` once, and each helper `range`, `str`
    // and `os.path.join`.
    assert_eq!(resumed["references"], MODULES as u64 * 10, "{resumed}");
    let settled = payload(&p, &["index"]).await;
    assert_eq!(settled["files_parsed"], 0, "{settled}");
    assert_eq!(settled["files_unchanged"], MODULES as u64);

    let last = MODULES - 1;
    let found = payload(&p, &["search", &format!("render_{last}")]).await;
    assert_eq!(
        paths(&found["hits"])[0],
        format!("pkg{}/mod_{last}.py", last % 20),
        "{found}"
    );
    let defs = payload(&p, &["symbols", &format!("helper_{last}_2")]).await;
    assert_eq!(defs["definitions"].as_array().unwrap().len(), 1, "{defs}");
}

/// The next JSON line with `type: index_updated`, or a panic after `wait`.
fn next_update(lines: &mpsc::Receiver<String>, wait: Duration) -> Value {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no index_updated line within {wait:?}: {e}"));
        if let Ok(value) = serde_json::from_str::<Value>(&line)
            && value["type"] == "index_updated"
        {
            return value;
        }
    }
}

#[test]
fn watch_keeps_the_index_current_until_interrupted() {
    let p = multi_language_repo();
    let mut child = p
        .cmd(&["index", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            all.push(line.clone());
            let _ = tx.send(line);
        }
        all
    });
    let first = next_update(&lines, Duration::from_secs(60));
    assert_eq!(first["files_total"], 10, "{first}");

    p.write("app/extra.py", "def brand_new_watch_symbol():\n    pass\n");
    let update = next_update(&lines, Duration::from_secs(30));
    assert_eq!(update["files_parsed"], 1, "{update}");
    assert_eq!(update["files_total"], 11);

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let all = reader.join().unwrap();
    let envelope: Value = serde_json::from_str(all.last().unwrap()).unwrap();
    assert_eq!(envelope["ok"], true, "{envelope}");
    assert!(envelope["payload"]["updates"].as_u64().unwrap() >= 1);

    let found = p
        .cmd(&["symbols", "brand_new_watch_symbol", "--json"])
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0));
}
