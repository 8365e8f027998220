use std::sync::Arc;
use std::time::Duration;

use chamber_llm::{Message, ToolCallMode, ToolDef};
use chamber_protocol::{EventKind, OutputStream, ToolCall, ToolResult, ToolStatus};
use chamber_tools::{OutputSink, Risk, ToolContext};

use crate::checkpoint::StepChanges;
use crate::compaction::{self, Compaction};
use crate::engine::Engine;
use crate::options::RunOptions;
use crate::providers::RouteRole;
use crate::recorder::Recorder;
use crate::step_needs::StepNeeds;
use crate::turn_request::{Progress, SmallTurn, turn_request};
use crate::{AgentError, Approver, prompts};

/// How a step ended.
pub enum StepOutcome {
    /// Finished, with the model's summary.
    Done(String),
    /// Gave up, with the reason.
    Failed(String),
}

/// Everything one step's tool loop needs.
pub struct StepJob<'a> {
    /// Step id, for events.
    pub step_id: &'a str,
    /// The conversation so far (system + step request + anything replayed).
    pub messages: Vec<Message>,
    /// Calls from the last replayed answer that never finished.
    pub pending: Vec<crate::replay::PendingCall>,
    /// Model turns already spent on this step (when resuming).
    pub turns_used: u32,
    /// Which tool calls the step requires (enforced for the local model).
    pub needs: StepNeeds,
    /// The step's checkpoint and patch bookkeeping.
    pub changes: StepChanges,
}

/// Cap on one acting turn of the local model (about 6 KB of code).
const LOCAL_TURN_MAX_TOKENS: u32 = 1536;

/// The window assumed for trimming a step's history when the model table
/// gives none (the smallest of today's common remote models).
const UNKNOWN_WINDOW_TOKENS: usize = 128_000;

/// Consecutive turns whose every call failed before the step is given up.
const FAILURE_STREAK_LIMIT: u32 = 3;

/// Runs one step: ask the model, run the tools it calls, feed results back,
/// until it answers without calls or the turn budget is spent.
pub async fn run_step(
    engine: &Engine,
    rec: &mut Recorder,
    workspace: &std::path::Path,
    job: StepJob<'_>,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<StepOutcome, AgentError> {
    let StepJob {
        step_id,
        mut messages,
        pending,
        mut turns_used,
        needs,
        mut changes,
    } = job;
    // Tools from MCP servers: the first step waits briefly for servers still
    // starting (a hanging one never holds the run up for long); their state
    // changes become events.
    for change in engine.registry.settle_sources().await {
        rec.emit(EventKind::McpServer {
            server: change.server,
            state: change.state,
            detail: change.detail,
            tools: change.tools,
        })
        .await?;
    }
    // Small local models tend to "answer" a step instead of doing it; for
    // them the harness requires a tool call until something was done (and,
    // for edit steps, until a file was written).
    let carry = engine.choice.local;
    let risk_of = |name: &str| engine.registry.risk(name);
    let mut done = Progress::default();
    let mut previous_turn: Vec<(String, Option<serde_json::Value>)> = Vec::new();
    let tools: Vec<ToolDef> = engine
        .registry
        .specs()
        .into_iter()
        // Small models delete files they were asked to change; they keep
        // `shell` for the rare real deletion, under the command policy.
        .filter(|s| !(carry && matches!(s.name.as_str(), "delete_file" | "multi_edit")))
        .map(|s| ToolDef {
            name: s.name,
            description: s.description,
            parameters: if carry {
                essential_arguments(s.parameters)
            } else {
                s.parameters
            },
        })
        .collect();
    let budget = opts
        .max_turns_per_step
        .unwrap_or(engine.config.agent.max_turns_per_step);
    let mut failure_streak = 0;
    let mut last_failure = String::new();
    // The latest failed result as the model read it; compaction keeps it.
    let mut latest_failure: Option<(String, String)> = None;
    // Turns whose every call failed; enough of them move the step to the
    // strategic model (once).
    let mut failed_turns = 0;
    let mut role = RouteRole::Tactical;

    if let Some(Message {
        role: chamber_llm::Role::Assistant,
        content,
        tool_calls,
        ..
    }) = messages.last()
        && tool_calls.is_empty()
        && !content.trim().is_empty()
    {
        // Resumed after the model had already finished this step.
        return Ok(StepOutcome::Done(content.clone()));
    }
    for waiting in pending {
        let call = &waiting.call;
        let result = crate::recovery::settle_pending(
            engine,
            rec,
            workspace,
            &mut changes,
            &waiting,
            approver,
            opts,
        )
        .await?;
        done.record(risk_of(&call.name), result.status == ToolStatus::Ok);
        messages.push(Message::tool(call.id.clone(), result.to_model_text()));
    }

    while turns_used < budget {
        turns_used += 1;
        // A history that outgrows its share of the model's window is
        // compacted (old turns summarised, instructions kept); old tool
        // results are cut only as the last resort, so a long step's history
        // (and memory) stays bounded.
        let window = if engine.choice.local {
            Some(engine.config.local.context as usize)
        } else {
            engine
                .routes
                .models
                .lookup(&engine.choice.model)
                .and_then(|m| m.context_window)
                .and_then(|w| usize::try_from(w).ok())
        };
        if let Some(window) = window {
            let job = Compaction {
                step_id,
                tools: &tools,
                window,
                role,
                latest_failure: latest_failure
                    .as_ref()
                    .map(|(c, r)| (c.as_str(), r.as_str())),
            };
            compaction::compact_if_needed(engine, rec, &mut messages, job).await?;
        }
        // A model whose window the table does not know still gets a bound:
        // without one a long step kept every tool result, and each turn
        // copied the whole history several times (hundreds of MB).
        crate::history_fit::fit_history(&mut messages, window.unwrap_or(UNKNOWN_WINDOW_TOKENS));
        let small = carry.then(|| SmallTurn {
            // A call, or a small file, fits; a rambling answer is cut short.
            max_tokens: (engine.config.local.context / 2).min(LOCAL_TURN_MAX_TOKENS),
            require_tool: done.missing(needs).is_some(),
            // Once it has looked around, a small model may call only the
            // tools that do what the step still lacks.
            only: done.lacking(needs).filter(|_| done.calls > 0).map(|risk| {
                tools
                    .iter()
                    .filter(|t| risk_of(&t.name) == Some(risk))
                    .map(|t| t.name.clone())
                    .collect()
            }),
        });
        let native = engine.choice.tool_mode == ToolCallMode::Native;
        let request = turn_request(&engine.choice.model, &messages, &tools, small, native);
        let response = engine
            .model_turn(rec, &request, Some(step_id), role)
            .await?;
        messages.push(Message::assistant(
            response.content.clone(),
            response.tool_calls.clone(),
        ));
        if response.tool_calls.is_empty() {
            if response.content.trim().is_empty() {
                messages.push(Message::user(prompts::EMPTY_ANSWER));
                continue;
            }
            if carry && let Some(nudge) = done.missing(needs) {
                messages.push(Message::user(nudge));
                continue;
            }
            return Ok(StepOutcome::Done(response.content));
        }
        let mut all_failed = true;
        let this_turn: Vec<(String, Option<serde_json::Value>)> =
            response.tool_calls.iter().map(call_key).collect();
        // Reads issued together run at once (not for the local model, whose
        // repeated calls are refused one by one).
        let mut batched =
            if !carry && crate::tool_batch::is_read_batch(engine, &response.tool_calls) {
                let calls = &response.tool_calls;
                crate::tool_batch::run_reads(engine, rec, workspace, step_id, calls, approver, opts)
                    .await?
            } else {
                Vec::new()
            }
            .into_iter();
        for call in &response.tool_calls {
            let guard = if carry {
                crate::write_guard::destructive_write(workspace, call)
            } else {
                None
            };
            let result = if let Some(result) = batched.next() {
                result
            } else if let Some(problem) = guard {
                let result = ToolResult::failure(ToolStatus::Error, problem);
                rec.emit(EventKind::ToolFinished {
                    step_id: step_id.to_string(),
                    call_id: call.id.clone(),
                    name: call.name.clone(),
                    result: result.clone(),
                })
                .await?;
                result
            } else if carry && previous_turn.contains(&call_key(call)) {
                // A small model stuck in a loop: the same call again, with
                // nothing done in between, would only return the same result.
                let result = ToolResult::failure(ToolStatus::Error, prompts::REPEATED_CALL);
                rec.emit(EventKind::ToolFinished {
                    step_id: step_id.to_string(),
                    call_id: call.id.clone(),
                    name: call.name.clone(),
                    result: result.clone(),
                })
                .await?;
                result
            } else {
                execute_call(engine, rec, workspace, &mut changes, call, approver, opts).await?
            };
            done.record(risk_of(&call.name), result.status == ToolStatus::Ok);
            if result.status == ToolStatus::Ok {
                all_failed = false;
            } else {
                last_failure = format!(
                    "{} failed: {}",
                    call.name,
                    result.error.clone().unwrap_or_else(|| "no details".into())
                );
                latest_failure = Some((
                    format!("{} {}", call.name, call.arguments),
                    result.to_model_text(),
                ));
            }
            messages.push(Message::tool(call.id.clone(), result.to_model_text()));
        }
        previous_turn = this_turn;
        failure_streak = if all_failed { failure_streak + 1 } else { 0 };
        failed_turns += u32::from(all_failed);
        if role == RouteRole::Tactical
            && engine.routes.can_escalate()
            && failed_turns >= engine.routes.escalate_after
        {
            role = RouteRole::Strategic;
            rec.emit(EventKind::Escalated {
                step_id: step_id.to_string(),
                from: engine.routes.tactical[0].label(),
                to: engine.routes.strategic[0].label(),
                failures: failed_turns,
            })
            .await?;
            // The stronger model gets a fair run of its own.
            failure_streak = 0;
        }
        if failure_streak >= FAILURE_STREAK_LIMIT {
            return Ok(StepOutcome::Failed(format!(
                "{FAILURE_STREAK_LIMIT} turns in a row had only failing tool calls; last: {last_failure}"
            )));
        }
    }
    Ok(StepOutcome::Failed(format!(
        "the step used all {budget} model turns without finishing{}",
        if last_failure.is_empty() {
            String::new()
        } else {
            format!("; last failure: {last_failure}")
        }
    )))
}

/// A call's identity for loop detection: its name and parsed arguments.
fn call_key(call: &ToolCall) -> (String, Option<serde_json::Value>) {
    (
        call.name.clone(),
        serde_json::from_str(&call.arguments).ok(),
    )
}

/// A tool schema reduced to its required arguments, without per-argument
/// descriptions. Small models fill in every optional field they are shown (a
/// `start_line` of 101 in a 2-line file), so the local model only sees what a
/// call needs; the tools' own defaults apply to the rest.
fn essential_arguments(mut schema: serde_json::Value) -> serde_json::Value {
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.retain(|name, _| required.contains(name));
        // Small models copy a property's description in as its value
        // ("The complete new content of the file."); the tool's own
        // description says what the arguments are for.
        for prop in props.values_mut() {
            if let Some(p) = prop.as_object_mut() {
                p.remove("description");
            }
        }
    }
    schema
}

/// The pipeline every tool call goes through: validate → policy → (ask) →
/// execute with live output → record. Never fails on a bad call: the error
/// becomes the result the model reads.
pub async fn execute_call(
    engine: &Engine,
    rec: &mut Recorder,
    workspace: &std::path::Path,
    step: &mut StepChanges,
    call: &ToolCall,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<ToolResult, AgentError> {
    let step_name = step.step_id().to_string();
    let step_id = step_name.as_str();
    let finish = |result: ToolResult| crate::tool_batch::finished(step_id, call, result);
    let valid =
        match crate::tool_batch::admit(engine, rec, workspace, step_id, call, approver, opts)
            .await?
        {
            Ok(valid) => valid,
            Err(refused) => return Ok(refused),
        };

    if valid.risk != Risk::Read {
        step.ensure_checkpoint(rec).await?;
    }
    rec.emit(EventKind::ToolStarted {
        step_id: step_id.to_string(),
        call: call.clone(),
    })
    .await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(OutputStream, String)>();
    let sink: OutputSink = Arc::new(move |stream, chunk: &str| {
        let _ = tx.send((stream, chunk.to_string()));
    });
    let mut ctx = ToolContext::new(workspace.to_path_buf());
    ctx.shell_timeout = Duration::from_secs(engine.config.agent.shell_timeout_secs.max(1));
    ctx.output_cap = engine.config.agent.output_cap_bytes;
    ctx.output = Some(sink);
    ctx.journal = step.journal();
    let (intent_tx, mut intents) = tokio::sync::mpsc::unbounded_channel();
    if step.records() {
        ctx.intents = Some(intent_tx);
    }
    ctx.syntax_check = engine.config.agent.syntax_check;
    ctx.env_allow = engine.config.sandbox.env_allow.clone();
    if valid.command().is_some() {
        ctx.sandbox = crate::gatekeeper::shell_sandbox(&engine.config.sandbox, workspace);
    }
    let result = {
        let running = engine.registry.execute(&valid, &ctx);
        tokio::pin!(running);
        loop {
            tokio::select! {
                biased;
                Some((stream, chunk)) = rx.recv() => {
                    rec.emit(EventKind::ToolOutput { call_id: call.id.clone(), stream, chunk }).await?;
                }
                // A write waits until its intent is recorded (write-ahead).
                Some((intent, ack)) = intents.recv() => {
                    let recorded = step.record_intent(rec, call, intent).await?;
                    let _ = ack.send(recorded);
                }
                result = &mut running => break result,
            }
        }
    };
    while let Ok((stream, chunk)) = rx.try_recv() {
        rec.emit(EventKind::ToolOutput {
            call_id: call.id.clone(),
            stream,
            chunk,
        })
        .await?;
    }
    rec.emit(finish(result.clone())).await?;
    step.after_call(rec, call, ctx.journal.take()).await?;
    if result.error.as_deref().is_some_and(disk_is_full) {
        // Not the model's mistake: the run stops, and resumes once there is room.
        return Err(AgentError::io(
            format!(
                "run {} stopped: {} could not write because the disk is full",
                rec.run_id(),
                call.name
            ),
            std::io::Error::from_raw_os_error(nix::libc::ENOSPC),
        ));
    }
    Ok(result)
}

/// Whether a tool's error says the disk is full (ENOSPC or EDQUOT, as
/// `std::io::Error` prints them).
fn disk_is_full(error: &str) -> bool {
    [nix::libc::ENOSPC, nix::libc::EDQUOT]
        .iter()
        .any(|code| error.contains(&format!("(os error {code})")))
}

#[cfg(test)]
mod tests {
    use super::essential_arguments;
    use serde_json::json;

    #[test]
    fn small_model_schemas_keep_only_required_arguments() {
        let schema = json!({"type": "object", "properties": {
            "path": {"type": "string", "description": "File to read."},
            "start_line": {"type": "integer"}},
            "required": ["path"], "additionalProperties": false});
        let reduced = essential_arguments(schema);
        assert!(reduced["properties"].get("path").is_some());
        assert!(reduced["properties"].get("start_line").is_none());
        assert!(reduced["properties"]["path"].get("description").is_none());
        assert_eq!(reduced["additionalProperties"], false);
    }
}
