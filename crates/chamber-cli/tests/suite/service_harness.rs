//! Helpers for the service tests: a real `chamber serve` on 127.0.0.1 (port
//! 0), tokens made with `chamber token create`, JSON calls and an SSE reader.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use super::harness::Project;

/// A running `chamber serve`.
pub struct Served {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Served {
    /// Stops it with SIGTERM and waits (the workers finish their tasks).
    pub fn stop(mut self) {
        signal(&self.child, nix::sys::signal::Signal::SIGTERM);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve should stop cleanly: {status}");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `sig` to a child process.
pub fn signal(child: &Child, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig);
}

/// Starts `chamber serve --listen 127.0.0.1:0 ARGS` with `env`, and waits
/// for its address line.
pub fn serve(p: &Project, args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend(args);
    let mut cmd = p.cmd(&all);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (child, base) = spawn_listening(cmd);
    Served { child, base }
}

/// Spawns a server command and waits for its first stdout line, the one
/// that names its address; returns the process and `http://…` from it.
pub fn spawn_listening(mut cmd: std::process::Command) -> (Child, String) {
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines
        .next()
        .expect("the server exited before listening")
        .unwrap();
    std::thread::spawn(move || for _ in lines {});
    let url = first
        .rsplit_once("http://")
        .map(|(_, a)| format!("http://{a}"))
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    (child, url)
}

/// A token with `scope`, made through the CLI.
pub async fn token(p: &Project, name: &str, scope: &str) -> String {
    let run = p
        .run(&[
            "--json", "token", "create", "--name", name, "--scope", scope,
        ])
        .await;
    run.assert_code(0);
    run.envelope()["payload"]["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `GET /metrics` as text.
pub async fn metrics_text(s: &Served) -> String {
    http()
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// An HTTP client for the tests.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sends `req` and returns the status and the JSON body.
pub async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({"raw": text}));
    (status, body)
}

/// `POST /v1/tasks` for `p` with `constraints`.
pub async fn submit(
    s: &Served,
    token: &str,
    p: &Project,
    prompt: &str,
    constraints: Value,
) -> (u16, Value) {
    call(
        http()
            .post(format!("{}/v1/tasks", s.base))
            .bearer_auth(token)
            .json(&json!({"prompt": prompt, "repo": p.path(), "constraints": constraints})),
    )
    .await
}

/// Polls `GET /v1/tasks/{id}` until `done` says so (60 s at most).
pub async fn wait_task(s: &Served, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let (_, body) = call(
            http()
                .get(format!("{}/v1/tasks/{id}", s.base))
                .bearer_auth(token),
        )
        .await;
        if done(&body["payload"]) {
            return body["payload"].clone();
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} did not get there in time: {last}");
}

/// One SSE message.
#[derive(Debug, Clone)]
pub struct Sse {
    /// `id:` (the event cursor).
    pub id: String,
    /// `event:`.
    pub event: String,
    /// `data:` parsed.
    pub data: Value,
}

/// Reads the task's SSE stream (from `last_id` when given) until
/// `task_finished`, or until `max` events have been read.
pub async fn read_sse(
    s: &Served,
    token: &str,
    task: &str,
    last_id: Option<&str>,
    max: usize,
) -> Vec<Sse> {
    let mut req = http()
        .get(format!("{}/v1/tasks/{task}/events", s.base))
        .bearer_auth(token);
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = eventsource_stream::EventStream::new(r.bytes_stream());
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        let ev = item.unwrap();
        let done = ev.event == "task_finished";
        out.push(Sse {
            id: ev.id,
            event: ev.event,
            data: serde_json::from_str(&ev.data).unwrap_or(Value::Null),
        });
        if done || out.len() >= max {
            break;
        }
    }
    out
}

/// A fresh database on the PostgreSQL server `CHAMBER_TEST_POSTGRES_URL`
/// names, for the PostgreSQL twins of the service tests. `None` (the test
/// then says it is skipped) when no server is configured, unless
/// `CHAMBER_REQUIRE_POSTGRES=1` (as in `.ci/run`), which makes that a failure.
pub async fn postgres_database(test: &str) -> Option<String> {
    match std::env::var("CHAMBER_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => Some(
            chamber_store::create_scratch_database(&admin, "chamber_e2e")
                .await
                .unwrap(),
        ),
        _ => {
            assert!(
                std::env::var("CHAMBER_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: CHAMBER_REQUIRE_POSTGRES=1 but CHAMBER_TEST_POSTGRES_URL is unset"
            );
            eprintln!("{test}: skipped (set CHAMBER_TEST_POSTGRES_URL to a PostgreSQL server)");
            None
        }
    }
}
