//! Wire-adapter overhead, per format, against the scripted mock server.
//!
//! (a) Stream parsing throughput. The SSE parsers are crate-private, so this is measured end
//!     to end: `collect()` through the adapter versus a raw reqwest read of the same body
//!     (bytes only, no parsing), in two setups:
//!     - replay: an ~8 MB SSE body (many 16-char deltas) is fetched once from the mock with a
//!       raw request, then served verbatim by a minimal in-process HTTP server, so the server
//!       costs next to nothing and the difference is the client's parsing;
//!     - live: the mock itself renders and sends the same turn on every request, one frame
//!       per event (what the integration tests see).
//!     - in memory: the same body through SSE framing + `serde_json` per event, fed in reads
//!       of 4 KiB, 64 KiB and 1 MiB: Chamber's own `SseDecoder` (what the adapters use) next
//!       to the `eventsource-stream` crate they used before, whose cost grows with the read
//!       size.
//! (b) Added latency per request: a tiny turn through `collect()` versus a raw POST reading
//!     the same body, against the zero-latency mock; median and p95 over ~300 requests each,
//!     interleaved.
//!
//! Run: `cargo run --release -p chamber-llm --example wire_bench` (or
//! `scripts/bench_providers.sh`). Env: `WIRE_BENCH_MB` (default 8), `WIRE_BENCH_REPS`
//! (default 5), `WIRE_BENCH_REQUESTS` (default 300).

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_llm::{ChatRequest, HttpSettings, Message, Provider, Wire, build_adapter, collect};
use chamber_mock_llm::{MockServer, Turn, repeat};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const KEY: &str = "sk-bench";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn model(wire: Wire) -> &'static str {
    match wire {
        Wire::OpenAiChat => "gpt-4.1-mini",
        Wire::OpenAiResponses => "gpt-5-mini",
        Wire::Anthropic => "claude-sonnet-4-5",
        Wire::Gemini => "gemini-2.5-flash",
    }
}

/// The adapter for `wire` on a server whose root is `root` (`http://127.0.0.1:PORT`).
fn adapter(wire: Wire, root: &str) -> Res<Arc<dyn Provider>> {
    let base_url = match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => format!("{root}/v1"),
        Wire::Anthropic | Wire::Gemini => root.to_string(),
    };
    let settings = HttpSettings {
        base_url,
        api_key: Some(KEY.into()),
        headers: Vec::new(),
        request_timeout: Duration::from_secs(120),
        stream: true,
        max_response_bytes: chamber_llm::AnswerLimits::DEFAULT_MAX_BYTES,
    };
    Ok(build_adapter(wire.as_str(), wire, settings)?)
}

fn chat_request(wire: Wire) -> ChatRequest {
    ChatRequest::new(
        model(wire),
        vec![
            Message::system("You are a benchmark."),
            Message::user("Write a long story."),
        ],
    )
}

/// A raw streamed request in the wire's own form, as the adapter would send it.
fn raw_request(client: &reqwest::Client, wire: Wire, root: &str) -> reqwest::RequestBuilder {
    let user = json!([{"role": "user", "content": "Write a long story."}]);
    let (url, body): (String, Value) = match wire {
        Wire::OpenAiChat => (
            format!("{root}/v1/chat/completions"),
            json!({"model": model(wire), "messages": user, "stream": true,
                   "stream_options": {"include_usage": true}}),
        ),
        Wire::OpenAiResponses => (
            format!("{root}/v1/responses"),
            json!({"model": model(wire), "input": user, "store": false, "stream": true}),
        ),
        Wire::Anthropic => (
            format!("{root}/v1/messages"),
            json!({"model": model(wire), "max_tokens": 8192, "messages": user, "stream": true}),
        ),
        Wire::Gemini => (
            format!(
                "{root}/v1beta/models/{}:streamGenerateContent?alt=sse",
                model(wire)
            ),
            json!({"contents": [{"role": "user", "parts": [{"text": "Write a long story."}]}]}),
        ),
    };
    let req = client.post(url).json(&body);
    match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => req.bearer_auth(KEY),
        Wire::Anthropic => req
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01"),
        Wire::Gemini => req.header("x-goog-api-key", KEY),
    }
}

/// Sends a raw request and reads the whole body, without parsing it.
async fn raw_read(client: &reqwest::Client, wire: Wire, root: &str) -> Res<Vec<u8>> {
    let resp = raw_request(client, wire, root).send().await?;
    if !resp.status().is_success() {
        return Err(format!("{wire}: HTTP {}", resp.status()).into());
    }
    Ok(resp.bytes().await?.to_vec())
}

/// One answer through the adapter; returns the length of the assembled text.
async fn adapter_read(p: &dyn Provider, req: &ChatRequest) -> Res<usize> {
    let resp = collect(p, req, Duration::from_secs(30), &mut |_: &str| {}).await?;
    Ok(resp.content.len())
}

/// Prose of exactly `chars` ASCII chars (the mock streams it in 16-char deltas).
fn prose(chars: usize) -> String {
    const WORDS: &str = "The quick brown fox jumps over the lazy dog while the compiler \
                         checks every borrow and the tests run green again. ";
    WORDS.chars().cycle().take(chars).collect()
}

/// Minimal HTTP/1.1 server answering every request (keep-alive) with `body` as an event
/// stream, in as few writes as the socket allows. Returns its root URL.
async fn replay_server(body: Arc<Vec<u8>>) -> Res<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let root = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let _ = serve_replay(sock, &body).await;
            });
        }
    });
    Ok(root)
}

async fn serve_replay(mut sock: TcpStream, body: &[u8]) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut buf = Vec::new();
    let mut tmp = [0u8; 16 * 1024];
    loop {
        // Read one request: the head, then `content-length` bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = sock.read(&mut tmp).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&tmp[..n]);
        };
        let text = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = sock.read(&mut tmp).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&tmp[..n]);
        }
        buf.drain(..head_end + len);
        sock.write_all(head.as_bytes()).await?;
        sock.write_all(body).await?;
    }
}

/// Read sizes for the in-memory framing measurement.
const READS: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];

/// MB/s of `body` through Chamber's own SSE framing (`SseDecoder`) and a JSON parse of every
/// event, fed in `read`-byte pieces (best of three).
fn framing_ours(body: &[u8], read: usize) -> Res<f64> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let mut decoder = chamber_llm::SseDecoder::default();
        let mut ready = std::collections::VecDeque::new();
        for piece in body.chunks(read) {
            decoder.feed(piece, &mut ready)?;
            while let Some(event) = ready.pop_front() {
                if event.data != "[DONE]" {
                    std::hint::black_box(serde_json::from_str::<Value>(&event.data)?);
                }
            }
        }
        best = best.min(start.elapsed());
    }
    Ok(mbps(body.len(), best))
}

/// The same through the `eventsource-stream` crate, which the adapters used before
/// (kept as a dev-dependency for this comparison).
async fn framing(body: &[u8], read: usize) -> Res<f64> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let pieces: Vec<Result<&[u8], std::io::Error>> = body.chunks(read).map(Ok).collect();
        let start = Instant::now();
        let mut events = futures::stream::iter(pieces).eventsource();
        while let Some(event) = events.next().await {
            let data = event?.data;
            if data != "[DONE]" {
                std::hint::black_box(serde_json::from_str::<Value>(&data)?);
            }
        }
        best = best.min(start.elapsed());
    }
    Ok(mbps(body.len(), best))
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p95(v: &mut [Duration]) -> Duration {
    v.sort();
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

/// Throughput figures of one wire.
struct Throughput {
    wire: Wire,
    bytes: usize,
    events: usize,
    replay: (f64, f64),
    live: (f64, f64),
    in_memory: Vec<f64>,
}

async fn throughput(wire: Wire, target_mb: usize, reps: usize) -> Res<Throughput> {
    let client = reqwest::Client::new();
    // Calibrate: SSE bytes per char of answer for this format, then size the answer.
    let probe_chars = 64 * 1024;
    let probe = MockServer::start(vec![Turn::text(prose(probe_chars))]).await?;
    let probe_len = raw_read(&client, wire, &probe.root_url()).await?.len();
    let chars = (target_mb as f64 * 1e6 / probe_len as f64 * probe_chars as f64) as usize;
    let turn = Turn::text(prose(chars)).with_usage(20, chars as u64 / 4);

    // The exact bytes the mock emits for this turn, served back verbatim.
    let mock = MockServer::start(repeat(turn, 2 * reps + 3)).await?;
    let live = mock.root_url();
    let body = raw_read(&client, wire, &live).await?;
    let events = String::from_utf8_lossy(&body).matches("\n\n").count();
    let replay = replay_server(Arc::new(body.clone())).await?;
    let req = chat_request(wire);
    let (on_replay, on_live) = (adapter(wire, &replay)?, adapter(wire, &live)?);
    // Warm up both paths and check the adapter assembles the whole answer.
    for p in [&on_replay, &on_live] {
        let got = adapter_read(p.as_ref(), &req).await?;
        if got != chars {
            return Err(format!("{wire}: assembled {got} chars, expected {chars}").into());
        }
    }
    raw_read(&client, wire, &replay).await?;

    let mut t = [(); 4].map(|()| Vec::with_capacity(reps));
    for _ in 0..reps {
        let start = Instant::now();
        let n = raw_read(&client, wire, &replay).await?.len();
        t[0].push(start.elapsed());
        let start = Instant::now();
        adapter_read(on_replay.as_ref(), &req).await?;
        t[1].push(start.elapsed());
        let start = Instant::now();
        let m = raw_read(&client, wire, &live).await?.len();
        t[2].push(start.elapsed());
        let start = Instant::now();
        adapter_read(on_live.as_ref(), &req).await?;
        t[3].push(start.elapsed());
        // Live bodies differ slightly: ids and counters in every event grow by a digit.
        if n != body.len() || m.abs_diff(body.len()) > body.len() / 50 {
            return Err(format!("{wire}: body size changed ({n}, {m})").into());
        }
    }
    let mut in_memory = Vec::new();
    for read in READS {
        in_memory.push(framing_ours(&body, read)?);
    }
    for read in READS {
        in_memory.push(framing(&body, read).await?);
    }
    let [mut a, mut b, mut c, mut d] = t;
    let len = body.len();
    Ok(Throughput {
        in_memory,
        wire,
        bytes: len,
        events,
        replay: (mbps(len, median(&mut a)), mbps(len, median(&mut b))),
        live: (mbps(len, median(&mut c)), mbps(len, median(&mut d))),
    })
}

/// Latency figures of one wire: (median, p95) for raw and adapter.
struct Latency {
    wire: Wire,
    raw: (Duration, Duration),
    adapter: (Duration, Duration),
}

async fn latency(wire: Wire, requests: usize) -> Res<Latency> {
    let warmup = 20;
    let mock = MockServer::start(repeat(Turn::text("ok"), 2 * (requests + warmup))).await?;
    let root = mock.root_url();
    let client = reqwest::Client::new();
    let p = adapter(wire, &root)?;
    let req = chat_request(wire);
    let (mut raw, mut ada) = (Vec::new(), Vec::new());
    for i in 0..requests + warmup {
        let start = Instant::now();
        raw_read(&client, wire, &root).await?;
        let r = start.elapsed();
        let start = Instant::now();
        adapter_read(p.as_ref(), &req).await?;
        let a = start.elapsed();
        if i >= warmup {
            raw.push(r);
            ada.push(a);
        }
    }
    Ok(Latency {
        wire,
        raw: (median(&mut raw), p95(&mut raw)),
        adapter: (median(&mut ada), p95(&mut ada)),
    })
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() -> Res<()> {
    let target_mb = env_num("WIRE_BENCH_MB", 8);
    let reps = env_num("WIRE_BENCH_REPS", 5).max(1);
    let requests = env_num("WIRE_BENCH_REQUESTS", 300).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# chamber-llm wire benchmark\n");
    println!(
        "{cores} cores; ~{target_mb} MB streams, median of {reps} reads; \
         {requests} tiny requests per wire (client and server share this process).\n"
    );

    println!("## (a) Stream throughput: raw body read vs adapter `collect()`\n");
    println!(
        "| wire | SSE body | events | replay raw MB/s | replay adapter MB/s | adapter/raw \
         | live-mock raw MB/s | live-mock adapter MB/s | adapter/raw |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut in_memory = Vec::new();
    for wire in Wire::ALL {
        let t = throughput(wire, target_mb, reps).await?;
        in_memory.push((wire, t.in_memory.clone()));
        println!(
            "| {} | {:.2} MB | {} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} |",
            t.wire,
            t.bytes as f64 / 1e6,
            t.events,
            t.replay.0,
            t.replay.1,
            t.replay.1 / t.replay.0,
            t.live.0,
            t.live.1,
            t.live.1 / t.live.0,
        );
    }

    println!("\n### In memory: SSE framing + JSON parse of each event, MB/s by read size\n");
    println!(
        "| wire | ours 4 KiB | ours 64 KiB | ours 1 MiB | eventsource-stream 4 KiB | 64 KiB | 1 MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (wire, v) in in_memory {
        println!(
            "| {wire} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            v[0], v[1], v[2], v[3], v[4], v[5]
        );
    }

    println!("\n## (b) Latency per tiny request against the zero-latency mock\n");
    println!(
        "| wire | raw median µs | adapter median µs | added median µs \
         | raw p95 µs | adapter p95 µs | added p95 µs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for wire in Wire::ALL {
        let l = latency(wire, requests).await?;
        println!(
            "| {} | {:.0} | {:.0} | {:+.0} | {:.0} | {:.0} | {:+.0} |",
            l.wire,
            us(l.raw.0),
            us(l.adapter.0),
            us(l.adapter.0) - us(l.raw.0),
            us(l.raw.1),
            us(l.adapter.1),
            us(l.adapter.1) - us(l.raw.1),
        );
    }
    Ok(())
}
