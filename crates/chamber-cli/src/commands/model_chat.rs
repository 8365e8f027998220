use std::io::Write;
use std::time::{Duration, Instant};

use chamber_llm::{ChatRequest, ChatResponse, Message, Provider, collect};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// `chamber model chat [--model NAME] MESSAGE`: one streamed answer from the
/// local model (started on demand) through the same client a run uses, with
/// time to first token and tokens per second.
pub async fn chat(
    setup: &Setup,
    message: &str,
    max_tokens: Option<u32>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let mut config = setup.loaded.config.clone();
    config.provider.name = "local".into();
    let started = Instant::now();
    let (provider, choice, server) = setup
        .provider(&config, &crate::setup::notice_for(out))
        .await?;
    let ready_ms = started.elapsed().as_millis() as u64;
    let (server_pid, port) = server.map(|s| (s.server_pid, s.port)).unwrap_or_default();
    let mut request = ChatRequest::new(choice.model.clone(), vec![Message::user(message)]);
    request.max_tokens = max_tokens;
    request.temperature = Some(0.0);
    let sent = Instant::now();
    let mut first: Option<Duration> = None;
    let show = !out.is_json() && !out.is_quiet();
    let idle = Duration::from_secs(config.provider.idle_timeout_secs.max(1));
    let response = collect_shown(provider.as_ref(), &request, idle, show, &mut |_| {
        first.get_or_insert_with(|| sent.elapsed());
    })
    .await?;
    let total = sent.elapsed();
    let ttft = first.unwrap_or(total);
    let gen_secs = (total - ttft).as_secs_f64();
    let u = response.usage;
    let gen_tps = if gen_secs > 0.0 && u.completion_tokens > 1 {
        (u.completion_tokens - 1) as f64 / gen_secs
    } else {
        0.0
    };
    let prompt_tps = u.prompt_tokens as f64 / ttft.as_secs_f64().max(1e-6);
    out.line("");
    out.line(Output::styled(
        style::DIM,
        format!(
            "{} · {} prompt + {} generated tokens · first token {:.0} ms · {:.1} tok/s prompt · {:.1} tok/s generation",
            choice.model,
            u.prompt_tokens,
            u.completion_tokens,
            ttft.as_secs_f64() * 1000.0,
            prompt_tps,
            gen_tps
        ),
    ));
    Ok(json!({
        "model": choice.model,
        "content": response.content,
        "usage": u,
        "server_ready_ms": ready_ms,
        "ttft_ms": ttft.as_secs_f64() * 1000.0,
        "total_ms": total.as_secs_f64() * 1000.0,
        "prompt_tokens_per_s": prompt_tps,
        "gen_tokens_per_s": gen_tps,
        "server_pid": server_pid,
        "port": port,
    }))
}

/// Sends `request` and prints the answer to stdout as it streams (when
/// `show`); `on_text` sees every piece too. A failure is the CLI's
/// `model_failed` error with the provider's hint.
pub(crate) async fn collect_shown(
    provider: &dyn Provider,
    request: &ChatRequest,
    idle: Duration,
    show: bool,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<ChatResponse, CliError> {
    collect(provider, request, idle, &mut |t| {
        on_text(t);
        if show {
            show_text(t);
        }
    })
    .await
    .map_err(|e| {
        CliError::new(
            "model_failed",
            e.to_string(),
            Some(e.kind.hint()),
            status::RUN_FAILED,
        )
    })
}

/// Prints a piece of streamed model text to stdout at once.
pub(crate) fn show_text(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

/// A one-shot model request that failed after its retries and fallbacks,
/// as the CLI's `model_failed` error with the provider's hint.
pub(crate) fn model_failed(e: chamber_agent::AgentError) -> CliError {
    match e {
        chamber_agent::AgentError::Llm(e) => CliError::new(
            "model_failed",
            e.to_string(),
            Some(e.kind.hint()),
            status::RUN_FAILED,
        ),
        other => other.into(),
    }
}
