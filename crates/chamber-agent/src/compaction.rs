//! Context compaction. When a step's history outgrows its share of the
//! model's window (`[agent] compact_at`), the model summarises the step so
//! far in one call and the history is rebuilt as: the pinned head (system
//! prompt, step request with the task, instruction files and constraints)
//! verbatim, the summary, the latest failure verbatim, and the recent turns.
//! Nothing in the head is ever summarised: losing instructions there is the
//! failure users of coding agents complain about most.
//!
//! The summary is asked for at the end of the conversation as it stands, so
//! a server's prompt cache serves all but that last question; afterwards the
//! head is still the same prefix, and only the summary and recent turns are
//! new to the server.

use chamber_llm::{ChatRequest, Message, Role, ToolDef};
use chamber_protocol::EventKind;

use crate::AgentError;
use crate::engine::Engine;
use crate::model_call::Purpose;
use crate::providers::RouteRole;
use crate::recorder::Recorder;

/// Characters per token assumed when estimating (as `history_fit`).
const CHARS_PER_TOKEN: usize = 3;

/// How the summary message starts.
pub(crate) const SUMMARY_HEAD: &str = "# Earlier in this step (summarised)";

/// How the kept failure starts.
const FAILURE_HEAD: &str = "# Latest failure (verbatim)";

/// The question that ends the summary request.
const SUMMARY_ASK: &str = "The conversation above is about to be shortened. Summarise \
the work on the CURRENT STEP so far in at most 12 short lines: files looked at and \
changed, what was learned, what failed and why, what is left to do. Facts only. \
Reply with the summary; call no tool.";

/// Cap on the summary's length.
const SUMMARY_MAX_TOKENS: u32 = 400;

/// Fewest old turns worth a model call; fewer are left to trimming.
const MIN_TURNS: u32 = 2;

/// Estimated prompt tokens of `messages` plus the tool schemas offered.
pub(crate) fn estimate_tokens(messages: &[Message], tools: &[ToolDef]) -> usize {
    let messages: usize = messages
        .iter()
        .map(|m| {
            m.content.len()
                + 16
                + m.tool_calls
                    .iter()
                    .map(|c| c.name.len() + c.arguments.len() + 16)
                    .sum::<usize>()
        })
        .sum();
    let tools: usize = tools
        .iter()
        .map(|t| t.name.len() + t.description.len() + t.parameters.to_string().len() + 16)
        .sum();
    (messages + tools).div_ceil(CHARS_PER_TOKEN)
}

/// Length of the pinned head: everything up to and including the first
/// user message (the step request).
fn pinned_len(messages: &[Message]) -> usize {
    messages
        .iter()
        .position(|m| m.role == Role::User)
        .map_or(messages.len(), |i| i + 1)
}

/// The messages a compaction replaces: `start..end`, holding `turns` model
/// turns (and any earlier summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    /// First message replaced (just after the head).
    pub start: usize,
    /// First message kept.
    pub end: usize,
    /// Model turns replaced.
    pub turns: u32,
}

/// Plans a compaction: from the end of the head up to the recent turns
/// kept, which fill at most `keep_tokens` (the latest turn is always kept).
/// Cuts fall just before an assistant message, so every tool result stays
/// with the call it answers. `None` when fewer than [`MIN_TURNS`] turns
/// would be summarised.
pub(crate) fn plan_cut(messages: &[Message], keep_tokens: usize) -> Option<Cut> {
    let start = pinned_len(messages);
    let turn_starts: Vec<usize> = (start..messages.len())
        .filter(|&i| messages[i].role == Role::Assistant)
        .collect();
    let mut end = *turn_starts.last()?;
    for &i in turn_starts.iter().rev().skip(1) {
        if estimate_tokens(&messages[i..], &[]) > keep_tokens {
            break;
        }
        end = i;
    }
    let turns = turn_starts.iter().filter(|&&i| i < end).count() as u32;
    (turns >= MIN_TURNS).then_some(Cut { start, end, turns })
}

/// The history after a compaction: head, one message with the summary and
/// (unless a kept message already shows it) the latest failure, then the
/// recent turns.
pub(crate) fn rebuild(
    messages: &[Message],
    cut: &Cut,
    summary: &str,
    latest_failure: Option<(&str, &str)>,
) -> Vec<Message> {
    let mut block = format!("{SUMMARY_HEAD}\n{}\n", summary.trim());
    if let Some((call, result)) = latest_failure
        && !messages[cut.end..]
            .iter()
            .any(|m| m.role == Role::Tool && m.content == result)
    {
        block.push_str(&format!(
            "\n{FAILURE_HEAD}\n{call}\n{}\n",
            result.trim_end()
        ));
    }
    let mut out: Vec<Message> = messages[..cut.start].to_vec();
    out.push(Message::user(block));
    out.extend_from_slice(&messages[cut.end..]);
    out
}

/// What one step's compaction needs to know.
pub(crate) struct Compaction<'a> {
    /// The step, for events.
    pub step_id: &'a str,
    /// Every tool the step offers (the same list each turn, so the summary
    /// request shares the turns' prompt).
    pub tools: &'a [ToolDef],
    /// The model's context window in tokens.
    pub window: usize,
    /// The model route in use.
    pub role: RouteRole,
    /// The latest failed call (name and arguments) and its result, as the
    /// model read it.
    pub latest_failure: Option<(&'a str, &'a str)>,
}

/// Compacts `messages` when they pass `[agent] compact_at` of the window.
/// Returns whether it did. A failed or unusable summary leaves the history
/// as it was (trimming then takes over); budget and store errors stop.
pub(crate) async fn compact_if_needed(
    engine: &Engine,
    rec: &mut Recorder,
    messages: &mut Vec<Message>,
    job: Compaction<'_>,
) -> Result<bool, AgentError> {
    let share = engine.config.agent.compact_at;
    if share <= 0.0 {
        return Ok(false);
    }
    let threshold = (job.window as f64 * share) as usize;
    let before = estimate_tokens(messages, job.tools);
    if before <= threshold {
        return Ok(false);
    }
    let head = estimate_tokens(&messages[..pinned_len(messages)], job.tools);
    // Half of what is left beside the head and the summary stays verbatim,
    // the other half is room to grow before the next compaction.
    let keep = threshold.saturating_sub(head + SUMMARY_MAX_TOKENS as usize) / 2;
    let Some(cut) = plan_cut(messages, keep) else {
        return Ok(false);
    };
    let mut asked = messages.clone();
    asked.push(Message::user(SUMMARY_ASK));
    let mut request = ChatRequest::new(engine.choice.model.clone(), asked);
    request.tools = job.tools.to_vec();
    request.max_tokens = Some(SUMMARY_MAX_TOKENS);
    let answer = match engine
        .model_request(
            rec,
            &request,
            Some(job.step_id),
            job.role,
            Purpose::Compaction,
        )
        .await
    {
        Ok(answer) => answer,
        Err(AgentError::Llm(e)) => {
            tracing::warn!("context compaction failed, trimming instead: {e}");
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    if !answer.tool_calls.is_empty() || answer.content.trim().is_empty() {
        tracing::warn!("context compaction got no summary, trimming instead");
        return Ok(false);
    }
    *messages = rebuild(messages, &cut, &answer.content, job.latest_failure);
    let after = estimate_tokens(messages, job.tools);
    rec.emit(EventKind::ContextCompacted {
        step_id: job.step_id.to_string(),
        tokens_before: before as u64,
        tokens_after: after as u64,
        turns_summarised: cut.turns,
    })
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_protocol::ToolCall;

    fn call(id: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: "read_file".into(),
            arguments: "{}".into(),
        }
    }

    fn history(turns: usize, result: usize) -> Vec<Message> {
        let mut m = vec![
            Message::system("sys"),
            Message::user("step: always name files in snake_case"),
        ];
        for t in 0..turns {
            let id = format!("c{t}");
            m.push(Message::assistant("", vec![call(&id)]));
            m.push(Message::tool(id, "r".repeat(result)));
        }
        m
    }

    #[test]
    fn the_cut_keeps_the_head_and_whole_recent_turns() {
        let m = history(6, 600);
        // About 210 tokens a turn: two recent turns fit in 450.
        let cut = plan_cut(&m, 450).unwrap();
        assert_eq!(cut.start, 2, "the head is never summarised");
        assert_eq!(cut.turns, 4);
        assert_eq!(
            m[cut.end].role,
            Role::Assistant,
            "a turn starts the kept part"
        );
        let rebuilt = rebuild(
            &m,
            &cut,
            "Read six files.",
            Some(("write_file {}", "error: denied")),
        );
        assert_eq!(rebuilt[..2], m[..2]);
        assert!(rebuilt[2].content.starts_with(SUMMARY_HEAD));
        assert!(rebuilt[2].content.contains("Read six files."));
        assert!(rebuilt[2].content.contains("write_file {}\nerror: denied"));
        assert_eq!(rebuilt[3..], m[cut.end..]);
        // Every kept tool result still follows the call it answers.
        for (i, msg) in rebuilt.iter().enumerate() {
            if msg.role == Role::Tool {
                let id = msg.tool_call_id.clone().unwrap();
                assert!(
                    rebuilt[..i]
                        .iter()
                        .any(|p| p.tool_calls.iter().any(|c| c.id == id))
                );
            }
        }
    }

    #[test]
    fn too_few_turns_are_left_to_trimming() {
        assert_eq!(plan_cut(&history(2, 600), 10), None);
        assert_eq!(plan_cut(&history(0, 0), 10), None);
        // The latest turn is kept even when it alone is over the share.
        let cut = plan_cut(&history(3, 6000), 10).unwrap();
        assert_eq!(cut.turns, 2);
    }

    #[test]
    fn an_earlier_summary_is_summarised_again_and_a_shown_failure_not_repeated() {
        let mut m = history(0, 0);
        m.push(Message::user(format!("{SUMMARY_HEAD}\nfirst")));
        m.extend(history(4, 600).into_iter().skip(2));
        let cut = plan_cut(&m, 300).unwrap();
        assert_eq!(cut.start, 2, "the old summary is replaced");
        let kept_failure = "r".repeat(600);
        let rebuilt = rebuild(&m, &cut, "second", Some(("read_file {}", &kept_failure)));
        assert!(!rebuilt[2].content.contains(FAILURE_HEAD));
        assert_eq!(
            rebuilt
                .iter()
                .filter(|x| x.content.starts_with(SUMMARY_HEAD))
                .count(),
            1
        );
    }

    #[test]
    fn the_estimate_counts_tools_and_calls() {
        let m = vec![Message::assistant("", vec![call("c")])];
        let tool = ToolDef {
            name: "t".into(),
            description: "d".repeat(300),
            parameters: serde_json::json!({}),
        };
        assert!(estimate_tokens(&m, &[]) > 10);
        assert!(estimate_tokens(&m, std::slice::from_ref(&tool)) > 100);
    }
}
