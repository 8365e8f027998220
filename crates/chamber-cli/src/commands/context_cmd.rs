//! `chamber context "<task>"`: exactly the context a run would send the
//! model for this task, piece by piece, with token counts and why each
//! piece was chosen.

use chamber_agent::context::{ProjectContext, context_budget};
use serde_json::{Value, json};

use crate::exit::CliError;
use crate::output::{Output, style};
use crate::setup::{Setup, registry_for};

/// Prints the pieces (kind, path, tokens, reason) and then the context
/// text; the payload has both.
pub async fn context(setup: &Setup, task: &str, out: &Output) -> Result<Value, CliError> {
    let config = &setup.loaded.config;
    let choice = setup.provider_choice()?;
    let registry = registry_for(config, &choice);
    let ctx = ProjectContext::gather(&setup.root, config, choice.local, &registry, task).await;
    let text = ctx.render();
    let budget = context_budget(config, choice.local);
    let pieces = ctx.pieces();
    if !out.is_json() {
        if let Some(why) = &ctx.fallback {
            out.line(Output::styled(style::BAD, format!("index not used: {why}")));
        }
        out.line(Output::styled(
            style::HEAD,
            format!("{:<13} {:>6}  {:<40} reason", "piece", "tokens", "path"),
        ));
        for p in &pieces {
            out.line(format!(
                "{:<13} {:>6}  {:<40} {}",
                p.kind,
                p.tokens,
                p.path.as_deref().unwrap_or("-"),
                p.reason
            ));
        }
        if let Some(built) = &ctx.built {
            for (what, why) in &built.left_out {
                out.line(Output::styled(
                    style::DIM,
                    format!("left out: {what} ({why})"),
                ));
            }
        }
        out.line(Output::styled(
            style::DIM,
            format!(
                "≈{} tokens of {budget} budget · {} chars",
                chamber_index::context::estimate_tokens(&text),
                text.len()
            ),
        ));
        out.line("");
        out.line(text.trim_end());
    }
    Ok(json!({
        "task": task,
        "budget_tokens": budget,
        "tokens": chamber_index::context::estimate_tokens(&text),
        "pieces": pieces,
        "left_out": ctx.built.as_ref().map(|b| b.left_out.clone()).unwrap_or_default(),
        "fallback": ctx.fallback,
        "text": text,
    }))
}
