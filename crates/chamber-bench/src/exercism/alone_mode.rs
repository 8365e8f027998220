//! Alone mode: the model with the ideal prompt (instructions, stub and
//! tests in one message), answering with the whole file; a retry sends the
//! same conversation plus the test failures.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_llm::{ChatRequest, Message, Provider, collect};

use super::exercise::{Exercise, code_block, feedback};
use super::judge::{Runner, judge};
use super::report::{ModeResult, TryResult};
use crate::BenchError;
use crate::process::io_err;

/// The model, as `chamber run` would pick it.
pub(crate) struct AloneSolver {
    /// The provider client.
    pub provider: Arc<dyn Provider>,
    /// The model name.
    pub model: String,
    /// Longest silence within an answer.
    pub idle: Duration,
    /// Time limit of one answer, and of judging it.
    pub timeout: Duration,
    /// Tries per exercise.
    pub tries: u32,
    /// The judge's test runner.
    pub runner: Runner,
}

impl AloneSolver {
    /// Solves `exercise` in a folder made under `scratch`.
    pub async fn solve(
        &self,
        exercise: &Exercise,
        scratch: &Path,
    ) -> Result<ModeResult, BenchError> {
        let started = Instant::now();
        let work = scratch.join(format!("alone-{}", exercise.slug));
        std::fs::create_dir_all(&work)
            .map_err(io_err(format!("cannot create {}", work.display())))?;
        exercise.lay_out(&work)?;
        let target = work.join(
            exercise
                .solution
                .first()
                .map(String::as_str)
                .unwrap_or_default(),
        );
        let mut messages = vec![Message::user(exercise.prompt())];
        let mut result = ModeResult::default();
        for attempt in 1..=self.tries {
            // Temperature and length: the provider's defaults, as in runs.
            let request = ChatRequest::new(self.model.clone(), messages.clone());
            let asked = Instant::now();
            let answer = tokio::time::timeout(
                self.timeout,
                collect(self.provider.as_ref(), &request, self.idle, &mut |_| {}),
            )
            .await;
            let mut t = TryResult {
                attempt,
                secs: asked.elapsed().as_secs_f64(),
                ..Default::default()
            };
            let mut answered = false;
            match answer {
                Err(_) => t.error = Some(format!("no answer within {}s", self.timeout.as_secs())),
                Ok(Err(e)) => t.error = Some(e.to_string()),
                Ok(Ok(response)) => {
                    t.prompt_tokens = response.usage.prompt_tokens;
                    t.completion_tokens = response.usage.completion_tokens;
                    match code_block(&response.content) {
                        Some(code) => chamber_tools::atomic::write_atomic(&target, code.as_bytes())
                            .map_err(io_err(format!("cannot write {}", target.display())))?,
                        None => t.error = Some("the answer has no fenced code block".into()),
                    }
                    messages.push(Message::assistant(response.content, Vec::new()));
                    answered = true;
                }
            }
            let verdict = judge(exercise, &work, self.runner, self.timeout).await?;
            t.passed = verdict.passed;
            t.judge_secs = verdict.secs;
            t.tests_modified = verdict.tests_modified;
            result.tries.push(t);
            if verdict.passed {
                result.solved_at = Some(attempt);
                break;
            }
            if answered {
                messages.push(Message::user(format!(
                    "{} Answer with the whole file again in one fenced ```python code block.",
                    feedback(&verdict.output)
                )));
            }
        }
        result.secs = started.elapsed().as_secs_f64();
        Ok(result)
    }
}
