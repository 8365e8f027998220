//! Tool calls the model issues together. Each call is first admitted
//! (validated, then passed through the policy gate); when every call of a
//! turn only reads, the admitted ones then run at the same time: their
//! `tool_started` events come first, in call order, then the tools run
//! concurrently, each call's output and `tool_finished` recorded as they
//! arrive; the model gets the results in call order. Reads change nothing,
//! so there is no checkpoint or write-ahead intent to keep in order, and a
//! resume simply reads the unfinished ones again.

use std::sync::Arc;

use chamber_policy::Decision;
use chamber_protocol::{EventKind, OutputStream, ToolCall, ToolResult, ToolStatus};
use chamber_tools::{OutputSink, Risk, ToolContext, ValidCall};
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::engine::Engine;
use crate::options::RunOptions;
use crate::recorder::Recorder;
use crate::{AgentError, Approver};

/// Whether `calls` run as one concurrent batch: several of them, all read-only.
pub(crate) fn is_read_batch(engine: &Engine, calls: &[ToolCall]) -> bool {
    calls.len() > 1
        && calls
            .iter()
            .all(|c| engine.registry.risk(&c.name) == Some(Risk::Read))
}

/// The `tool_finished` event of `call` in step `step_id`.
pub(crate) fn finished(step_id: &str, call: &ToolCall, result: ToolResult) -> EventKind {
    EventKind::ToolFinished {
        step_id: step_id.to_string(),
        call_id: call.id.clone(),
        name: call.name.clone(),
        result,
    }
}

/// The first stages of every call: the time budget, validation, the policy
/// gate (asking when it says so). A call that may not run gets its
/// recorded failure as `Err`, for the model to read.
pub(crate) async fn admit(
    engine: &Engine,
    rec: &mut Recorder,
    workspace: &std::path::Path,
    step_id: &str,
    call: &ToolCall,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<Result<ValidCall, ToolResult>, AgentError> {
    // A spent time budget stops the run before the next action, not mid-way.
    engine.check_time(rec).await?;
    let valid = match engine.registry.validate(call) {
        Ok(v) => v,
        Err(message) => {
            let result = ToolResult::failure(ToolStatus::Error, message);
            rec.emit(finished(step_id, call, result.clone())).await?;
            return Ok(Err(result));
        }
    };
    let verdict = crate::gatekeeper::decide(
        rec,
        workspace,
        &engine.config.git.branch_prefix,
        call,
        &valid,
        approver,
        opts,
    )
    .await?;
    if verdict.decision == Decision::Deny {
        let result = ToolResult::failure(
            ToolStatus::Denied,
            format!(
                "not allowed: {}. Do not retry it; find another way or finish.",
                verdict.reason
            ),
        );
        rec.emit(finished(step_id, call, result.clone())).await?;
        return Ok(Err(result));
    }
    Ok(Ok(valid))
}

/// Runs read-only `calls` of step `step_id` concurrently (see the module
/// docs) and returns their results in call order.
pub(crate) async fn run_reads(
    engine: &Engine,
    rec: &mut Recorder,
    workspace: &std::path::Path,
    step_id: &str,
    calls: &[ToolCall],
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<Vec<ToolResult>, AgentError> {
    let mut results: Vec<Option<ToolResult>> = Vec::with_capacity(calls.len());
    let mut admitted: Vec<(usize, ValidCall)> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        match admit(engine, rec, workspace, step_id, call, approver, opts).await? {
            Ok(valid) => {
                admitted.push((i, valid));
                results.push(None);
            }
            Err(refused) => results.push(Some(refused)),
        }
    }
    for (i, _) in &admitted {
        rec.emit(EventKind::ToolStarted {
            step_id: step_id.to_string(),
            call: calls[*i].clone(),
        })
        .await?;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, OutputStream, String)>();
    let mut running: FuturesUnordered<_> = admitted
        .iter()
        .map(|(i, valid)| {
            let tx = tx.clone();
            let call_id = calls[*i].id.clone();
            let sink: OutputSink = Arc::new(move |stream, chunk: &str| {
                let _ = tx.send((call_id.clone(), stream, chunk.to_string()));
            });
            let mut ctx = ToolContext::new(workspace.to_path_buf());
            ctx.output_cap = engine.config.agent.output_cap_bytes;
            ctx.output = Some(sink);
            ctx.env_allow = engine.config.sandbox.env_allow.clone();
            async move { (*i, engine.registry.execute(valid, &ctx).await) }
        })
        .collect();
    drop(tx);
    // Each call's `tool_finished` is recorded as it ends, after its output.
    while !running.is_empty() {
        tokio::select! {
            biased;
            Some((call_id, stream, chunk)) = rx.recv() => {
                rec.emit(EventKind::ToolOutput { call_id, stream, chunk }).await?;
            }
            Some((i, result)) = running.next() => {
                while let Ok((call_id, stream, chunk)) = rx.try_recv() {
                    rec.emit(EventKind::ToolOutput { call_id, stream, chunk }).await?;
                }
                rec.emit(finished(step_id, &calls[i], result.clone())).await?;
                results[i] = Some(result);
            }
            else => break,
        }
    }
    Ok(results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| ToolResult::failure(ToolStatus::Error, "the call did not run"))
        })
        .collect())
}
