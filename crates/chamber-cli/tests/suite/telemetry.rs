//! `chamber telemetry`: off by default, on records one PII-free line per
//! command in the data dir, `show` prints exactly those lines, `off` stops
//! recording, `clear` deletes the file, and a project may not turn it on.

use chamber_mock_llm::MockServer;
use serde_json::Value;

use super::harness::{NO_MODEL, Project, hello_script};

/// The only keys a record may have.
const KEYS: &[&str] = &[
    "v",
    "time",
    "command",
    "exit",
    "duration_ms",
    "version",
    "os",
    "steps",
    "shell_commands",
];

fn records(p: &Project) -> Vec<Value> {
    let path = p.data_dir().join("telemetry.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telemetry_on_records_each_command_without_paths_names_or_arguments() {
    let server = MockServer::start(hello_script()).await.unwrap();
    let p = Project::git(&server.base_url());
    let user = ("USER", "alice-telemetry-probe");

    let on = p.run_env(&["telemetry", "on"], &[user]).await;
    on.assert_code(0);
    assert!(
        on.stdout.contains("Nothing leaves this machine"),
        "{}",
        on.stdout
    );
    let config = std::fs::read_to_string(p.user_config()).unwrap();
    assert!(config.contains("[telemetry]\nenabled = true"), "{config}");
    assert!(
        records(&p).is_empty(),
        "the telemetry commands are not recorded"
    );

    let run = p
        .run_env(
            &["run", "--yes", "add a hello script for probe-task-words"],
            &[user],
        )
        .await;
    run.assert_code(0);
    p.run_env(&["policy", "check", "echo probe-argument-text"], &[user])
        .await
        .assert_code(0);
    p.run_env(&["runs", "show", "probe-missing-id"], &[user])
        .await
        .assert_code(8);

    let kept = records(&p);
    let commands: Vec<&str> = kept
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["run", "policy check", "runs show"]);
    let exits: Vec<i64> = kept.iter().map(|r| r["exit"].as_i64().unwrap()).collect();
    assert_eq!(exits, [0, 0, 8]);
    assert_eq!(kept[0]["steps"], 2, "{}", kept[0]);
    assert_eq!(kept[0]["shell_commands"], 1, "{}", kept[0]);
    assert!(kept[1].get("steps").is_none(), "{}", kept[1]);
    let text = std::fs::read_to_string(p.data_dir().join("telemetry.jsonl")).unwrap();
    let forbidden = [
        p.path().display().to_string(),
        p.path().file_name().unwrap().to_string_lossy().into_owned(),
        p.data_dir().display().to_string(),
        "alice-telemetry-probe".into(),
        "probe-task-words".into(),
        "probe-argument-text".into(),
        "probe-missing-id".into(),
        "hello".into(),
        server.base_url(),
        "test-key".into(),
    ];
    for needle in &forbidden {
        assert!(
            !text.contains(needle.as_str()),
            "{needle:?} leaked into {text}"
        );
    }
    for record in &kept {
        for key in record.as_object().unwrap().keys() {
            assert!(
                KEYS.contains(&key.as_str()),
                "unexpected field {key} in {record}"
            );
        }
        assert_eq!(record["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(record["os"], std::env::consts::OS);
        assert!(record["duration_ms"].is_u64());
    }

    let show = p.run(&["telemetry", "show"]).await;
    show.assert_code(0);
    for line in text.lines() {
        assert!(
            show.stdout.contains(line),
            "show prints each record as kept:\n{}",
            show.stdout
        );
    }
    assert!(show.stdout.contains("records:   3"), "{}", show.stdout);
    assert!(
        show.stdout.contains("Nothing leaves this machine"),
        "{}",
        show.stdout
    );
    let last = p.run(&["telemetry", "show", "--last", "1", "--json"]).await;
    last.assert_code(0);
    let env = last.envelope();
    assert_eq!(env["payload"]["count"], 3);
    assert_eq!(env["payload"]["records"].as_array().unwrap(), &kept[2..]);
    assert_eq!(env["payload"]["enabled"], true);
    assert_eq!(env["payload"]["source"], "user config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telemetry_is_off_by_default_and_off_clear_and_do_not_track_keep_nothing() {
    let p = Project::git(NO_MODEL);
    let file = p.data_dir().join("telemetry.jsonl");

    p.run(&["policy", "check", "ls"]).await.assert_code(0);
    assert!(!file.exists(), "off by default: no file at all");
    let show = p.run(&["telemetry", "show", "--json"]).await;
    show.assert_code(0);
    let env = show.envelope();
    assert_eq!(env["payload"]["enabled"], false);
    assert_eq!(env["payload"]["source"], "default");
    assert_eq!(env["payload"]["count"], 0);

    p.run(&["telemetry", "on"]).await.assert_code(0);
    p.run_env(&["status"], &[("DO_NOT_TRACK", "1")])
        .await
        .assert_code(0);
    assert!(!file.exists(), "DO_NOT_TRACK wins over the setting");
    p.run(&["status"]).await.assert_code(0);
    assert_eq!(records(&p).len(), 1);

    let off = p.run(&["telemetry", "off"]).await;
    off.assert_code(0);
    assert!(
        off.stdout.contains("1 record(s) already kept"),
        "{}",
        off.stdout
    );
    let before = std::fs::read(&file).unwrap();
    p.run(&["status"]).await.assert_code(0);
    p.run(&["policy", "check", "ls"]).await.assert_code(0);
    assert_eq!(std::fs::read(&file).unwrap(), before, "off records nothing");

    let clear = p.run(&["telemetry", "clear", "--json"]).await;
    clear.assert_code(0);
    assert_eq!(clear.envelope()["payload"]["deleted"], 1);
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_config_cannot_turn_telemetry_on() {
    let p = Project::git(NO_MODEL);
    p.write(".chamber/config.toml", "[telemetry]\nenabled = true\n");
    let out = p.run(&["status", "--json"]).await;
    out.assert_code(5);
    let env = out.envelope();
    let message = env["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(".chamber/config.toml") && message.contains("per-user"),
        "{env}"
    );
    assert!(!p.data_dir().join("telemetry.jsonl").exists());
    // The telemetry commands read only the user's settings, so they still work.
    p.run(&["telemetry", "show"]).await.assert_code(0);
}
