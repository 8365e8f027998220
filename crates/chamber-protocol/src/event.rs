use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Checkpoint, PendingMerge, Plan, Task, ToolCall, ToolResult};

/// One entry of a run's append-only log. Trace, resume, dashboards and audit
/// are all derived from these, so every field needed to replay a run is here.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Event {
    /// The run this event belongs to.
    pub run_id: String,
    /// Position within the run, starting at 1, without gaps.
    pub seq: u64,
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// One piece of a run's context, as recorded in the trace.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ContextPiece {
    /// `instructions`, `repo_map`, `file`, `file_summary`, `test` or
    /// `history`.
    pub kind: String,
    /// The file it shows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Estimated tokens.
    pub tokens: usize,
    /// Why it was chosen.
    pub reason: String,
}

/// What happened, tagged by `type`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The run was accepted and stored.
    RunStarted {
        /// The task being run.
        task: Task,
        /// Provider name in use.
        provider: String,
        /// Model in use.
        model: String,
        /// Branch the run commits to, in a git repository.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        branch: Option<String>,
        /// Directory the tools act on (a throwaway copy for dry runs).
        workspace: String,
    },
    /// The sandbox cannot be set up: commands run unconfined, run only once
    /// a person approves, or are refused. Recorded at the start of a run
    /// (and of each resume or apply), so unconfined is never silent.
    SandboxUnavailable {
        /// What is missing and what it means, in words.
        reason: String,
        /// `unconfined` (`sandbox.mode = "auto"`), `ask`
        /// (`on_unavailable = "ask"`) or `refuse`.
        commands: String,
    },
    /// An MCP server configured for the run changed state: starting,
    /// ready (with its tool count), failed (with the reason) or stopped.
    McpServer {
        /// The server's name from `[mcp.servers.NAME]`.
        server: String,
        /// `starting`, `ready`, `failed` or `stopped`.
        state: String,
        /// The failure, or what is starting.
        detail: String,
        /// Tools it offers once ready.
        tools: usize,
    },
    /// Context was gathered for the model.
    ContextBuilt {
        /// Instruction files included.
        instruction_files: Vec<String>,
        /// Characters of context sent.
        chars: usize,
        /// Each piece of context and why it was chosen (empty when the
        /// codebase index was not used).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pieces: Vec<ContextPiece>,
        /// Why the index-based context was not used, when it was not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fallback: Option<String>,
    },
    /// The model proposed a plan.
    PlanProposed {
        /// The plan.
        plan: Plan,
    },
    /// A person is about to be asked (the plan, or one action); sent
    /// before any approver sees it, so every channel can show the request.
    ApprovalRequested {
        /// `plan` or `action`.
        subject: String,
        /// What would happen (the plan's title, `shell: cargo test`).
        what: String,
        /// Why it needs a person.
        reason: String,
        /// `low`, `medium` or `high`.
        tier: String,
        /// How many different people must say yes.
        approvers: u8,
    },
    /// The plan was approved (possibly after editing).
    PlanApproved {
        /// The plan as approved.
        plan: Plan,
        /// Who approved it: a user name, or `policy` for `--yes`.
        by: String,
    },
    /// The plan was rejected; the run ends.
    PlanRejected {
        /// Why.
        reason: String,
    },
    /// The plan was saved for later approval (`chamber apply`).
    PlanSaved {
        /// Identifier to pass to `chamber apply`.
        plan_id: String,
    },
    /// Work on a step began.
    StepStarted {
        /// Step id.
        step_id: String,
        /// Step title.
        title: String,
    },
    /// Which way a step is carried out: by rule (fixed tool calls, no
    /// model turn), by the model's tool loop, or in direct mode.
    StepRouted {
        /// Step id.
        step_id: String,
        /// The path taken.
        path: crate::StepPath,
        /// The rule that mapped the step, on the rule path.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
    },
    /// The working tree was saved before the step's first tool call.
    CheckpointCreated {
        /// The step about to change things.
        step_id: String,
        /// What was saved, and where.
        checkpoint: Checkpoint,
    },
    /// A tool is about to write (or delete) one file: recorded before the
    /// write, so a resumed run can tell whether the write happened. The
    /// post-image's bytes are in the patch blob store under its hash.
    EditIntended {
        /// Step the call belongs to.
        step_id: String,
        /// The call.
        call_id: String,
        /// Path relative to the workspace.
        path: String,
        /// sha256 of the content before the write; absent when the file did not exist.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before_sha256: Option<String>,
        /// sha256 of the content the write produces; absent for a deletion.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after_sha256: Option<String>,
    },
    /// A step that is retried from scratch (after a re-plan, or on resuming a
    /// failed run) was first put back to its checkpoint, so its partial
    /// effects are never applied twice.
    StepRestored {
        /// The step whose effects were rolled back.
        step_id: String,
        /// The checkpoint restored.
        checkpoint_id: String,
        /// Paths restored or removed.
        files: Vec<String>,
        /// Why (`replan` or `resume`).
        reason: String,
    },
    /// Plan steps that depend on none of each other start together, each in
    /// its own git worktree (`[agent] parallel_steps`); their results are
    /// merged back one by one (`step_merged`).
    StepsParallel {
        /// The steps, in plan order.
        step_ids: Vec<String>,
    },
    /// A step that ran in its own worktree was brought back into the run's
    /// tree by a 3-way merge, or was not (a conflict, or it failed there)
    /// and runs again on top of the merged result.
    StepMerged {
        /// The step.
        step_id: String,
        /// Whether its changes were merged.
        merged: bool,
        /// The files it changed (merged or not).
        files: Vec<String>,
        /// What happened, for people: the conflicting file or the failure.
        detail: String,
        /// A merge is recorded before its files are written: the trees it
        /// merges (the wave's base and the step's result, git objects) and
        /// the step's summary let a resumed run finish it exactly once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        merge: Option<PendingMerge>,
    },
    /// A tool call's file changes were saved as a patch in `.chamber/patches/`.
    PatchRecorded {
        /// Step the call belongs to.
        step_id: String,
        /// The call.
        call_id: String,
        /// Patch id (`<id>.diff` and `<id>.json`).
        patch_id: String,
        /// Paths it changed, relative to the project.
        files: Vec<String>,
    },
    /// `chamber undo` put the working tree back to a checkpoint of this run.
    Undone {
        /// The checkpoint restored.
        checkpoint_id: String,
        /// How many of the run's last steps were undone.
        steps: u32,
        /// Paths restored or removed.
        files: Vec<String>,
        /// The patch recording the undo itself (`chamber patch rollback` redoes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patch_id: Option<String>,
    },
    /// The fix loop ran the tests (`chamber fix`, `chamber run --verify`).
    TestsChecked {
        /// Fix round the run belongs to; 0 is the check before any round.
        round: u32,
        /// `failing` (only the tests that failed before) or `all`.
        scope: String,
        /// The command that ran.
        command: String,
        /// Failing tests counted.
        failures: u32,
        /// Whether the run was green.
        passed: bool,
    },
    /// Direct mode found what to change: the harness, not the model, chose
    /// the files (named in the task, in failing frames, under test).
    FocusFound {
        /// Step the attempt belongs to.
        step_id: String,
        /// Files to write, each with why it was chosen.
        targets: Vec<crate::FocusedFile>,
        /// Test files shown to the model.
        tests: Vec<String>,
        /// Documents the task names, shown verbatim.
        documents: Vec<String>,
    },
    /// One best-of-N attempt was scored by the tests.
    CandidateScored {
        /// Step the attempt belongs to.
        step_id: String,
        /// 1-based attempt number.
        candidate: u32,
        /// What made it differ (temperature, model).
        label: String,
        /// Whether its tests passed.
        passed: bool,
        /// Failing tests left, when there are tests.
        failures: Option<u32>,
        /// Lines changed.
        diff_lines: u64,
        /// Rounds it used.
        rounds: u32,
    },
    /// The attempt applied to the project, and why.
    CandidateChosen {
        /// Step the attempt belongs to.
        step_id: String,
        /// 1-based attempt number.
        candidate: u32,
        /// The rule that picked it.
        reason: String,
    },
    /// A fix round left more failing tests than before it, so the working
    /// tree was put back to the round's checkpoint.
    RoundReverted {
        /// The fix round (1-based).
        round: u32,
        /// Failing tests before the round.
        failures_before: u32,
        /// Failing tests after it, before the revert.
        failures_after: u32,
        /// Paths restored or removed.
        files: Vec<String>,
    },
    /// The model answered one request.
    ModelTurn {
        /// Step being worked on; absent while planning.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_id: Option<String>,
        /// Text the model wrote.
        #[serde(default)]
        content: String,
        /// Tool calls the model asked for.
        #[serde(default)]
        tool_calls: Vec<ToolCall>,
        /// Tokens used.
        usage: Usage,
        /// Latency of the request.
        duration_ms: u64,
        /// Provider that answered (after any fallback).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        provider: String,
        /// Model that answered.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        model: String,
        /// Cost in USD, when the model's prices are known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost_usd: Option<f64>,
    },
    /// A request moved to the next provider/model of the fallback chain.
    ModelFallback {
        /// Step being worked on; absent while planning.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_id: Option<String>,
        /// The pair that failed, as `provider:model`.
        from: String,
        /// The pair tried next.
        to: String,
        /// The failure's class code.
        error_class: String,
        /// The failure.
        error: String,
    },
    /// A step moved to the strategic model after repeated failures.
    Escalated {
        /// The step.
        step_id: String,
        /// The model it leaves, as `provider:model`.
        from: String,
        /// The strategic model it moves to.
        to: String,
        /// Failed attempts that caused it.
        failures: u32,
    },
    /// A step's history outgrew its budget, so the model summarised its old
    /// turns; the system prompt, the step request (task, instructions,
    /// constraints) and the latest failure were kept verbatim.
    ContextCompacted {
        /// The step.
        step_id: String,
        /// Estimated prompt tokens before compaction.
        tokens_before: u64,
        /// Estimated prompt tokens after it.
        tokens_after: u64,
        /// Model turns replaced by the summary.
        turns_summarised: u32,
    },
    /// A budget passed its warning line.
    BudgetWarning {
        /// `cost`, `time` or `tokens`.
        resource: String,
        /// Used so far (USD, seconds or tokens).
        used: f64,
        /// The limit.
        limit: f64,
    },
    /// A budget cannot be measured, so it will not stop the run: a cost
    /// limit on a model whose price is unknown.
    BudgetUnmeasured {
        /// `cost`.
        resource: String,
        /// The model without a known price.
        model: String,
        /// The limit that cannot be enforced.
        limit: f64,
    },
    /// A budget ran out; the run stops cleanly.
    BudgetExceeded {
        /// `cost`, `time` or `tokens`.
        resource: String,
        /// Used so far (USD, seconds or tokens).
        used: f64,
        /// The limit.
        limit: f64,
    },
    /// A model request failed.
    ModelError {
        /// Step being worked on; absent while planning.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_id: Option<String>,
        /// Attempt number, from 1.
        attempt: u32,
        /// The error.
        error: String,
        /// Whether it will be retried.
        retrying: bool,
    },
    /// The policy decided on a tool call.
    PolicyDecision {
        /// The call decided on.
        call_id: String,
        /// `allow`, `ask` or `deny`.
        decision: String,
        /// The rule or mode behind the decision.
        reason: String,
        /// Who decided: `policy`, `user` or `flag`.
        by: String,
        /// The tool called.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        tool: String,
        /// What the call does, in one line (`shell: cargo test`).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        what: String,
        /// Risk tier: `low`, `medium` or `high`.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        tier: String,
        /// The approval mode in force.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        mode: String,
        /// The people who approved (two under the two-person rule).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        approvers: Vec<String>,
        /// How far a person's answer reaches: `once`, `session_exact`,
        /// `session_prefix`; empty when no person answered.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        scope: String,
    },
    /// A tool started running.
    ToolStarted {
        /// Step the call belongs to.
        step_id: String,
        /// The call.
        call: ToolCall,
    },
    /// Live output from a running tool.
    ToolOutput {
        /// The call producing output.
        call_id: String,
        /// Which stream.
        stream: OutputStream,
        /// The text.
        chunk: String,
    },
    /// A tool call finished (or was refused before running).
    ToolFinished {
        /// Step the call belongs to.
        step_id: String,
        /// The call's id.
        call_id: String,
        /// The tool's name as the model wrote it.
        name: String,
        /// The result sent back to the model.
        result: ToolResult,
    },
    /// A step finished.
    StepCompleted {
        /// Step id.
        step_id: String,
        /// What the model said it did.
        summary: String,
    },
    /// A step could not be finished.
    StepFailed {
        /// Step id.
        step_id: String,
        /// Why.
        error: String,
    },
    /// The remaining work was planned again after a failure.
    Replanned {
        /// The new plan.
        plan: Plan,
        /// The failure that caused it.
        reason: String,
    },
    /// The run's changes were committed.
    Committed {
        /// Branch committed to.
        branch: String,
        /// Commit id.
        commit: String,
        /// Files in the commit.
        files: Vec<String>,
    },
    /// The run was picked up again after an interruption.
    RunResumed {
        /// First step still to do.
        from_step: String,
    },
    /// The run ended.
    RunFinished {
        /// Final status.
        status: RunStatus,
        /// Human summary of the outcome.
        summary: String,
        /// Unified diff of the change (dry runs show it; real runs commit it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
    },
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OutputStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Token counts reported by the provider for one request.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Prompt tokens served from the provider's cache (a subset of
    /// `prompt_tokens`, billed at the cached price).
    #[serde(default)]
    pub cached_tokens: u64,
    /// Tokens the model spent reasoning (a subset of `completion_tokens`).
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Adds another request's counts to this one.
    pub fn add(&mut self, other: Usage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cached_tokens += other.cached_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
    }

    /// Prompt plus completion tokens.
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// In progress.
    Running,
    /// Stopped after planning, waiting for `chamber apply`.
    AwaitingApproval,
    /// Finished its plan.
    Completed,
    /// Stopped on an error it could not recover from.
    Failed,
    /// The user rejected the plan.
    Rejected,
    /// The process died mid-run; `chamber resume` continues it.
    Interrupted,
    /// A cost, time or token budget ran out; `chamber resume` with a larger
    /// budget continues it.
    BudgetExceeded,
}

impl RunStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::AwaitingApproval => "awaiting_approval",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Rejected => "rejected",
            RunStatus::Interrupted => "interrupted",
            RunStatus::BudgetExceeded => "budget_exceeded",
        }
    }

    /// Parses a stored status; unknown text reads as `failed`.
    pub fn parse(text: &str) -> Self {
        match text {
            "running" => RunStatus::Running,
            "awaiting_approval" => RunStatus::AwaitingApproval,
            "completed" => RunStatus::Completed,
            "rejected" => RunStatus::Rejected,
            "interrupted" => RunStatus::Interrupted,
            "budget_exceeded" => RunStatus::BudgetExceeded,
            _ => RunStatus::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_round_trips_with_flat_type_tag() {
        let ev = Event {
            run_id: "abc".into(),
            seq: 3,
            ts: Utc::now(),
            kind: EventKind::StepStarted {
                step_id: "1".into(),
                title: "t".into(),
            },
        };
        let text = serde_json::to_string(&ev).unwrap();
        assert!(text.contains(r#""type":"step_started""#), "{text}");
        let back: Event = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ev);
        assert_eq!(back.kind.type_name(), "step_started");
    }
}
