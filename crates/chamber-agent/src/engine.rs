//! The `Engine`: everything a run needs, assembled once by a front end.
//! The entry flow lives in `run_entry`, the step loop in `executor`, and
//! the shared option and outcome types in the leaf module `options`.

use std::path::PathBuf;
use std::sync::Arc;

use chamber_config::Config;
use chamber_policy::{Budget, Policy};
use chamber_protocol::{Plan, RunStatus, Usage};
use chamber_store::Store;
use chamber_tools::Registry;

use crate::options::{RunOptions, RunOutcome};
use crate::recorder::Recorder;
use crate::{AgentError, ProviderChoice, Routes};

/// Everything a run needs, assembled once by the front end (CLI or server).
pub struct Engine {
    /// Merged configuration.
    pub config: Config,
    /// Where runs and events are stored.
    pub store: Store,
    /// The model chains by role (strategic, tactical), with fallbacks and prices.
    pub routes: Routes,
    /// Which provider and model is the main one, and why.
    pub choice: ProviderChoice,
    /// Cost, time and token limits per run.
    pub budget: Budget,
    /// Command and path rules.
    pub policy: Policy,
    /// The tools offered to the model.
    pub registry: Registry,
    /// The project root.
    pub root: PathBuf,
    /// The data directory (for dry-run logs).
    pub data_dir: PathBuf,
    /// Hides secrets in everything the run stores or sends: events, the
    /// task, model requests (see `secret_sources::build_redactor`).
    pub redactor: Arc<chamber_policy::Redactor>,
}

impl Engine {
    /// Where a run's `events.jsonl` goes: the project's `.chamber/runs/<id>/`,
    /// or the data dir for dry runs and worktree runs (the user's checkout
    /// stays byte-identical).
    pub(crate) fn run_log_dir(&self, run_id: &str, outside_project: bool) -> PathBuf {
        if outside_project {
            self.data_dir.join("runs").join(run_id)
        } else {
            self.root.join(".chamber/runs").join(run_id)
        }
    }

    /// The run branch name for a run id.
    pub(crate) fn branch_name(&self, run_id: &str) -> String {
        format!(
            "{}{}",
            self.config.git.branch_prefix,
            &run_id[..run_id.len().min(8)]
        )
    }

    /// The branch a run works on: the one `opts` names, else a new one
    /// named after the run id.
    pub(crate) fn run_branch(&self, run_id: &str, opts: &RunOptions) -> String {
        opts.branch
            .clone()
            .unwrap_or_else(|| self.branch_name(run_id))
    }

    /// Turns a model failure that survived retries into a failed, resumable
    /// run with a report; other errors pass through.
    pub(crate) async fn guard<T>(
        &self,
        rec: &mut Recorder,
        result: Result<T, AgentError>,
    ) -> Result<Result<T, RunOutcome>, AgentError> {
        match result {
            Ok(v) => Ok(Ok(v)),
            Err(AgentError::Llm(e)) => {
                let reason = format!("the model request failed: {e}. {}", e.kind.hint());
                Ok(Err(self.finish_failed(rec, None, &reason, None).await?))
            }
            Err(AgentError::BudgetExceeded(r)) => Ok(Err(self.finish_budget(rec, &r).await?)),
            Err(AgentError::Cancelled(why)) => {
                let reason = format!(
                    "cancelled ({why}); finished steps stay recorded, and `chamber resume {}` continues",
                    rec.run_id()
                );
                Ok(Err(self.finish_failed(rec, None, &reason, None).await?))
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) fn outcome(
        &self,
        run_id: &str,
        status: RunStatus,
        plan: Option<Plan>,
        summary: String,
    ) -> RunOutcome {
        RunOutcome {
            run_id: run_id.to_string(),
            status,
            plan,
            plan_id: None,
            summary,
            diff: None,
            branch: None,
            commit: None,
            commands: Vec::new(),
            usage: Usage::default(),
            cost_usd: 0.0,
            fix: None,
            worktree: None,
        }
    }
}
