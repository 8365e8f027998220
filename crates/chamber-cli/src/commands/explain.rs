//! `chamber explain <path[:line]>`: gathers the code at that place (the
//! enclosing definition, or a window), the definitions it uses and the
//! project context, then asks the configured model to explain it and
//! streams the answer.

use std::collections::BTreeSet;

use chamber_agent::context::{context_budget, context_options};
use chamber_index::context::{build_context, estimate_tokens};
use chamber_index::retrieve::RankedFile;
use chamber_llm::{ChatRequest, Message};
use serde_json::{Value, json};

use super::map::open_updated;
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Lines each side of the asked line when no definition encloses it.
const WINDOW: u32 = 30;
/// Longest code excerpt, in lines.
const MAX_LINES: u32 = 160;

/// System prompt of an explanation.
const SYSTEM: &str = "You are Chamber, a coding assistant. Explain the code the user points at: \
what it does, how it fits in the project, its inputs, outputs and side effects, and anything \
surprising. Refer to names and line numbers. Be concise.";

/// Splits `path[:line]`.
fn parse_target(target: &str) -> (String, Option<u32>) {
    if let Some((path, line)) = target.rsplit_once(':')
        && let Ok(n) = line.parse::<u32>()
    {
        return (path.to_string(), Some(n.max(1)));
    }
    (target.to_string(), None)
}

/// Explains `target`; the payload has the answer and the context used.
pub async fn explain(setup: &Setup, target: &str, out: &Output) -> Result<Value, CliError> {
    let (path, line) = parse_target(target);
    let path = path.trim_start_matches("./").to_string();
    let text = std::fs::read_to_string(setup.root.join(&path)).map_err(|e| {
        CliError::new(
            "not_found",
            format!("cannot read {path}: {e}"),
            Some("give a path relative to the project root, optionally with :LINE"),
            status::NOT_FOUND,
        )
    })?;
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len() as u32;
    let index = open_updated(setup).await?;
    let snapshot = index
        .snapshot()
        .await
        .map_err(|e| CliError::new("index_failed", e.to_string(), None, status::INTERNAL))?;
    // The excerpt: the innermost definition around the line, or a window.
    let (from, to) = match line {
        Some(n) => snapshot
            .symbols
            .iter()
            .filter(|s| s.path == path && s.start_line <= n && n <= s.end_line)
            .min_by_key(|s| s.end_line - s.start_line)
            .map(|s| (s.start_line, s.end_line.min(s.start_line + MAX_LINES)))
            .unwrap_or((n.saturating_sub(WINDOW).max(1), (n + WINDOW).min(total))),
        None => (1, total.min(MAX_LINES)),
    };
    let mut excerpt = String::new();
    for n in from..=to.min(total) {
        excerpt.push_str(&format!("{n:>5}│ {}\n", lines[(n - 1) as usize]));
    }
    // Files defining the names the excerpt uses come next.
    let used: BTreeSet<&str> = snapshot
        .references
        .iter()
        .filter(|r| r.path == path && r.line >= from && r.line <= to)
        .map(|r| r.name.as_str())
        .collect();
    let mut ranked = vec![RankedFile {
        path: path.clone(),
        score: 1.0,
        reasons: vec!["the file asked about".into()],
    }];
    for s in &snapshot.symbols {
        if used.contains(s.name.as_str())
            && s.path != path
            && !ranked.iter().any(|r| r.path == s.path)
        {
            ranked.push(RankedFile {
                path: s.path.clone(),
                score: 0.5,
                reasons: vec![format!("defines `{}` used there", s.qualified)],
            });
        }
    }
    let config = &setup.loaded.config;
    let model = setup.one_shot_model(&crate::setup::notice_for(out)).await?;
    let budget = context_budget(config, model.choice.local);
    let task = format!(
        "Explain {path} lines {from}-{to}: {}",
        used.iter().copied().collect::<Vec<_>>().join(" ")
    );
    let excerpt_tokens = estimate_tokens(&excerpt) + 50;
    let opts = context_options(config, budget.saturating_sub(excerpt_tokens));
    let built = build_context(&setup.root, &task, &snapshot, &ranked[1..], &opts);
    let prompt = format!(
        "# Explain this code: {path} lines {from}-{to}\n```\n{excerpt}```\n\n# Project context\n{}",
        built.render()
    );
    // The chain names the model of each attempt.
    let mut request = ChatRequest::new(
        String::new(),
        vec![Message::system(SYSTEM), Message::user(prompt)],
    );
    request.temperature = Some(0.2);
    let show = !out.is_json() && !out.is_quiet();
    // Retried, failed over and recorded under the phase `explain` like a
    // run's turns; the code may hold secrets, so the model sees placeholders.
    let answer = model
        .ask("explain", &request, &mut |t| {
            if show {
                crate::commands::model_chat::show_text(t);
            }
        })
        .await
        .map_err(crate::commands::model_chat::model_failed)?;
    let response = &answer.response;
    if show {
        out.line("");
    }
    Ok(json!({
        "path": path,
        "lines": [from, to],
        "provider": answer.provider,
        "model": answer.model,
        "cost_usd": answer.cost_usd,
        "content": response.content,
        "context": built.pieces.iter().map(|p| json!({
            "kind": p.kind, "path": p.path, "tokens": p.tokens, "reason": p.reason,
        })).collect::<Vec<_>>(),
        "usage": response.usage,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_a_line() {
        assert_eq!(parse_target("src/a.rs:12"), ("src/a.rs".into(), Some(12)));
        assert_eq!(parse_target("src/a.rs"), ("src/a.rs".into(), None));
        assert_eq!(parse_target("c:/x.py"), ("c:/x.py".into(), None));
    }
}
