//! Chaos: `chamber run` is killed with SIGKILL at random moments, then resumed (a resume
//! may be killed too), and the end state must be exactly what an uninterrupted run leaves:
//! every appending edit and every appending command applied once, the commit holding all of
//! it, and the event log (database and `events.jsonl`) numbered without gaps or repeats.
//!
//! The scripted model answers from the conversation alone (not from a queue), like a real
//! model would: after a resume it sees the replayed conversation and carries on from there.
//! When told a command was interrupted, it re-issues it in a form that checks first.
//!
//! `CHAMBER_CHAOS_POINTS` (default 50) sets how many kill points run; `CHAMBER_CHAOS_SEED`
//! replays a failing series (the seed is printed).

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_mock_llm::{MockServer, Turn};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

use super::harness::{Project, plan_turn};

const STEP_ONE: &str = "Append lines one to four";
const STEP_TWO: &str = "Record commands and lines five to eight";
const MARK: &str = "<<end>>";

/// One action of the scripted model.
#[derive(Clone, Copy)]
enum Action {
    /// Append `line N` before the end mark with `edit_file`.
    Edit(u32),
    /// Append `cmd N` to cmds.txt with a shell command.
    Shell(u32),
}

fn actions(step: &str) -> &'static [Action] {
    use Action::{Edit, Shell};
    if step == STEP_ONE {
        &[Edit(1), Edit(2), Shell(1), Edit(3), Edit(4)]
    } else {
        &[Edit(5), Shell(2), Edit(6), Edit(7), Shell(3), Edit(8)]
    }
}

fn turn_for(action: Action, retry: bool) -> Turn {
    match action {
        Action::Edit(n) => Turn::call(
            "edit_file",
            json!({"path": "log.txt", "old_string": MARK, "new_string": format!("line {n}\n{MARK}")}),
        ),
        Action::Shell(n) if retry => Turn::call(
            "shell",
            json!({"command": format!("grep -qx 'cmd {n}' cmds.txt 2>/dev/null || echo 'cmd {n}' >> cmds.txt")}),
        ),
        Action::Shell(n) => Turn::call(
            "shell",
            json!({"command": format!("echo 'cmd {n}' >> cmds.txt")}),
        ),
    }
}

/// The model: a function of the request.
fn respond(body: &Value) -> Turn {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let text = |m: &Value| m["content"].as_str().unwrap_or_default().to_string();
    let system = messages.first().map(text).unwrap_or_default();
    if system.starts_with("You are the planner") {
        return plan_turn("Chaos", &[("1", STEP_ONE), ("2", STEP_TWO)]);
    }
    let users: String = messages
        .iter()
        .filter(|m| m["role"] == "user")
        .map(text)
        .collect();
    let step = if users.contains(&format!("CURRENT STEP: {STEP_ONE}")) {
        STEP_ONE
    } else if users.contains(&format!("CURRENT STEP: {STEP_TWO}")) {
        STEP_TWO
    } else {
        return Turn::text("ok");
    };
    let results: Vec<String> = messages
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(text)
        .collect();
    let done = results
        .iter()
        .filter(|r| r.starts_with("status: ok"))
        .count();
    let plan = actions(step);
    if done >= plan.len() {
        return Turn::text(format!("{step}: done"));
    }
    let retry = results.last().is_some_and(|r| r.contains("interrupted:"));
    turn_for(plan[done], retry)
}

fn expected_log() -> String {
    let mut s: String = (1..=8).map(|n| format!("line {n}\n")).collect();
    s.push_str(MARK);
    s.push('\n');
    s
}

const EXPECTED_CMDS: &str = "cmd 1\ncmd 2\ncmd 3\n";

/// splitmix64: a tiny seeded generator, so a series replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn project(server: &MockServer) -> Project {
    let p = Project::git(&server.base_url());
    p.write("log.txt", &format!("{MARK}\n"));
    p.git_ok(&["add", "log.txt"]);
    p.git_ok(&["commit", "-q", "-m", "log"]);
    p
}

/// Runs `args` and kills it after `after` (or lets it finish when it is sooner).
async fn run_killed_after(p: &Project, args: &[&str], after: Option<Duration>) {
    let mut child = p
        .cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if after.is_some_and(|a| started.elapsed() >= a) {
            let _ = kill(
                Pid::from_raw(i32::try_from(child.id()).unwrap()),
                Signal::SIGKILL,
            );
            let _ = child.wait();
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "chamber hung");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The project's only run, if one was created before the kill.
async fn only_run(p: &Project) -> Option<(String, String)> {
    let out = p.run(&["runs", "list", "--json"]).await;
    let env = out.envelope();
    let run = env["payload"]["runs"].get(0)?.clone();
    Some((
        run["id"].as_str()?.to_string(),
        run["status"].as_str()?.to_string(),
    ))
}

/// What went wrong at one point, if anything.
#[derive(Debug, Default)]
struct Verdict {
    twice: bool,
    gaps: bool,
    other: Vec<String>,
}

impl Verdict {
    fn ok(&self) -> bool {
        !self.twice && !self.gaps && self.other.is_empty()
    }
}

fn seqs_ok(seqs: &[u64]) -> bool {
    seqs.iter().enumerate().all(|(i, s)| *s == i as u64 + 1)
}

async fn check(p: &Project) -> Verdict {
    let mut v = Verdict::default();
    let Some((id, status)) = only_run(p).await else {
        v.other.push("no run".into());
        return v;
    };
    if status != "completed" {
        v.other.push(format!("status {status}"));
    }
    let log = p.read("log.txt").unwrap_or_default();
    let cmds = p.read("cmds.txt").unwrap_or_default();
    for (name, got, want) in [
        ("log.txt", &log, expected_log()),
        ("cmds.txt", &cmds, EXPECTED_CMDS.to_string()),
    ] {
        if *got != want {
            let dup = got.lines().count() > want.lines().count();
            v.twice |= dup;
            v.other.push(format!("{name} is {got:?}"));
        }
    }
    let (_, events) = p.show(&id).await;
    let db: Vec<u64> = events.iter().filter_map(|e| e["seq"].as_u64()).collect();
    let file = std::fs::read_to_string(
        p.path()
            .join(".chamber/runs")
            .join(&id)
            .join("events.jsonl"),
    )
    .unwrap_or_default();
    let jsonl: Vec<u64> = file
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .and_then(|e| e["seq"].as_u64())
                .unwrap_or(0)
        })
        .collect();
    if !seqs_ok(&db) || !seqs_ok(&jsonl) || db.len() != jsonl.len() {
        v.gaps = true;
        v.other.push(format!(
            "event seqs: db {} / jsonl {}",
            db.len(),
            jsonl.len()
        ));
    }
    if status == "completed" {
        for (file, want) in [
            ("log.txt", expected_log()),
            ("cmds.txt", EXPECTED_CMDS.to_string()),
        ] {
            let committed = p.git_ok(&["show", &format!("HEAD:{file}")]);
            if committed.trim_end() != want.trim_end() {
                v.other.push(format!("committed {file} is {committed:?}"));
            }
        }
        let dirty = p.git_ok(&["status", "--porcelain", "--untracked-files=all"]);
        if dirty.lines().any(|l| !l.contains(".chamber")) {
            v.other.push(format!("left uncommitted: {dirty}"));
        }
    }
    v
}

/// Kills at `points` random moments of a run (and of half the first resumes); every
/// point must end exact.
async fn chaos(points: u64, seed: u64) -> (u64, u64, u64, Vec<String>) {
    let server = MockServer::start_responder(Arc::new(respond))
        .await
        .unwrap();
    // The uninterrupted run: it must be exact, and its length scales the kill points.
    let p = project(&server);
    let started = Instant::now();
    run_killed_after(&p, &["run", "--yes", "append and record"], None).await;
    let whole = started.elapsed();
    let v = check(&p).await;
    assert!(v.ok(), "the uninterrupted run is not exact: {v:?}");
    let span = whole.as_millis() as u64 + 50;
    eprintln!("chaos: seed {seed}, {points} points over {span} ms");

    let mut rng = Rng(seed);
    let (mut survived, mut twice, mut gaps) = (0, 0, 0);
    let mut failures = Vec::new();
    for point in 0..points {
        let p = project(&server);
        let first = Duration::from_millis(rng.below(span));
        let second = (rng.below(2) == 0).then(|| Duration::from_millis(rng.below(span)));
        run_killed_after(&p, &["run", "--yes", "append and record"], Some(first)).await;
        let mut kills = vec![second, None, None];
        for after in kills.drain(..) {
            match only_run(&p).await {
                None => run_killed_after(&p, &["run", "--yes", "append and record"], after).await,
                Some((_, status)) if status == "completed" => break,
                Some((id, _)) => run_killed_after(&p, &["resume", &id, "--yes"], after).await,
            }
        }
        let v = check(&p).await;
        if (point + 1) % 25 == 0 {
            eprintln!(
                "chaos: {} points done, {} went wrong",
                point + 1,
                failures.len() + usize::from(!v.ok())
            );
        }
        if v.ok() {
            survived += 1;
        } else {
            twice += u64::from(v.twice);
            gaps += u64::from(v.gaps);
            failures.push(format!(
                "point {point} (kill at {first:?}, then {second:?}): {v:?}"
            ));
        }
    }
    eprintln!(
        "chaos: {survived} of {points} kill points survived; edits applied twice: {twice}; event gaps: {gaps}"
    );
    (survived, twice, gaps, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_resume_to_the_exact_end_state() {
    let points = std::env::var("CHAMBER_CHAOS_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed = std::env::var("CHAMBER_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        });
    let (survived, _, _, failures) = chaos(points, seed).await;
    assert!(
        failures.is_empty(),
        "{} of {points} kill points went wrong (replay with CHAMBER_CHAOS_SEED={seed}):\n{}",
        points - survived,
        failures.join("\n")
    );
}
