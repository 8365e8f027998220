//! Chamber mode: each exercise in a fresh git repo (stub, tests,
//! `INSTRUCTIONS.md`), solved by the current binary's `chamber run --yes`;
//! a retry is another run whose task carries the test failures.

use std::path::Path;
use std::time::{Duration, Instant};

use super::exercise::{Exercise, feedback};
use super::judge::{Runner, judge};
use super::report::{ModeResult, TryResult};
use crate::BenchError;
use crate::process::{ChamberBin, init_repo, io_err, run_with_timeout, tally};

/// How the runs are started.
pub(crate) struct ChamberSolver {
    /// The `chamber` binary and the flags picking the model.
    pub chamber: ChamberBin,
    /// Extra arguments of `chamber run`.
    pub run_args: Vec<String>,
    /// Time limit of one run, and of judging it.
    pub timeout: Duration,
    /// Tries per exercise.
    pub tries: u32,
    /// The judge's test runner.
    pub runner: Runner,
}

impl ChamberSolver {
    /// Solves `exercise` in a repo made under `scratch`.
    pub async fn solve(
        &self,
        exercise: &Exercise,
        scratch: &Path,
    ) -> Result<ModeResult, BenchError> {
        let started = Instant::now();
        let work = scratch.join(format!("chamber-{}", exercise.slug));
        std::fs::create_dir_all(&work)
            .map_err(io_err(format!("cannot create {}", work.display())))?;
        exercise.lay_out(&work)?;
        init_repo(&work).await?;
        let mut result = ModeResult::default();
        let mut task = exercise.task();
        for attempt in 1..=self.tries {
            let mut cmd = tokio::process::Command::new(&self.chamber.exe);
            cmd.args(&self.chamber.model_flags)
                .arg("-C")
                .arg(&work)
                .arg("--json")
                .args(["run", "--yes"]);
            if attempt > 1 {
                // Restoring a test file the last run changed dirties the tree.
                cmd.arg("--allow-dirty");
            }
            cmd.args(&self.run_args).arg(&task).current_dir(&work);
            let run_started = Instant::now();
            let (code, stdout) = run_with_timeout(cmd, self.timeout).await?;
            let secs = run_started.elapsed().as_secs_f64();
            let run = tally(&stdout);
            let verdict = judge(exercise, &work, self.runner, self.timeout).await?;
            let error = if code == 124 {
                Some(format!("run timed out after {}s", self.timeout.as_secs()))
            } else {
                run.failure.clone()
            };
            result.tries.push(TryResult {
                attempt,
                passed: verdict.passed,
                secs,
                judge_secs: verdict.secs,
                tests_modified: verdict.tests_modified,
                prompt_tokens: run.prompt_tokens,
                completion_tokens: run.completion_tokens,
                run_exit: Some(code),
                run: Some(run),
                error,
            });
            if verdict.passed {
                result.solved_at = Some(attempt);
                break;
            }
            task = format!("{}\n\n{}", exercise.task(), feedback(&verdict.output));
        }
        result.secs = started.elapsed().as_secs_f64();
        Ok(result)
    }
}
