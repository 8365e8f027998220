//! The TUI end to end: the real binary in tmux, driven with `send-keys`
//! and read with `capture-pane`. Type a request, approve the plan,
//! approve a command, see the diff and the commit, switch panels, quit;
//! then the terminal's scrollback still holds the session (inline mode).

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use serde_json::{Value, json};

use super::harness::{BIN, Project, plan_turn};

/// One tmux server of its own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (install it: apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        self.run(&args);
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    fn scrollback(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t", "-S", "-"])
    }

    /// Waits until the screen holds `what` (30 s at most).
    async fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "never saw {what:?}; the screen:\n{screen}\nscrollback:\n{}",
                self.scrollback()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Tmux {
    /// A tmux server of its own, with one 110×30 session `t` running
    /// `chamber ARGS` in the project with the test environment (and
    /// `extra`), followed by a marker with its exit status.
    fn launch(name: &str, p: &Project, bin: &str, extra: &str, args: &str) -> Self {
        let tmux = Tmux {
            socket: format!("chamber-{name}-{}", std::process::id()),
        };
        let mut launch = String::from("env");
        for (k, v) in p.env_pairs() {
            launch.push_str(&format!(" {k}='{v}'"));
        }
        launch.push_str(&format!(
            " {extra} {bin} {args}; echo CHAMBER_EXITED $?; sleep 60"
        ));
        tmux.new_session(&p.path().display().to_string(), &launch);
        tmux
    }

    fn new_session(&self, dir: &str, command: &str) {
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "110",
            "-y",
            "30",
            "-c",
            dir,
            command,
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn text_of(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

/// Plans a greeting script and a step that runs it; writes it when asked.
fn model(body: &Value) -> Turn {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    if super::harness::is_planning(body) {
        return plan_turn(
            "Greet the user",
            &[("1", "Create greet.py"), ("2", "Run `python3 greet.py`")],
        );
    }
    let step = msgs
        .iter()
        .filter(|m| m["role"] == "user")
        .map(text_of)
        .find(|t| t.contains("# CURRENT STEP: Create greet.py"));
    let results = super::harness::tool_results(body);
    if step.is_some() && results == 0 {
        return Turn::call(
            "write_file",
            json!({"path": "greet.py", "content": "print('hi')\n"}),
        );
    }
    Turn::text("Created greet.py.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_turns_a_request_into_a_commit_and_keeps_the_scrollback() {
    let server = MockServer::start_responder(Arc::new(model)).await.unwrap();
    let p = Project::git(&server.base_url());
    // Commands ask first, so the run needs an answer from the keyboard.
    p.write(".chamber/config.toml", "[approval]\nmode = \"auto-edit\"\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "config"]);
    let tmux = Tmux::launch("test", &p, BIN, "", "ui");
    tmux.wait_for("Ask for a change").await;

    tmux.text("greet the user");
    tmux.keys(&["Enter"]);
    let plan = tmux.wait_for("Approve the plan?").await;
    assert!(
        plan.contains("Run `python3 greet.py`  [by rule: run_command]"),
        "{plan}"
    );
    tmux.keys(&["y"]);
    let ask = tmux.wait_for("Allow this action?").await;
    assert!(ask.contains("python3 greet.py"), "{ask}");
    tmux.keys(&["y"]);
    let done = tmux.wait_for("committed").await;
    assert!(done.contains("+print('hi')"), "no diff on screen:\n{done}");
    assert_eq!(p.read("greet.py").as_deref(), Some("print('hi')\n"));

    // Panels: the Tasks panel lists the run, the map lists the file.
    tmux.keys(&["F3"]);
    let tasks = tmux.wait_for("Tasks (F3)").await;
    assert!(tasks.contains("completed"), "{tasks}");
    tmux.keys(&["Tab"]);
    tmux.wait_for("Index (F4)").await;
    tmux.keys(&["F1"]);
    tmux.wait_for("Keys").await;
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    tmux.wait_for("CHAMBER_EXITED 0").await;

    // Inline rendering: the session stays in the terminal's scrollback.
    let all = tmux.scrollback();
    for line in [
        "› greet the user",
        "Step 1: Create greet.py",
        "print('hi')",
        "committed",
    ] {
        assert!(
            all.contains(line),
            "{line:?} is not in the scrollback:\n{all}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_drives_a_server_through_its_api() {
    let server = MockServer::start_responder(Arc::new(model)).await.unwrap();
    let p = Project::git(&server.base_url());
    p.write(".chamber/config.toml", "[approval]\nmode = \"auto-edit\"\n");
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "config"]);
    let lead = super::service_harness::token(&p, "lead", "approve").await;
    let served = super::service_harness::serve(&p, &["--workers", "1"], &[]);
    let token = format!("CHAMBER_TOKEN='{lead}'");
    let args = format!("ui --server {}", served.base);
    let tmux = Tmux::launch("test-remote", &p, BIN, &token, &args);
    let first = tmux.wait_for("Ask for a change").await;
    assert!(
        first.contains(&format!("server {}", served.base)),
        "{first}"
    );
    tmux.text("greet the user");
    tmux.keys(&["Enter"]);
    // The server's run asks for its plan and its command through the API.
    tmux.wait_for("Approve the plan?").await;
    tmux.keys(&["y"]);
    tmux.wait_for("Allow this action?").await;
    tmux.keys(&["y"]);
    tmux.wait_for("committed").await;
    tmux.keys(&["F3"]);
    let tasks = tmux.wait_for("Tasks (F3)").await;
    assert!(tasks.contains("completed"), "{tasks}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    tmux.wait_for("CHAMBER_EXITED 0").await;
    // The work happened on the server's side, on its task branch.
    let branches = p.git_ok(&["branch", "--list", "chamber/*"]);
    assert_eq!(branches.lines().count(), 1, "{branches}");
    let branch = branches
        .trim()
        .trim_start_matches(['*', '+', ' '])
        .to_string();
    assert_eq!(
        p.git_ok(&["show", &format!("{branch}:greet.py")]),
        "print('hi')"
    );
}

/// A plan whose one step streams 10,000 lines of output (by rule).
fn streaming_model(body: &Value) -> Turn {
    if super::harness::is_planning(body) {
        return plan_turn("Stream", &[("1", "Run `python3 stream.py`")]);
    }
    Turn::text("done")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The TUI benchmark (docs/benchmarks.md): start-up against `--version`,
/// then a run streaming 10,000 lines while keys are typed; prints one
/// `TUI_BENCH {json}` line. Run with `CHAMBER_TEST_BIN` pointing at a
/// release build.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; see docs/benchmarks.md"]
async fn tui_benchmark() {
    let bin = std::env::var("CHAMBER_TEST_BIN").unwrap_or_else(|_| BIN.to_string());
    let server = MockServer::start_responder(Arc::new(streaming_model))
        .await
        .unwrap();
    let p = Project::git(&server.base_url());
    p.write(
        "stream.py",
        "import time\nfor i in range(10000):\n    print(f'line {i} of the long output', flush=True)\n    if i % 100 == 0:\n        time.sleep(0.08)\n",
    );
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-qm", "stream"]);
    // Start-up: to the first frame on screen, against `--version`, and
    // against tmux showing a line from a new pane by itself.
    let mut version = Vec::new();
    let mut first_frame = Vec::new();
    let mut tmux_alone = Vec::new();
    let root = p.path().display().to_string();
    for i in 0..10 {
        let tmux = Tmux {
            socket: format!("chamber-bench-echo-{}-{i}", std::process::id()),
        };
        let t = Instant::now();
        tmux.new_session(&root, "echo READY; sleep 60");
        while !tmux.screen().contains("READY") {
            assert!(t.elapsed() < Duration::from_secs(30), "tmux shows nothing");
        }
        tmux_alone.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(tmux);
        let t = Instant::now();
        let ok = Command::new(&bin).arg("--version").output().unwrap();
        assert!(ok.status.success());
        version.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let tmux = Tmux::launch(&format!("bench-{i}"), &p, &bin, "", "ui");
        while !tmux.screen().contains("Ask for a change") {
            assert!(t.elapsed() < Duration::from_secs(30), "no first frame");
        }
        first_frame.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // Streaming: 10,000 lines while keys are typed.
    let stats = tempfile::NamedTempFile::new().unwrap();
    let stats_env = format!("CHAMBER_TUI_STATS='{}'", stats.path().display());
    let tmux = Tmux::launch("bench-stream", &p, &bin, &stats_env, "ui --yes");
    tmux.wait_for("Ask for a change").await;
    tmux.text("stream the output");
    tmux.keys(&["Enter"]);
    tmux.wait_for(" of the long output").await;
    let mut seen = Vec::new();
    for n in 1..=20 {
        let t = Instant::now();
        tmux.text("x");
        let want = format!("› {}", "x".repeat(n));
        while !tmux.screen().contains(&want) {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "the key never showed"
            );
        }
        seen.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The run is over when the key hint is back to the idle one.
    tmux.wait_for("Enter send").await;
    tmux.keys(&["C-c"]);
    tmux.wait_for("CHAMBER_EXITED").await;
    let figures: Value =
        serde_json::from_str(&std::fs::read_to_string(stats.path()).unwrap()).unwrap();
    let report = json!({
        "version_median_ms": median(version),
        "tmux_echo_median_ms": median(tmux_alone),
        "first_frame_median_ms": median(first_frame),
        "key_seen_in_tmux_median_ms": median(seen.clone()),
        "key_seen_in_tmux_max_ms": seen.iter().copied().fold(0.0, f64::max),
        "inside": figures,
    });
    println!("TUI_BENCH {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_with_no_ui_chamber_stays_the_plain_cli() {
    let p = Project::plain("http://127.0.0.1:9");
    // Through pipes (no terminal): the usage, as before the TUI.
    let bare = p.run(&[]).await;
    assert_eq!(bare.code, 2, "{}", bare.dump());
    assert!(bare.stderr.contains("Usage"), "{}", bare.dump());
    let no_ui = p.run(&["--no-ui"]).await;
    no_ui.assert_code(0);
    assert!(no_ui.stdout.contains("Usage"), "{}", no_ui.dump());
    assert!(no_ui.stdout.contains("ui"), "{}", no_ui.dump());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_in_a_terminal_edits_lines_and_recalls_history() {
    let p = Project::plain("http://127.0.0.1:9");
    let tmux = Tmux::launch("chat", &p, BIN, "", "chat");
    tmux.wait_for("/help lists commands").await;
    tmux.text("/cost");
    tmux.keys(&["Enter"]);
    tmux.wait_for("0 run(s)").await;
    tmux.text("/histroy");
    // Line editing: fix the typo in place.
    tmux.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    tmux.text("tory");
    tmux.keys(&["Enter"]);
    tmux.wait_for("› /history").await;
    // Up recalls the earlier message.
    tmux.keys(&["Up", "Up", "Enter"]);
    tmux.text("/exit");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("CHAMBER_EXITED 0").await;
    assert!(!screen.contains("unknown command /histroy"), "{screen}");
    assert_eq!(screen.matches("0 run(s)").count(), 2, "{screen}");
    let history = std::fs::read_to_string(p.data_dir().join("chat_history")).unwrap();
    assert_eq!(history, "/cost\n/history\n/cost\n/exit\n");
}
