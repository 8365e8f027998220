//! Sandbox escapes, all of which must fail, through `chamber sandbox run`
//! and through a real agent run: writes outside the workspace, a planted
//! `~/.ssh/id_rsa`, a listener on 127.0.0.1, a fork bomb, symlink tricks,
//! secret environment variables. Every test checks the outcome on the host
//! (files, connections, processes), not just the exit status.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;
use tempfile::TempDir;

use super::harness::{NO_MODEL, Project, plan_turn, tool_text_with};

/// A project whose config is `config` (TOML for `.chamber/config.toml`).
fn project(config: &str) -> Project {
    let p = Project::git(NO_MODEL);
    p.write(".chamber/config.toml", config);
    p
}

/// A directory outside the workspace and outside `/tmp` (the sandbox gets a
/// private `/tmp`, which would make a `/tmp` target vanish rather than
/// resist).
fn outside_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("sandbox-outside-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// `chamber sandbox run -- <command>` with optional extra flags and env.
async fn sandbox_run(
    p: &Project,
    flags: &[&str],
    command: &str,
    env: &[(&str, &str)],
) -> super::harness::Run {
    let mut args = vec!["sandbox", "run"];
    args.extend_from_slice(flags);
    args.extend(["--", command]);
    p.run_env(&args, env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_blocks_writes_outside_the_workspace() {
    let p = project("");
    let out_dir = outside_dir();
    let target = out_dir.path().join("escape.txt");
    let home_file = p.path().join("../sandbox-sibling-escape.txt");
    let cmd = format!(
        "echo pwned > {}; echo pwned > {}; touch /usr/sandbox-escape; echo ran",
        target.display(),
        home_file.display()
    );
    let run = sandbox_run(&p, &[], &cmd, &[]).await;
    assert!(
        run.stdout.contains("ran"),
        "the command ran: {}",
        run.stderr
    );
    assert!(!target.exists(), "{}", run.stderr);
    assert!(!home_file.exists());
    assert!(!Path::new("/usr/sandbox-escape").exists());
    assert!(
        run.stderr.contains("Read-only file system") || run.stderr.contains("Permission denied"),
        "{}",
        run.stderr
    );

    // No way around it: no new namespaces (seccomp), no mounts (no capabilities).
    let run = sandbox_run(
        &p,
        &[],
        "unshare -U true && echo NESTED_NS; mkdir -p m && mount -t tmpfs none m && echo MOUNTED; \
         mount -o remount,rw / && echo REMOUNTED; echo ran",
        &[],
    )
    .await;
    assert!(run.stdout.contains("ran"), "{}", run.stderr);
    for escaped in ["NESTED_NS", "MOUNTED", "REMOUNTED"] {
        assert!(!run.stdout.contains(escaped), "{}", run.stdout);
    }

    // Chamber's own state and git hooks/config stay read-only inside the workspace.
    let run = sandbox_run(
        &p,
        &[],
        "echo '[sandbox]' >> .chamber/config.toml; echo 'echo hooked' > .git/hooks/pre-commit; \
         git config core.hooksPath /tmp; echo ok > fine.txt; echo ran",
        &[],
    )
    .await;
    assert!(run.stdout.contains("ran"), "{}", run.stderr);
    assert_eq!(p.read(".chamber/config.toml").as_deref(), Some(""));
    assert!(!p.path().join(".git/hooks/pre-commit").exists());
    assert!(!p.git_ok(&["config", "--list"]).contains("hookspath"));
    assert_eq!(p.read("fine.txt").as_deref(), Some("ok\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_allows_workspace_and_private_tmp() {
    let p = project("");
    let marker = format!("chamber-sandbox-tmp-{}", std::process::id());
    let cmd = format!(
        "mkdir -p sub && echo inside > sub/inside.txt && echo private > /tmp/{marker} && cat /tmp/{marker} && echo \"tmpdir=$TMPDIR\""
    );
    let run = sandbox_run(&p, &[], &cmd, &[]).await;
    run.assert_code(0);
    assert_eq!(p.read("sub/inside.txt").as_deref(), Some("inside\n"));
    assert!(run.stdout.contains("private"), "{}", run.stdout);
    assert!(run.stdout.contains("tmpdir=/tmp"), "{}", run.stdout);
    // The sandbox's /tmp is its own.
    assert!(!Path::new("/tmp").join(&marker).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_hides_planted_ssh_key_even_when_home_is_readable() {
    // Grant the whole home for reading: the credential directory must still be hidden.
    let p = project("[sandbox]\nread_paths = [\"~\"]\n");
    let home = p.data_dir().parent().unwrap().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAplantedkey\n";
    std::fs::write(home.join(".ssh/id_rsa"), key).unwrap();
    std::fs::write(home.join("notes.txt"), "ordinary notes\n").unwrap();
    let run = sandbox_run(
        &p,
        &[],
        "cat ~/notes.txt; cat ~/.ssh/id_rsa; ls -a ~/.ssh; echo done",
        &[],
    )
    .await;
    assert!(
        run.stdout.contains("ordinary notes"),
        "home is readable: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("done"));
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("plantedkey"), "{all}");
    assert!(!all.contains("BEGIN OPENSSH"), "{all}");
    // The key is still there on the host, untouched.
    assert_eq!(
        std::fs::read_to_string(home.join(".ssh/id_rsa")).unwrap(),
        key
    );

    // Without the grant, home is not readable at all.
    let p = project("");
    let home = p.data_dir().parent().unwrap().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_rsa"), key).unwrap();
    let run = sandbox_run(&p, &[], "cat ~/.ssh/id_rsa; echo done", &[]).await;
    assert!(run.stdout.contains("done"));
    assert!(!format!("{}{}", run.stdout, run.stderr).contains("plantedkey"));
}

/// Whether a connection arrived on a non-blocking listener.
fn connection_arrived(listener: &TcpListener) -> bool {
    listener.accept().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_blocks_loopback_connections_unless_network_is_granted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let cmd = format!("(exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected) ; echo tried");
    let p = project("");
    let run = sandbox_run(&p, &[], &cmd, &[]).await;
    assert!(run.stdout.contains("tried"), "{}", run.stderr);
    assert!(!run.stdout.contains("connected"), "{}", run.stdout);
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !connection_arrived(&listener),
        "a connection reached the host"
    );

    // --network grants it.
    let run = sandbox_run(&p, &["--network"], &cmd, &[]).await;
    assert!(
        run.stdout.contains("connected"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(connection_arrived(&listener));

    // So does config.
    let p = project("[sandbox]\nnetwork = true\n");
    let run = sandbox_run(&p, &[], &cmd, &[]).await;
    assert!(
        run.stdout.contains("connected"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(connection_arrived(&listener));
}

/// Host processes whose command line contains `marker`.
fn processes_with(marker: &str) -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.bytes().all(|b| b.is_ascii_digit()) && name != me
        })
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_keeps_a_fork_bomb_bounded_and_ends_it() {
    let p = project("[sandbox]\nmax_processes = 64\n");
    let marker = format!("bomb{}", std::process::id());
    let cmd = format!("{marker}(){{ {marker}|{marker}& }}; {marker}; sleep 30");
    let mut child = p
        .cmd(&["sandbox", "run", "--timeout", "8", "--", &cmd])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fork bomb did not end"
        );
        peak = peak.max(processes_with(&marker));
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    // 64 in the sandbox, plus its init, the helper and chamber itself; a
    // little slack for the watchdog when no cgroup or rlimit can cap it.
    assert!(peak > 20, "the bomb never went off (peak {peak})");
    assert!(peak <= 200, "peak of {peak} processes");
    // The namespace is torn down as soon as its init exits; allow for a loaded machine.
    let ended = Instant::now();
    while processes_with(&marker) > 0 && ended.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(processes_with(&marker), 0, "processes outlived the sandbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_defeats_symlink_tricks() {
    let p = project("");
    let out_dir = outside_dir();
    let target = out_dir.path().join("target.txt");
    std::fs::write(&target, "original\n").unwrap();
    // A link planted in the workspace before the command…
    std::os::unix::fs::symlink(&target, p.path().join("link.txt")).unwrap();
    std::os::unix::fs::symlink(out_dir.path(), p.path().join("linkdir")).unwrap();
    // …and one the command makes itself.
    let cmd = format!(
        "echo pwned > link.txt; echo pwned >> link.txt; echo pwned > linkdir/new.txt; \
         ln -s {} mine; echo pwned > mine; cp /etc/hostname linkdir/; echo ran",
        target.display()
    );
    let run = sandbox_run(&p, &[], &cmd, &[]).await;
    assert!(run.stdout.contains("ran"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
    let entries: Vec<PathBuf> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries, vec![target.clone()], "nothing new outside");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_scrubs_secret_environment_variables() {
    let p = project("[sandbox]\nenv_allow = [\"ALLOWED_TOKEN\"]\n");
    let env = [
        ("FOO_API_KEY", "foo-secret-value-1"),
        ("my_password", "pw-secret-value-2"),
        ("ALLOWED_TOKEN", "allowed-value-3"),
        ("PLAIN_SETTING", "plain-value-4"),
    ];
    let run = sandbox_run(&p, &[], "env", &env).await;
    run.assert_code(0);
    assert!(!run.stdout.contains("foo-secret-value-1"), "{}", run.stdout);
    assert!(!run.stdout.contains("pw-secret-value-2"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("test-key"),
        "OPENAI_API_KEY leaked: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ALLOWED_TOKEN=allowed-value-3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("PLAIN_SETTING=plain-value-4"),
        "{}",
        run.stdout
    );

    // Unsandboxed commands are scrubbed too.
    let p = project("[sandbox]\nmode = \"off\"\n");
    let run = sandbox_run(&p, &[], "env", &env).await;
    run.assert_code(0);
    assert!(!run.stdout.contains("foo-secret-value-1"), "{}", run.stdout);
    assert!(
        run.stdout.contains("PLAIN_SETTING=plain-value-4"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_required_but_unavailable_refuses_the_command() {
    let p = project("[sandbox]\nmode = \"on\"\n");
    let run = sandbox_run(
        &p,
        &[],
        "touch made.txt",
        &[("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1")],
    )
    .await;
    run.assert_code(10);
    assert!(
        run.stderr.contains("requires the sandbox"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("chamber doctor"), "{}", run.stderr);
    assert!(!p.path().join("made.txt").exists());

    // In auto mode the same machine runs it unconfined, and says so.
    let p = project("[sandbox]\nmode = \"auto\"\n");
    let run = sandbox_run(
        &p,
        &[],
        "touch made.txt",
        &[("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1")],
    )
    .await;
    run.assert_code(0);
    assert!(run.stderr.contains("unconfined"), "{}", run.stderr);
    assert!(p.path().join("made.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_sandbox_features() {
    let p = project("");
    let run = p.run(&["doctor", "--json"]).await;
    let env: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let sandbox = &env["payload"]["sandbox"];
    assert_eq!(sandbox["features"]["available"], true, "{sandbox}");
    assert_eq!(sandbox["features"]["user_ns"], true);
    assert_eq!(sandbox["features"]["seccomp"], true);
    assert!(sandbox["features"]["landlock_abi"].as_u64().unwrap() >= 1);
    assert_eq!(sandbox["used"], true);

    let p = project("[sandbox]\nmode = \"on\"\n");
    let run = p
        .run_env(&["doctor"], &[("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1")])
        .await;
    assert!(
        run.stdout.contains("required but unavailable"),
        "{}",
        run.stdout
    );
}

/// The agent's own shell calls run sandboxed: an escape attempt from a
/// scripted model changes nothing outside, while the workspace write lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_shell_calls_run_in_the_sandbox() {
    let out_dir = outside_dir();
    let target = out_dir.path().join("agent-escape.txt");
    let command = format!(
        "echo inside > inside.txt; echo pwned > {}; echo \"key=$AGENT_SECRET_KEY\"",
        target.display()
    );
    let script = vec![
        plan_turn("Write a file", &[("1", "write it")]),
        Turn::call("shell", json!({ "command": command })),
        Turn::text("Done."),
    ];
    let server = MockServer::start(script).await.unwrap();
    let p = Project::git(&server.base_url());
    let out = p
        .run_env(
            &["run", "--yes", "--json", "write a file"],
            &[("AGENT_SECRET_KEY", "agent-secret-value")],
        )
        .await;
    assert_eq!(
        p.read("inside.txt").as_deref(),
        Some("inside\n"),
        "{}",
        out.stderr
    );
    assert!(
        !target.exists(),
        "the agent's command wrote outside the workspace"
    );
    let text = tool_text_with(&server.requests(), "key=");
    assert!(!text.contains("agent-secret-value"), "{text}");
    assert!(
        text.contains("Read-only file system") || text.contains("Permission denied"),
        "{text}"
    );
}

/// With `mode = "on"` and no sandbox, the agent's command is refused before
/// it starts, and the model is told why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_commands_are_refused_when_the_required_sandbox_is_missing() {
    let script = vec![
        plan_turn("Make a file", &[("1", "make it")]),
        Turn::call("shell", json!({ "command": "touch made.txt" })),
        Turn::text("Could not."),
    ];
    let server = MockServer::start(script).await.unwrap();
    let p = Project::git(&server.base_url());
    p.write(".chamber/config.toml", "[sandbox]\nmode = \"on\"\n");
    let out = p
        .run_env(
            &["run", "--yes", "--json", "make a file"],
            &[("CHAMBER_SANDBOX_FORCE_UNAVAILABLE", "1")],
        )
        .await;
    assert!(!p.path().join("made.txt").exists(), "{}", out.stderr);
    let text = tool_text_with(&server.requests(), "requires the sandbox");
    assert!(text.contains("chamber doctor"), "{text}");
}
