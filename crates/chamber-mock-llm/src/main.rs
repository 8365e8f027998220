//! `chamber-mock-llm --script FILE.json [--port N]`: serves a scripted endpoint for benchmark
//! scripts, printing `listening http://127.0.0.1:PORT/v1` once ready. The same port also
//! answers OpenAI Responses (`/v1/responses`), Anthropic (`/v1/messages`, base URL without
//! `/v1`) and Gemini (`/v1beta/models/…`) requests, all from the one script.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use chamber_mock_llm::{MockServer, Turn};
use clap::Parser;

/// Command-line arguments of the mock server binary.
#[derive(Debug, Parser)]
#[command(
    name = "chamber-mock-llm",
    about = "Scripted OpenAI / Anthropic / Gemini chat server for tests and benchmarks"
)]
struct Args {
    /// JSON file holding an array of turns (`-` reads it from stdin).
    #[arg(long)]
    script: PathBuf,
    /// Port to listen on at 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let text = if args.script.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading script from stdin")?;
        text
    } else {
        std::fs::read_to_string(&args.script)
            .with_context(|| format!("reading script {}", args.script.display()))?
    };
    let script: Vec<Turn> =
        serde_json::from_str(&text).context("script must be a JSON array of turns")?;

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = MockServer::start_on(addr, script)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening {}", server.base_url())?;
    stdout.flush()?;
    drop(stdout);

    tokio::signal::ctrl_c()
        .await
        .context("waiting for ctrl-c")?;
    drop(server);
    Ok(())
}
