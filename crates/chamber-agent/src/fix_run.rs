//! Runs that must end with green tests: `chamber fix` (a run that is only
//! the fix loop) and `chamber run --verify` (the fix loop after the plan).
//! Green runs commit like any run; red ones stop with the changes left
//! uncommitted on the run branch and a report of what still fails.

use std::sync::Arc;

use chamber_protocol::{EventKind, Plan, RunStatus, Task};
use chamber_verify::TestRun;

use crate::engine::Engine;
use crate::fix_loop::run_suite;
use crate::fix_report::{FixReport, FixSettings, FixStop};
use crate::options::{RunOptions, RunOutcome};
use crate::recorder::Recorder;
use crate::workspace::Workspace;
use crate::{AgentError, Approver, Observer};

/// The task text of a `chamber fix` run.
pub const FIX_TASK: &str = "Fix the failing tests";

impl Engine {
    /// `chamber fix`: a run on its own branch that fixes the failures of
    /// `first` (a test run the caller just made) until the loop stops.
    pub async fn fix(
        &self,
        settings: FixSettings,
        first: TestRun,
        opts: RunOptions,
        approver: &dyn Approver,
        observer: Arc<dyn Observer>,
    ) -> Result<RunOutcome, AgentError> {
        let (mut rec, task, ws) = self.start_run(FIX_TASK, &opts, observer).await?;
        let branch = ws.git.as_ref().map(|_| self.run_branch(&task.id, &opts));
        if let Some(b) = &branch {
            ws.enter_branch(b)?;
        }
        let base_commit = ws.git.as_ref().map(|g| g.head()).transpose()?.flatten();
        let plan = Plan {
            title: FIX_TASK.into(),
            steps: Vec::new(),
        };
        let done = Finish {
            plan,
            ws,
            branch,
            base_commit,
            summaries: Vec::new(),
        };
        let opts = RunOptions {
            verify: Some(settings),
            ..opts
        };
        self.verify_and_finish(&mut rec, &task, done, Some(first), approver, &opts)
            .await
    }

    /// Runs the tests (unless `first` is given), fixes them in rounds, and
    /// ends the run: committed when green, failed or over budget otherwise.
    pub(crate) async fn verify_and_finish(
        &self,
        rec: &mut Recorder,
        task: &Task,
        mut done: Finish,
        first: Option<TestRun>,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<RunOutcome, AgentError> {
        let Some(settings) = opts.verify.clone() else {
            return self.finish_done(rec, done, opts).await;
        };
        let first = match first {
            Some(run) => run,
            None => run_suite(&done.ws.dir, &settings.detected, &settings).await?,
        };
        let (report, ended) = self
            .fix_rounds(
                rec,
                task,
                &done.ws,
                &settings,
                first,
                &mut done.summaries,
                approver,
                opts,
            )
            .await?;
        let mut outcome = match ended {
            Some(outcome) => outcome,
            None if report.stop == FixStop::Green => {
                let mut outcome = self.finish_done(rec, done, opts).await?;
                outcome.summary = format!("{}; {}", outcome.summary, report.line());
                outcome
            }
            None => self.finish_tests_failing(rec, done.plan, &report).await?,
        };
        outcome.fix = Some(report);
        Ok(outcome)
    }

    async fn finish_done(
        &self,
        rec: &mut Recorder,
        done: Finish,
        opts: &RunOptions,
    ) -> Result<RunOutcome, AgentError> {
        let Finish {
            plan,
            ws,
            branch,
            base_commit,
            summaries,
        } = done;
        self.finish_completed(rec, plan, ws, branch, base_commit, &summaries, opts)
            .await
    }

    async fn finish_tests_failing(
        &self,
        rec: &mut Recorder,
        plan: Plan,
        report: &FixReport,
    ) -> Result<RunOutcome, AgentError> {
        let summary = format!(
            "{}. Changes stay in the working tree, uncommitted. Next: `chamber fix` to keep going, \
             or see `chamber runs show {}`.",
            report.line(),
            rec.run_id()
        );
        rec.emit(EventKind::RunFinished {
            status: RunStatus::Failed,
            summary: summary.clone(),
            diff: None,
        })
        .await?;
        self.store
            .set_status(rec.run_id(), RunStatus::Failed, Some(&summary))
            .await?;
        Ok(self.outcome(rec.run_id(), RunStatus::Failed, Some(plan), summary))
    }
}

/// What a run hands to its end: the plan, workspace, branch, base commit
/// and the summaries of the steps done.
pub(crate) struct Finish {
    /// The plan followed.
    pub plan: Plan,
    /// The workspace.
    pub ws: Workspace,
    /// The run branch.
    pub branch: Option<String>,
    /// HEAD when the run started.
    pub base_commit: Option<String>,
    /// `(title, summary)` of each step done.
    pub summaries: Vec<(String, String)>,
}
