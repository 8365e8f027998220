//! The CLI's run flags as the runtime's settings: the one place a `chamber
//! run`/`plan`/`apply`/`resume` invocation becomes a `RunSettings`.

use crate::cli::RunFlags;

impl RunFlags {
    /// The runtime's settings for these flags (a CLI run).
    pub fn settings(&self) -> chamber_runtime::RunSettings {
        chamber_runtime::RunSettings {
            yes: self.yes,
            allow_dirty: self.allow_dirty,
            max_turns: self.max_turns,
            budget_cost: self.budget_cost,
            budget_time: self.budget_time,
            budget_tokens: self.budget_tokens,
            verify: self.verify,
            signoff: self.signoff,
            worktree: self.worktree,
            keep_worktree: self.keep_worktree,
            // The CLI runs from the checkout's HEAD; a base is for tasks.
            base: None,
            mode: self.mode.clone(),
            lane: self.lane.clone(),
            guarded: self.guarded,
            strategy: self.strategy.clone(),
            candidates: self.candidates,
            origin: chamber_protocol::Origin::Cli,
            cancel: chamber_agent::CancelToken::new(),
            fence: None,
        }
    }
}
