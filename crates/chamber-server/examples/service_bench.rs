//! Service benchmarks, in one process on 127.0.0.1 with a temporary SQLite
//! database: queue throughput with no-op tasks (1, 4 and 16 workers), API
//! latency against a hello-world axum route (the floor), and SSE fan-out to
//! many subscribers of one task. Figures go to docs/benchmarks.md.
//!
//! `cargo run --release -p chamber-server --example service_bench -- [queue|queue-pg|api|sse|all]`
//!
//! `queue-pg` runs the queue benchmark on PostgreSQL: a fresh database per
//! run on the server `CHAMBER_BENCH_POSTGRES_URL` names (scripts/bench_queue.sh
//! starts one and runs graphile-worker on it in the same run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chamber_protocol::{Event, EventKind, Origin, Task, TaskConstraints};
use chamber_server::{AppState, ServerSettings, WorkerOptions, run_workers};
use chamber_store::{NewRun, NewTask, Store, TaskState, TokenScope};
use futures::StreamExt;

fn settings() -> ServerSettings {
    let mut s = ServerSettings::from_config(&chamber_config::ServerConfig::default());
    s.queue_cap = 10_000_000;
    s.rate_limit_per_minute = 0;
    s.repo_roots = vec![std::env::temp_dir().canonicalize().unwrap()];
    s
}

fn noop(i: usize) -> NewTask {
    NewTask {
        prompt: format!("no-op {i}"),
        repo: "/tmp".into(),
        base_branch: None,
        constraints: serde_json::json!({"noop": true}),
        priority: 0,
        queue: "default".into(),
        labels: Vec::new(),
        idempotency_key: None,
        request_hash: None,
        unique_key: None,
        max_attempts: 1,
        origin: "bench".into(),
    }
}

async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("chamber.db")).await.unwrap();
    (dir, store)
}

/// A fresh SQLite file, or a fresh database on the PostgreSQL server
/// `postgres` (an admin URL) names.
async fn open_on(postgres: Option<&str>) -> (tempfile::TempDir, Store) {
    match postgres {
        None => open().await,
        Some(admin) => {
            let url = chamber_store::create_scratch_database(admin, "chamber_bench")
                .await
                .unwrap();
            (
                tempfile::tempdir().unwrap(),
                Store::connect(&url).await.unwrap(),
            )
        }
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// N no-op tasks through submit → claim → complete with W workers: with
/// `overlap`, submitted one by one while the workers run; without, all
/// submitted first and then drained (graphile-worker's `SUBMIT=each
/// OVERLAP=0`).
async fn queue(n: usize, postgres: Option<&str>, overlap: bool) {
    println!(
        "## queue: {n} no-op tasks, submit → claim → complete ({}, {})",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        if overlap {
            "submitted while workers run"
        } else {
            "submitted first, then drained"
        }
    );
    for workers in [1usize, 4, 16] {
        let (_dir, store) = open_on(postgres).await;
        let state = AppState::new(store.clone(), settings(), workers);
        let (tx, rx) = tokio::sync::watch::channel(false);
        let start_workers = || {
            tokio::spawn(run_workers(
                state.clone(),
                WorkerOptions::new(workers, vec![]),
                rx.clone(),
            ))
        };
        let mut w = overlap.then(start_workers);
        let started = Instant::now();
        for i in 0..n {
            store.submit_task(&noop(i), None).await.unwrap();
            state.announce_work();
        }
        let submitted = started.elapsed();
        if w.is_none() {
            w = Some(start_workers());
        }
        loop {
            let stats = store.queue_stats().await.unwrap();
            if stats
                .by_state
                .get(&TaskState::Completed)
                .copied()
                .unwrap_or(0) as usize
                == n
            {
                break;
            }
            // Each check counts every task by state: often enough to time a
            // run of seconds within 1-2 %, rarely enough not to load it.
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let total = started.elapsed();
        let _ = tx.send(true);
        if let Some(w) = w {
            let _ = w.await;
        }
        println!(
            "workers {workers:>2}: {:>7.0} tasks/s end to end ({:.2} s); submit alone {:>7.0}/s{}",
            n as f64 / total.as_secs_f64(),
            total.as_secs_f64(),
            n as f64 / submitted.as_secs_f64(),
            if overlap {
                String::new()
            } else {
                format!(
                    "; drain alone {:>7.0}/s",
                    n as f64 / (total - submitted).as_secs_f64()
                )
            }
        );
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn load(
    client: &reqwest::Client,
    make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Sync,
    conc: usize,
    each: usize,
) -> (f64, f64, f64) {
    let make = &make;
    let started = Instant::now();
    let mut all: Vec<Duration> = futures::stream::iter(0..conc)
        .map(|_| async move {
            let mut v = Vec::with_capacity(each);
            for _ in 0..each {
                let t = Instant::now();
                let r = make(client).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                let _ = r.bytes().await.unwrap();
                v.push(t.elapsed());
            }
            v
        })
        .buffer_unordered(conc)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.99), rate)
}

/// p50/p99 of GET /v1/tasks/{id} and POST /v1/tasks against a hello route.
async fn api(conc: usize, each: usize) {
    println!("## api: {conc} concurrent clients × {each} requests, same process");
    let (_dir, store) = open().await;
    let (_, secret) = store
        .create_token("bench", TokenScope::Write)
        .await
        .unwrap();
    let state = AppState::new(store.clone(), settings(), 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(chamber_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let hello = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hello_url = format!("http://{}/hello", hello.local_addr().unwrap());
    let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "hello" }));
    tokio::spawn(async move { axum::serve(hello, app).await });
    let task = store.submit_task(&noop(0), None).await.unwrap().task;
    let client = reqwest::Client::new();
    let floor = load(&client, |c| c.get(&hello_url), conc, each).await;
    let get_url = format!("{base}/v1/tasks/{}", task.id);
    let get = load(
        &client,
        |c| c.get(&get_url).bearer_auth(&secret),
        conc,
        each,
    )
    .await;
    let post_url = format!("{base}/v1/tasks");
    let repo_dir = tempfile::tempdir().unwrap();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(repo_dir.path())
        .status()
        .unwrap();
    let repo = repo_dir.path().canonicalize().unwrap();
    let post = load(
        &client,
        |c| {
            c.post(&post_url)
                .bearer_auth(&secret)
                .json(&serde_json::json!({
                    "prompt": "no-op", "repo": repo, "constraints": {"noop": true}
                }))
        },
        conc,
        each,
    )
    .await;
    for (name, (p50, p99, rate)) in [
        ("hello (floor)", floor),
        ("GET /v1/tasks/{id}", get),
        ("POST /v1/tasks", post),
    ] {
        println!(
            "{name:<20} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  {rate:>7.0} req/s  (p50 ×{:.2}, p99 ×{:.2} of the floor)",
            p50 / floor.0,
            p99 / floor.1
        );
    }
}

/// Delay from an event's commit to its delivery, for `subs` subscribers.
async fn sse(subs: usize, events: usize) {
    println!("## sse: {subs} subscribers on one task, {events} events");
    let (_dir, store) = open().await;
    let (_, secret) = store.create_token("bench", TokenScope::Read).await.unwrap();
    let state = AppState::new(store.clone(), settings(), 0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(chamber_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let task = store.submit_task(&noop(0), None).await.unwrap().task;
    let claim = store
        .claim_task("bench", &[], Duration::from_secs(3600), &HashMap::new())
        .await
        .unwrap()
        .unwrap();
    let run = Task {
        id: "benchrun0001".into(),
        prompt: "bench".into(),
        workdir: "/tmp".into(),
        origin: Origin::Api,
        constraints: TaskConstraints::default(),
        created_at: chrono::Utc::now(),
    };
    store
        .create_run(&NewRun {
            task: run.clone(),
            provider: "bench".into(),
            model: "bench".into(),
            branch: None,
            base_branch: None,
            pid: std::process::id(),
        })
        .await
        .unwrap();
    store
        .set_task_run(&task.id, claim.fencing_token, &run.id)
        .await
        .unwrap();
    let before = rss_kib();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subs);
    let mut handles = Vec::new();
    for _ in 0..subs {
        let url = format!("{base}/v1/tasks/{}/events", task.id);
        let (client, secret, ready) = (client.clone(), secret.clone(), ready_tx.clone());
        handles.push(tokio::spawn(async move {
            let r = client.get(url).bearer_auth(secret).send().await.unwrap();
            let _ = ready.send(()).await;
            let mut stream = eventsource_stream::EventStream::new(r.bytes_stream());
            let mut delays = Vec::with_capacity(events);
            while let Some(Ok(ev)) = stream.next().await {
                let e: Event = serde_json::from_str(&ev.data).unwrap();
                delays.push((chrono::Utc::now() - e.ts).to_std().unwrap_or_default());
                if delays.len() == events {
                    break;
                }
            }
            delays
        }));
    }
    for _ in 0..subs {
        ready_rx.recv().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let connected = rss_kib();
    for seq in 1..=events {
        let e = Event {
            run_id: run.id.clone(),
            seq: seq as u64,
            ts: chrono::Utc::now(),
            kind: EventKind::BudgetWarning {
                resource: "time".into(),
                used: seq as f64,
                limit: 1e9,
            },
        };
        store.append_event(&e).await.unwrap();
        state.wake.notify_waiters();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    println!(
        "delivered {} of {}: delay p50 {:.1} ms, p99 {:.1} ms; RSS +{:.1} KiB per subscriber (server and client in one process)",
        all.len(),
        subs * events,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        (connected.saturating_sub(before)) as f64 / subs as f64
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if what == "queue" || what == "all" {
        queue(2000, None, true).await;
        queue(2000, None, false).await;
    }
    if what == "queue-pg" {
        let url = std::env::var("CHAMBER_BENCH_POSTGRES_URL")
            .expect("queue-pg needs CHAMBER_BENCH_POSTGRES_URL (an admin URL)");
        queue(2000, Some(&url), true).await;
        queue(2000, Some(&url), false).await;
    }
    if what == "api" || what == "all" {
        api(16, 300).await;
    }
    if what == "sse" || what == "all" {
        sse(1000, 20).await;
    }
}
