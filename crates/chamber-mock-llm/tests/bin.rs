//! The `chamber-mock-llm` binary: loads a script, announces its URL, and serves it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn binary_serves_script_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chamber-mock-llm"))
        .args(["--script", "-", "--port", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let script = json!([{"content": "from binary"}, {"status": 429}]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(script.to_string().as_bytes()).unwrap();
    drop(stdin);

    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening ")
        .unwrap()
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1"),
        "{line:?}"
    );

    let client = reqwest::Client::new();
    let body = json!({"model": "m", "messages": [], "stream": false});
    let url = format!("{base}/chat/completions");
    let v: Value = client
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "from binary");
    let resp = client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 429);

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn binary_rejects_bad_script() {
    let out = Command::new(env!("CARGO_BIN_EXE_chamber-mock-llm"))
        .args(["--script", "/nonexistent/script.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}
