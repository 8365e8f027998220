//! The fix loop: while tests fail, one step ("round") lets the model edit
//! with the failure hints and the code they point at; then the failing
//! tests run first and the whole suite after. A round that leaves more
//! failures than before is put back to its checkpoint. The loop stops when
//! the tests are green, at the round limit, after too many rounds without
//! progress, or when the budget is spent.

use chamber_llm::Message;
use chamber_protocol::{EventKind, Task};
use chamber_verify::{
    Detected, HintLimits, RunOptions as TestOptions, TestRun, failure_count, hints, only_failing,
    run_tests_via,
};

use crate::checkpoint::StepChanges;
use crate::engine::Engine;
use crate::executor::{self, StepJob, StepOutcome};
use crate::fix_context::{FIX_SYSTEM, round_request};
use crate::fix_report::{FixReport, FixSettings, FixStop};
use crate::options::{RunOptions, RunOutcome};
use crate::recorder::Recorder;
use crate::step_needs::StepNeeds;
use crate::undo::restore_checkpoint;
use crate::workspace::Workspace;
use crate::{AgentError, Approver};

/// The loop's state between rounds.
struct Tally {
    last: TestRun,
    failing: u32,
    first: u32,
    rounds: u32,
    stale: u32,
    reverted: Vec<u32>,
}

impl Tally {
    fn report(&self, stop: FixStop) -> FixReport {
        FixReport {
            stop,
            rounds: self.rounds,
            reverted: self.reverted.clone(),
            failures_before: self.first,
            failures_after: self.failing,
            passed: self.last.report.passed,
            still_failing: hints(&self.last.report, HintLimits::default()).lines,
            command: self.last.command.clone(),
        }
    }
}

impl Engine {
    /// Runs fix rounds from the test result `first` until the loop stops.
    /// The outcome is `Some` when the run already ended (budget, model).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn fix_rounds(
        &self,
        rec: &mut Recorder,
        task: &Task,
        ws: &Workspace,
        settings: &FixSettings,
        first: TestRun,
        summaries: &mut Vec<(String, String)>,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<(FixReport, Option<RunOutcome>), AgentError> {
        let failing = failure_count(&first);
        emit_check(rec, 0, "all", &first).await?;
        let mut t = Tally {
            last: first,
            failing,
            first: failing,
            rounds: 0,
            stale: 0,
            reverted: Vec::new(),
        };
        let mut note: Option<String> = None;
        let stop = loop {
            if t.last.passed() {
                break FixStop::Green;
            }
            if t.stale >= settings.max_no_progress.max(1) {
                break FixStop::NoProgress;
            }
            if t.rounds >= settings.max_rounds {
                break FixStop::Rounds;
            }
            t.rounds += 1;
            let round = t.rounds;
            let step_id = format!("fix-{round}");
            let title = format!("Fix round {round}: {} failing test(s)", t.failing);
            rec.emit(EventKind::StepStarted {
                step_id: step_id.clone(),
                title: title.clone(),
            })
            .await?;
            let request = round_request(
                &task.prompt,
                &ws.dir,
                round,
                &t.last,
                t.failing,
                note.take().as_deref(),
            );
            let job = StepJob {
                step_id: &step_id,
                messages: vec![Message::system(FIX_SYSTEM), Message::user(request)],
                pending: Vec::new(),
                turns_used: 0,
                needs: StepNeeds {
                    write: true,
                    exec: false,
                },
                changes: StepChanges::new(ws, rec.run_id(), &step_id, opts.dry_run, None),
            };
            let result = executor::run_step(self, rec, &ws.dir, job, approver, opts).await;
            let stop_for = |o: &RunOutcome| match o.status {
                chamber_protocol::RunStatus::BudgetExceeded => FixStop::Budget,
                _ => FixStop::ModelFailed,
            };
            match self.guard(rec, result).await? {
                Ok(StepOutcome::Done(summary)) => {
                    rec.emit(EventKind::StepCompleted {
                        step_id: step_id.clone(),
                        summary: summary.clone(),
                    })
                    .await?;
                    summaries.push((title, summary));
                }
                Ok(StepOutcome::Failed(error)) => {
                    rec.emit(EventKind::StepFailed {
                        step_id: step_id.clone(),
                        error,
                    })
                    .await?;
                }
                Err(outcome) => return Ok((t.report(stop_for(&outcome)), Some(outcome))),
            }
            let after = self
                .check_tests(rec, &ws.dir, settings, round, &t.last)
                .await?;
            let now = failure_count(&after);
            if now > t.failing {
                let files = self.revert_round(rec, ws, &step_id).await?;
                rec.emit(EventKind::RoundReverted {
                    round,
                    failures_before: t.failing,
                    failures_after: now,
                    files,
                })
                .await?;
                t.reverted.push(round);
                t.stale += 1;
                note = Some(format!(
                    "Your changes in round {round} were reverted: they left {now} failing \
                     test(s), up from {}. The code is back as it was; try a different fix.",
                    t.failing
                ));
            } else {
                t.stale = if now < t.failing { 0 } else { t.stale + 1 };
                t.failing = now;
                t.last = after;
            }
        };
        Ok((t.report(stop), None))
    }

    /// Runs the tests that failed (when the runner can select them), then
    /// the whole suite, recording both.
    async fn check_tests(
        &self,
        rec: &mut Recorder,
        dir: &std::path::Path,
        settings: &FixSettings,
        round: u32,
        last: &TestRun,
    ) -> Result<TestRun, AgentError> {
        let names: Vec<String> = last
            .report
            .failures
            .iter()
            .map(|f| f.name.clone())
            .collect();
        if let Some(only) = only_failing(&settings.detected, &names) {
            let run = run_suite(dir, &only, settings).await?;
            emit_check(rec, round, "failing", &run).await?;
        }
        let run = run_suite(dir, &settings.detected, settings).await?;
        emit_check(rec, round, "all", &run).await?;
        Ok(run)
    }

    /// Puts the tree back to the checkpoint of `step_id`, if it made one.
    async fn revert_round(
        &self,
        rec: &Recorder,
        ws: &Workspace,
        step_id: &str,
    ) -> Result<Vec<String>, AgentError> {
        let checkpoint = self
            .store
            .events_of(rec.run_id(), &["checkpoint_created"])
            .await?
            .into_iter()
            .find_map(|e| match e.kind {
                EventKind::CheckpointCreated {
                    step_id: s,
                    checkpoint,
                } if s == step_id => Some(checkpoint),
                _ => None,
            });
        match checkpoint {
            Some(c) => restore_checkpoint(&ws.dir, rec.run_id(), c),
            None => Ok(Vec::new()),
        }
    }
}

/// Runs the tests once in `dir`.
pub(crate) async fn run_suite(
    dir: &std::path::Path,
    detected: &Detected,
    settings: &FixSettings,
) -> Result<TestRun, AgentError> {
    let options = TestOptions {
        timeout: settings.test_timeout,
        ..TestOptions::default()
    };
    use chamber_tools::sandbox::{SandboxChoice, choose};
    let launch = match choose(&settings.sandbox, dir) {
        SandboxChoice::Sandboxed(launch) => Some(launch),
        SandboxChoice::Unconfined { .. } => None,
        SandboxChoice::Unavailable {
            on_unavailable: chamber_config::OnUnavailable::Ask,
            ..
        } => None,
        SandboxChoice::Unavailable { reason, .. } => {
            return Err(AgentError::InvalidState(format!(
                "the tests could not run: {}",
                chamber_tools::sandbox::unavailable_message(&reason)
            )));
        }
    };
    // `args` ends with the program itself; the helper starts `bash` there.
    let args: Vec<String> = launch
        .as_ref()
        .map(|l| {
            let mut a = l.args("bash", &[]);
            a.pop();
            a
        })
        .unwrap_or_default();
    let launcher = launch
        .as_ref()
        .map(|l| (l.helper.as_path(), args.as_slice()));
    run_tests_via(dir, detected, options, launcher)
        .await
        .map_err(|e| AgentError::InvalidState(format!("the tests could not run: {e}")))
}

async fn emit_check(
    rec: &mut Recorder,
    round: u32,
    scope: &str,
    run: &TestRun,
) -> Result<(), AgentError> {
    rec.emit(EventKind::TestsChecked {
        round,
        scope: scope.into(),
        command: run.command.clone(),
        failures: failure_count(run),
        passed: run.passed(),
    })
    .await?;
    Ok(())
}
