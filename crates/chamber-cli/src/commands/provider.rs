//! `chamber provider list` and `chamber provider test NAME`: which providers
//! exist and how they are set up, and a real round trip with a tool call.

use std::time::{Duration, Instant};

use chamber_agent::{all_provider_defs, choice_for, model_table};
use chamber_llm::{ChatRequest, LlmError, Message, Provider, ToolDef, collect};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// `chamber provider list`: built-in and configured providers, their wire,
/// URL, key variable (and whether it is set) and default model.
pub fn list(setup: &Setup, out: &Output) -> Result<serde_json::Value, CliError> {
    let config = &setup.loaded.config;
    let env = |k: &str| std::env::var(k).ok();
    let main = setup.provider_choice()?;
    let table = model_table(config);
    let mut rows = Vec::new();
    for d in all_provider_defs(config) {
        let (url, url_source) = d.base_url(&env);
        let priced = table.iter().filter(|m| m.provider == d.name).count();
        rows.push(json!({
            "name": d.name,
            "wire": d.wire,
            "base_url": url,
            "base_url_source": url_source,
            "api_key_env": d.api_key_env,
            "api_key_present": d.api_key_env.is_some() && d.key_present(&env),
            "default_model": d.default_model,
            "stream": d.stream,
            "source": d.source,
            "priced_models": priced,
            "selected": d.name == main.provider,
        }));
    }
    rows.push(json!({
        "name": "local",
        "wire": "openai-chat",
        "base_url": "",
        "base_url_source": "local llama-server, started on demand",
        "api_key_env": null,
        "api_key_present": false,
        "default_model": config.local.model,
        "stream": true,
        "source": "built-in",
        "priced_models": table.iter().filter(|m| m.provider == "local").count(),
        "selected": main.local,
    }));
    for r in &rows {
        let key = match (r["api_key_env"].as_str(), r["api_key_present"].as_bool()) {
            (Some(var), Some(true)) => format!("{var} set"),
            (Some(var), _) => format!("{var} not set"),
            (None, _) => "no key needed".to_string(),
        };
        let mark = if r["selected"].as_bool() == Some(true) {
            Output::styled(style::OK, "*")
        } else {
            " ".to_string()
        };
        out.line(format!(
            "{mark} {:<17} {:<17} {:<24} {}",
            r["name"].as_str().unwrap_or_default(),
            r["wire"].as_str().unwrap_or_default(),
            r["default_model"].as_str().unwrap_or_default(),
            key
        ));
        out.line(Output::styled(
            style::DIM,
            format!(
                "    {} ({})",
                r["base_url"]
                    .as_str()
                    .filter(|u| !u.is_empty())
                    .unwrap_or("-"),
                r["base_url_source"].as_str().unwrap_or_default()
            ),
        ));
    }
    out.line(Output::styled(
        style::DIM,
        format!("* in use: {} ({})", main.label(), main.reason),
    ));
    Ok(json!({ "providers": rows, "selected": main.label() }))
}

/// The tool offered during `provider test`.
fn add_tool() -> ToolDef {
    ToolDef {
        name: "add".into(),
        description: "Add two integers and return the sum.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "first number"},
                "b": {"type": "integer", "description": "second number"}
            },
            "required": ["a", "b"],
            "additionalProperties": false
        }),
    }
}

/// `chamber provider test NAME [--model M]`: asks the provider to call a
/// tool, sends the result back and reads the final answer. Reports each
/// leg's latency, tokens and cost; any failure is an error naming its class.
pub async fn test(
    setup: &Setup,
    name: &str,
    model: Option<&str>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let config = &setup.loaded.config;
    let env = |k: &str| std::env::var(k).ok();
    let known = name == "local" || all_provider_defs(config).iter().any(|d| d.name == name);
    if !known {
        return Err(CliError::new(
            "unknown_provider",
            format!("no provider named {name:?}"),
            Some("`chamber provider list` shows them; define others under [providers.NAME]"),
            status::NOT_FOUND,
        ));
    }
    let mut choice = choice_for(config, name, model.unwrap_or_default(), &env);
    choice.reason = "chamber provider test".into();
    let (provider, choice, _) = setup
        .ready(config, choice, &crate::setup::notice_for(out))
        .await?;
    let idle = Duration::from_secs(config.provider.idle_timeout_secs.max(1));
    let table = model_table(config);
    out.line(format!(
        "testing {} at {}",
        choice.label(),
        if choice.base_url.is_empty() {
            "-"
        } else {
            &choice.base_url
        }
    ));

    let mut messages = vec![
        Message::system("You are a test harness. Use the tools you are given."),
        Message::user("Use the add tool to add 2 and 3."),
    ];
    let mut request = ChatRequest::new(choice.model.clone(), messages.clone());
    request.tools = vec![add_tool()];
    request.require_tool = true;
    request.temperature = Some(0.0);
    request.max_tokens = Some(256);
    let (first, first_ms) = leg(provider.as_ref(), &request, idle).await?;
    let Some(call) = first.tool_calls.first() else {
        return Err(failed(format!(
            "{} answered without calling the tool: {:?}",
            choice.label(),
            first.content.chars().take(200).collect::<String>()
        )));
    };
    let args: serde_json::Value = serde_json::from_str(&call.arguments).map_err(|e| {
        failed(format!(
            "the tool call's arguments are not JSON ({e}): {}",
            call.arguments
        ))
    })?;
    let (a, b) = (args["a"].as_i64(), args["b"].as_i64());
    if call.name != "add" || a.is_none() || b.is_none() {
        return Err(failed(format!(
            "expected add(a, b) with integers, got {}({})",
            call.name, call.arguments
        )));
    }
    out.line(format!(
        "  {} tool call: {}({}) in {first_ms} ms",
        Output::styled(style::OK, "✓"),
        call.name,
        call.arguments
    ));
    let sum = a.unwrap_or_default() + b.unwrap_or_default();
    let mut assistant = Message::assistant(first.content.clone(), first.tool_calls.clone());
    assistant.reasoning = first.reasoning.clone();
    assistant.reasoning_signature = first.reasoning_signature.clone();
    messages.push(assistant);
    messages.push(Message::tool(call.id.clone(), sum.to_string()));
    let mut request = ChatRequest::new(choice.model.clone(), messages);
    request.tools = vec![add_tool()];
    request.temperature = Some(0.0);
    request.max_tokens = Some(256);
    let (second, second_ms) = leg(provider.as_ref(), &request, idle).await?;
    if second.content.trim().is_empty() && second.tool_calls.is_empty() {
        return Err(failed("the answer after the tool result was empty".into()));
    }
    out.line(format!(
        "  {} answer after the tool result in {second_ms} ms: {}",
        Output::styled(style::OK, "✓"),
        second.content.lines().next().unwrap_or_default()
    ));
    let mut usage = first.usage;
    usage.add(second.usage);
    let cost = table.cost(&choice.model, &usage);
    out.line(Output::styled(
        style::DIM,
        format!(
            "  {} tokens in / {} out{}",
            usage.prompt_tokens,
            usage.completion_tokens,
            cost.map(|c| format!(" · ${c:.6}")).unwrap_or_default()
        ),
    ));
    Ok(json!({
        "provider": choice.provider,
        "model": choice.model,
        "wire": choice.wire,
        "base_url": choice.base_url,
        "tool_call": {"name": call.name, "arguments": args},
        "answer": second.content,
        "latency_ms": [first_ms, second_ms],
        "usage": usage,
        "cost_usd": cost,
        "ok": true,
    }))
}

async fn leg(
    provider: &dyn Provider,
    request: &ChatRequest,
    idle: Duration,
) -> Result<(chamber_llm::ChatResponse, u64), CliError> {
    let started = Instant::now();
    let r = collect(provider, request, idle, &mut |_| {})
        .await
        .map_err(provider_failed)?;
    Ok((r, started.elapsed().as_millis() as u64))
}

fn provider_failed(e: LlmError) -> CliError {
    CliError::new(
        "provider_failed",
        format!("{}: {e}", e.kind.code()),
        Some(e.kind.hint()),
        status::PROVIDER,
    )
}

fn failed(message: String) -> CliError {
    CliError::new(
        "provider_failed",
        message,
        Some("the provider answered but not as a tool-calling model should; try another model"),
        status::PROVIDER,
    )
}
