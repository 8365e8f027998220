//! Secret-leak tests: secrets planted in workspace files, `.env` values, the
//! environment, tool output and the task text never reach the events, the
//! database, the logs, `.chamber/`, the run's output or the requests the
//! model server records. A control run with `[secrets] enabled = false`
//! shows that every one of those places would carry them otherwise.

use std::path::Path;

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::json;

use super::harness::{Project, plan_turn, run_id, tool_text_with};

/// Built-in formats, in `app/settings.py` (read by the model).
const OPENAI: &str = "sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE";
const AWS_ID: &str = "AKIAZ7QX3MLP9RTV2KWB";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXBsb3kifQ.Qm9vZ3VzU2lnbmF0dXJlVmFsdWUxMjM0NQ";
const PEM_BODY: &str = "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MqHLGuWSN8Q3MO4X";
/// In the task text.
const ANTHROPIC: &str =
    "sk-ant-api03-Zq8xW2vU4tS6rQ8pO0nM2lK4jI6hG8fE0dC2bA4zY6xW8vU0tS2rQ4pO6nM8lK0jI2hG4fE6dC8bA0";
/// Printed by a script the model runs (assembled at run time, so the
/// script's text does not hold it).
const GITHUB: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
/// In `.env` (never read by the model) and in `notes.txt` (read by it):
/// only the `.env` source can hide it.
const DOTENV: &str = "dotenvpass-R4t8Y1u6I3o9";
/// In the environment as `FOO_API_KEY` and in `deploy.log` (read by the model).
const ENV_KEY: &str = "fooenv-Q7w2Z9x4L1m8N3b6";
/// In the environment as `DEPLOY_CREDS`, named by `[secrets] values_env`,
/// echoed by a shell call.
const CONFIGURED: &str = "credsvalue-x8Y2k5M1p7Q4";
/// Allow-listed: must pass through.
const ALLOWED: &str = "sk-test-allowedfixture0000000000000000ab12";

const SECRETS: [(&str, &str); 9] = [
    ("openai key", OPENAI),
    ("aws key id", AWS_ID),
    ("jwt", JWT),
    ("private key", PEM_BODY),
    ("anthropic key in the task", ANTHROPIC),
    ("github token in tool output", GITHUB),
    (".env value", DOTENV),
    ("FOO_API_KEY value", ENV_KEY),
    ("values_env value", CONFIGURED),
];

fn plant(p: &Project, enabled: bool) {
    p.write(
        "app/settings.py",
        &format!(
            "DEBUG = True\nOPENAI_API_KEY = \"{OPENAI}\"\nAWS_ACCESS_KEY_ID = \"{AWS_ID}\"\n\
             SESSION = \"{JWT}\"\nFIXTURE_KEY = \"{ALLOWED}\"\nKEY = \"\"\"\n\
             -----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n\"\"\"\n"
        ),
    );
    p.write(
        ".env",
        &format!("SERVICE_PASSWORD={DOTENV}\nNODE_ENV=development\n"),
    );
    p.write(
        "notes.txt",
        &format!("staging password is {DOTENV} (rotate monthly)\n"),
    );
    p.write("deploy.log", &format!("deployed with {ENV_KEY} at noon\n"));
    p.write(
        "leak.sh",
        "printf 'deploy token: ghp_%s\\n' 16C7e42F292c6912E7710c838347Ae178B4a\n",
    );
    p.write(
        ".chamber/config.toml",
        &format!(
            "[secrets]\nenabled = {enabled}\nvalues_env = [\"DEPLOY_CREDS\"]\nallow = [\"{ALLOWED}\"]\n"
        ),
    );
    p.git_ok(&["add", "-A", "--", ".", ":!.chamber"]);
    p.git_ok(&["commit", "-q", "-m", "project with secrets"]);
}

fn script() -> Vec<Turn> {
    vec![
        plan_turn(
            "Inspect the deployment",
            &[("1", "Read the settings"), ("2", "Run the deploy script")],
        ),
        Turn::calls(vec![
            ("read_file", json!({"path": "app/settings.py"})),
            ("read_file", json!({"path": "notes.txt"})),
            ("read_file", json!({"path": "deploy.log"})),
        ]),
        Turn::text("Read them."),
        Turn::calls(vec![
            ("shell", json!({"command": "sh leak.sh"})),
            (
                "shell",
                json!({"command": "echo \"creds=$DEPLOY_CREDS\"; env | grep FOO_ || true"}),
            ),
            (
                "write_file",
                json!({"path": "summary.txt", "content": "checked\n"}),
            ),
        ]),
        Turn::text("Done."),
    ]
}

/// Places under `.chamber/` that keep exact copies of workspace files, not
/// redacted by design: restore data (undo, rollback, apply-guarded must
/// write back the real bytes) and the code index (a search cache of the
/// workspace; see the report on issue 6). None of them is sent anywhere.
const EXACT_COPIES: [&str; 4] = [
    ".chamber/patches/",
    ".chamber/checkpoints/",
    ".chamber/guarded/",
    ".chamber/index/",
];

/// Everything a run left behind or sent, as (where, text) pairs.
struct Sinks(Vec<(String, String)>);

impl Sinks {
    fn texts(&self, prefix: &str) -> impl Iterator<Item = &(String, String)> {
        self.0.iter().filter(move |(w, _)| w.starts_with(prefix))
    }

    fn text(&self, prefix: &str) -> String {
        self.texts(prefix)
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn files_text(root: &Path, dir: &Path, label: &str, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_text(root, &path, label, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let rel = path.strip_prefix(root).unwrap_or(&path).display();
            out.push((
                format!("{label}{rel}"),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

async fn leak_run(enabled: bool) -> (Sinks, Vec<RecordedRequest>) {
    let server = MockServer::start(script()).await.unwrap();
    let p = Project::git(&server.base_url());
    plant(&p, enabled);
    let task = format!("check the deployment; the admin key is {ANTHROPIC}");
    let out = p
        .run_env(
            &["run", "--yes", "--json", &task],
            &[
                ("FOO_API_KEY", ENV_KEY),
                ("DEPLOY_CREDS", CONFIGURED),
                ("CHAMBER_LOG", "trace"),
            ],
        )
        .await;
    out.assert_code(0);
    let id = run_id(&out.envelope());
    let requests = server.requests();
    assert_eq!(requests.len(), 5, "every scripted turn is asked for");
    let shown = p.run(&["runs", "show", &id, "--json"]).await;
    shown.assert_code(0);
    let mut sinks: Vec<(String, String)> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("model request {i}"), r.body.to_string()))
        .collect();
    sinks.push((
        "run output".into(),
        format!("{}\n{}", out.stdout, out.stderr),
    ));
    sinks.push((
        "runs show".into(),
        format!("{}\n{}", shown.stdout, shown.stderr),
    ));
    files_text(&p.data_dir(), &p.data_dir(), "data dir: ", &mut sinks);
    files_text(p.path(), &p.path().join(".chamber"), "", &mut sinks);
    (Sinks(sinks), requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_events_logs_artifacts_or_model_requests() {
    let (sinks, requests) = leak_run(true).await;
    assert!(
        sinks.texts("data dir: logs/").count() > 0,
        "the run wrote a log file"
    );
    assert!(
        sinks.texts(".chamber/runs/").count() > 0,
        "the run wrote its events.jsonl"
    );
    for (what, secret) in SECRETS {
        for (sink, text) in &sinks.0 {
            if EXACT_COPIES.iter().any(|c| sink.starts_with(c)) {
                continue;
            }
            assert!(
                !text.contains(secret),
                "the {what} leaked into {sink}:\n{}",
                excerpt(text, secret)
            );
        }
    }
    // The model still sees the files, with placeholders where secrets were,
    // and allow-listed fixtures unchanged.
    let settings = tool_text_with(&requests, "DEBUG = True");
    for placeholder in [
        "OPENAI_API_KEY = \"[REDACTED:openai-key]\"",
        "[REDACTED:aws-access-key-id]",
        "[REDACTED:jwt]",
        "[REDACTED:private-key]",
        ALLOWED,
    ] {
        assert!(settings.contains(placeholder), "{placeholder}: {settings}");
    }
    assert!(tool_text_with(&requests, "staging password").contains("[REDACTED:dotenv]"));
    assert!(tool_text_with(&requests, "deployed with").contains("[REDACTED:env]"));
    assert!(tool_text_with(&requests, "deploy token").contains("[REDACTED:github-token]"));
    assert!(tool_text_with(&requests, "creds=").contains("creds=[REDACTED:config]"));
    assert!(
        sinks
            .text("model request")
            .contains("the admin key is [REDACTED:anthropic-key]"),
        "the task reaches the model with a placeholder"
    );
}

/// The control: with redaction off, every secret shows up in the requests,
/// the run's output, the trace, the database, the log (at `trace` level)
/// and the run's `events.jsonl`, so each check above can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redaction_the_same_run_leaks_everywhere() {
    let (sinks, _) = leak_run(false).await;
    for (what, secret) in SECRETS {
        for sink in [
            "model request",
            "run output",
            "runs show",
            "data dir: chamber.db",
            "data dir: logs/",
            ".chamber/runs/",
        ] {
            assert!(
                sinks.text(sink).contains(secret),
                "the {what} is missing from {sink}"
            );
        }
    }
}

fn excerpt(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(300)
        .map_or(0, |(i, _)| i);
    let end = (at + needle.len() + 300).min(text.len());
    let end = (end..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..end].to_string()
}
