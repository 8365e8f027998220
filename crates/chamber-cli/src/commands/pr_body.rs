//! What `chamber pr open` sends: the `owner/repo` a remote points at, and a
//! pull-request body made from the run's record and events (plan, summary,
//! commands and tests run, files changed, cost).

use std::collections::{BTreeSet, HashMap};

use chamber_protocol::{Event, EventKind};
use chamber_store::RunRecord;

/// `owner/repo` from a GitHub remote URL: `https://host/owner/repo(.git)`,
/// `ssh://git@host/owner/repo(.git)` or `git@host:owner/repo(.git)`.
pub fn repo_slug(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let path = if let Some((_, rest)) = url.split_once("://") {
        rest.split_once('/')?.1
    } else {
        // scp-like syntax: user@host:path
        let (host, path) = url.split_once(':')?;
        if host.contains('/') {
            return None;
        }
        path
    };
    let path = path.trim_start_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.rsplitn(3, '/');
    let repo = parts.next().filter(|s| !s.is_empty())?;
    let owner = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{owner}/{repo}"))
}

/// The pull-request body in Markdown.
pub fn pr_body(run: &RunRecord, events: &[Event]) -> String {
    let mut body = String::new();
    if let Some(plan) = &run.plan {
        body.push_str(&format!("## Plan\n\n**{}**\n\n", plan.title));
        for (i, s) in plan.steps.iter().enumerate() {
            body.push_str(&format!("{}. {}\n", i + 1, s.title));
        }
        body.push('\n');
    } else {
        body.push_str(&format!("## Task\n\n{}\n\n", run.prompt));
    }
    if let Some(summary) = run.summary.as_deref().filter(|s| !s.is_empty()) {
        body.push_str(&format!("## Summary\n\n{summary}\n\n"));
    }
    let steps: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StepCompleted { summary, .. } => {
                Some(summary.lines().next().unwrap_or_default().to_string())
            }
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect();
    if !steps.is_empty() {
        body.push_str("## What each step did\n\n");
        for s in steps {
            body.push_str(&format!("- {s}\n"));
        }
        body.push('\n');
    }
    let commands = commands_run(events);
    body.push_str("## Commands and tests run\n\n");
    if commands.is_empty() {
        body.push_str("None.\n\n");
    } else {
        for (cmd, code) in commands {
            let code = code.map_or("timeout".to_string(), |c| c.to_string());
            body.push_str(&format!("- `{cmd}` (exit {code})\n"));
        }
        body.push('\n');
    }
    let files: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Committed { files, .. } => Some(files.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    if !files.is_empty() {
        body.push_str("## Files changed\n\n");
        for f in files {
            body.push_str(&format!("- `{f}`\n"));
        }
        body.push('\n');
    }
    body.push_str(&format!(
        "## Cost\n\n${:.4} · {} tokens in / {} out · {} / {}\n\n",
        run.cost_usd, run.prompt_tokens, run.completion_tokens, run.provider, run.model
    ));
    body.push_str(&format!("<sub>Chamber run `{}`</sub>\n", run.id));
    body
}

/// Shell commands the run ran, with their exit codes (`None`: no code).
fn commands_run(events: &[Event]) -> Vec<(String, Option<i32>)> {
    let mut started = HashMap::new();
    let mut out = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::ToolStarted { call, .. } if call.name == "shell" => {
                let cmd = serde_json::from_str::<serde_json::Value>(&call.arguments)
                    .ok()
                    .and_then(|v| v["command"].as_str().map(String::from))
                    .unwrap_or_default();
                started.insert(call.id.clone(), cmd);
            }
            EventKind::ToolFinished {
                call_id, result, ..
            } => {
                if let Some(cmd) = started.remove(call_id) {
                    out.push((cmd, result.exit_code));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::repo_slug;

    #[test]
    fn slugs_from_remote_urls() {
        for url in [
            "https://github.com/acme/widget.git",
            "https://github.com/acme/widget",
            "git@github.com:acme/widget.git",
            "ssh://git@github.example.com:22/acme/widget.git",
            "https://ghe.example.com/acme/widget/",
        ] {
            assert_eq!(repo_slug(url).as_deref(), Some("acme/widget"), "{url}");
        }
        assert_eq!(repo_slug("/tmp/remote.git"), None);
        assert_eq!(repo_slug("widget"), None);
    }
}
