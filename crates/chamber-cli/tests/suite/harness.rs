//! Shared helpers: isolated temp projects, running the real binary, reading its JSON output,
//! scripting plans for the mock model, and digging through recorded requests and events.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chamber_mock_llm::{RecordedRequest, Turn};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_chamber");

/// A base URL nothing listens on, for commands that never talk to a model.
pub const NO_MODEL: &str = "http://127.0.0.1:9/v1";

/// A temp project plus its own `HOME`, `CHAMBER_HOME` and `XDG_CONFIG_HOME`, so no real
/// user config or data leaks in or out.
pub struct Project {
    _dir: TempDir,
    root: PathBuf,
    env_dir: TempDir,
    base_url: String,
    database_url: Option<String>,
}

impl Project {
    /// A git repository (`main`, one commit holding README.md) talking to `base_url`.
    pub fn git(base_url: &str) -> Self {
        let p = Self::plain(base_url);
        p.git_ok(&["init", "-q", "-b", "main"]);
        p.git_ok(&["config", "user.name", "Test User"]);
        p.git_ok(&["config", "user.email", "test@example.com"]);
        p.git_ok(&["config", "commit.gpgsign", "false"]);
        p.write("README.md", "# demo\n");
        p.git_ok(&["add", "README.md"]);
        p.git_ok(&["commit", "-q", "-m", "initial"]);
        p
    }

    /// A plain directory, not a git repository.
    pub fn plain(base_url: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("chamber-e2e-")
            .tempdir()
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let env_dir = tempfile::Builder::new()
            .prefix("chamber-e2e-env-")
            .tempdir()
            .unwrap();
        for sub in ["home", "data", "config"] {
            std::fs::create_dir_all(env_dir.path().join(sub)).unwrap();
        }
        Self {
            _dir: dir,
            root,
            env_dir,
            base_url: base_url.to_string(),
            database_url: None,
        }
    }

    /// Every command of this project uses the database `url`
    /// (`CHAMBER_DATABASE_URL`) instead of the data dir's SQLite file.
    pub fn with_database(mut self, url: Option<String>) -> Self {
        self.database_url = url;
        self
    }

    /// Whether this project's commands use a PostgreSQL database.
    pub fn on_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"))
    }

    /// The project root (canonical).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The `CHAMBER_HOME` data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.env_dir.path().join("data")
    }

    /// The user config file (`$XDG_CONFIG_HOME/chamber/config.toml`).
    pub fn user_config(&self) -> PathBuf {
        self.env_dir.path().join("config/chamber/config.toml")
    }

    /// The binary with a clean, isolated environment, run in `cwd`.
    pub fn cmd_in(&self, cwd: &Path, args: &[&str]) -> Command {
        // A long benchmark (the 1,000-point chaos run) may pin a copy of the binary.
        let bin = std::env::var("CHAMBER_TEST_BIN").unwrap_or_else(|_| BIN.to_string());
        let mut cmd = Command::new(bin);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            const ISOLATED: &[&str] = &[
                "OPENAI_",
                "CHAMBER_",
                "GIT_",
                "ANTHROPIC_",
                "GEMINI_",
                "GOOGLE_",
                "OPENROUTER_",
                "OLLAMA_",
            ];
            if ISOLATED.iter().any(|p| key.starts_with(p)) {
                cmd.env_remove(&key);
            }
        }
        cmd.args(args)
            .current_dir(cwd)
            .envs(self.env_pairs())
            .env_remove("XDG_DATA_HOME")
            .stdin(Stdio::null());
        if let Some(url) = &self.database_url {
            cmd.env("CHAMBER_DATABASE_URL", url);
        }
        cmd
    }

    /// The isolated environment the binary runs with (for launchers such
    /// as tmux that cannot take a `Command`).
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        let env = self.env_dir.path();
        let path = |p: PathBuf| p.display().to_string();
        vec![
            ("HOME".into(), path(env.join("home"))),
            ("CHAMBER_HOME".into(), path(env.join("data"))),
            ("XDG_CONFIG_HOME".into(), path(env.join("config"))),
            ("NO_COLOR".into(), "1".into()),
            ("CHAMBER_PROVIDER__RETRY_BASE_MS".into(), "1".into()),
            ("OPENAI_BASE_URL".into(), self.base_url.clone()),
            ("OPENAI_API_KEY".into(), "test-key".into()),
        ]
    }

    /// The binary run in the project root.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_in(&self.root, args)
    }

    /// Runs the binary to completion without blocking the async runtime (the mock server
    /// lives on it and must keep answering).
    pub async fn run(&self, args: &[&str]) -> Run {
        Run::from_command(self.cmd(args)).await
    }

    /// Like [`Project::run`], in another directory (a project elsewhere, same environment).
    pub async fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        Run::from_command(self.cmd_in(cwd, args)).await
    }

    /// Like [`Project::run`], with extra environment variables on top of the isolated ones.
    pub async fn run_env<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        &self,
        args: &[&str],
        env: &[(K, V)],
    ) -> Run {
        let mut cmd = self.cmd(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        Run::from_command(cmd).await
    }

    /// Like [`Project::run`], feeding `input` on stdin (answers to prompts).
    pub async fn run_input(&self, args: &[&str], input: &str) -> Run {
        self.run_input_env(args, input, &[]).await
    }

    /// Like [`Project::run_input`], with extra environment variables.
    pub async fn run_input_env(&self, args: &[&str], input: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = self.cmd(args);
        cmd.envs(env.iter().copied());
        cmd.stdin(Stdio::piped());
        let input = input.to_string();
        tokio::task::spawn_blocking(move || {
            let mut child = cmd
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                let _ = stdin.write_all(input.as_bytes());
            }
            let out = child.wait_with_output().unwrap();
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .await
        .unwrap()
    }

    /// Writes a file relative to the root.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    /// A file's text relative to the root, if it exists.
    pub fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join(rel)).ok()
    }

    /// Runs git in the project and returns trimmed stdout (panics on failure).
    pub fn git_ok(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("HOME", self.env_dir.path().join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Local branch names.
    pub fn branches(&self) -> Vec<String> {
        self.git_ok(&["branch", "--format=%(refname:short)"])
            .lines()
            .map(String::from)
            .collect()
    }

    /// A run's `events.jsonl`, parsed.
    pub fn events_file(&self, run_id: &str) -> Vec<Value> {
        let path = self
            .root
            .join(".chamber/runs")
            .join(run_id)
            .join("events.jsonl");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `runs show <id> --json` → `(run, events)`.
    pub async fn show(&self, run_id: &str) -> (Value, Vec<Value>) {
        let out = self.run(&["runs", "show", run_id, "--json"]).await;
        out.assert_code(0);
        let env = out.envelope();
        let events = env["payload"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (env["payload"]["run"].clone(), events)
    }
}

/// A finished invocation.
pub struct Run {
    /// Exit status (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs a prepared command on a blocking thread.
    pub async fn from_command(mut cmd: Command) -> Run {
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit status is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "unexpected exit status\n{}", self.dump());
    }

    /// Both streams, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout, self.stderr
        )
    }

    /// The final `--json` line: the envelope.
    #[track_caller]
    pub fn envelope(&self) -> Value {
        let last = json_out(self)
            .pop()
            .unwrap_or_else(|| panic!("no JSON output\n{}", self.dump()));
        assert!(
            last.get("ok").is_some() && last.get("cmd").is_some(),
            "not an envelope: {last}"
        );
        last
    }

    /// The streamed events (every JSON line that has a `type`).
    pub fn events(&self) -> Vec<Value> {
        json_out(self)
            .into_iter()
            .filter(|v| v.get("type").is_some())
            .collect()
    }
}

/// Every stdout line parsed as JSON (streaming `--json` commands print JSONL).
#[track_caller]
pub fn json_out(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}\n{}", run.dump()))
        })
        .collect()
}

/// The model's plan answer: a JSON plan whose steps are `(id, title)` edits.
pub fn plan_turn(title: &str, steps: &[(&str, &str)]) -> Turn {
    let steps: Vec<Value> = steps
        .iter()
        .map(|(id, step)| {
            json!({"id": id, "title": step, "detail": format!("Do this: {step}"),
                   "kind": "edit", "depends_on": []})
        })
        .collect();
    Turn::text(json!({"title": title, "steps": steps}).to_string())
}

/// A request's messages.
pub fn messages(req: &RecordedRequest) -> Vec<Value> {
    req.body["messages"].as_array().cloned().unwrap_or_default()
}

/// The content of each message with `role` in a request.
pub fn contents(req: &RecordedRequest, role: &str) -> Vec<String> {
    messages(req)
        .iter()
        .filter(|m| m["role"] == role)
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every tool-result text any request carried (conversations accumulate, so later
/// requests repeat earlier results).
pub fn all_tool_texts(requests: &[RecordedRequest]) -> Vec<String> {
    requests.iter().flat_map(|r| contents(r, "tool")).collect()
}

/// The tool-result text that mentions `needle`, or a panic listing what was sent.
#[track_caller]
pub fn tool_text_with(requests: &[RecordedRequest], needle: &str) -> String {
    let texts = all_tool_texts(requests);
    texts
        .iter()
        .find(|t| t.contains(needle))
        .cloned()
        .unwrap_or_else(|| panic!("no tool message contains {needle:?}; tool messages: {texts:#?}"))
}

/// The `type` of each event.
pub fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The first event of a type, or a panic listing the types seen.
#[track_caller]
pub fn first_of<'a>(events: &'a [Value], kind: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event among {:?}", types(events)))
}

/// The run id from a `run`/`apply`/`resume` envelope.
#[track_caller]
pub fn run_id(envelope: &Value) -> String {
    envelope["payload"]["run_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no payload.run_id in {envelope}"))
        .to_string()
}

/// Every file under `dir`, `.git/` included, as path → bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel.join(""), Vec::new());
                walk(root, &path, out);
            } else if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    std::fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                );
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The scripted model answers of the basic run: plan two steps, write
/// hello.py, run it, summarise each step.
pub fn hello_script() -> Vec<Turn> {
    vec![
        plan_turn(
            "Add a hello script",
            &[("1", "Create hello.py"), ("2", "Run hello.py")],
        ),
        Turn::call(
            "write_file",
            serde_json::json!({"path": "hello.py", "content": "print('hello')\n"}),
        ),
        Turn::text("Created hello.py."),
        Turn::call("shell", serde_json::json!({"command": "python3 hello.py"})),
        Turn::text("It prints hello."),
    ]
}

/// Whether a model request asks for a plan (its system prompt is the
/// planner's).
pub fn is_planning(body: &Value) -> bool {
    body["messages"][0]["content"]
        .as_str()
        .is_some_and(|t| t.starts_with("You are the planner"))
}

/// How many tool results a model request carries.
pub fn tool_results(body: &Value) -> usize {
    body["messages"]
        .as_array()
        .map_or(0, |m| m.iter().filter(|m| m["role"] == "tool").count())
}
