//! One direct-mode attempt in one directory: ask for a file, write it
//! through the tool pipeline (policy, write-ahead intent, patch), run the
//! tests, feed back the precise failure, and keep the best version seen.

use std::path::Path;

use chamber_llm::{ChatRequest, Message};
use chamber_protocol::{EventKind, ToolCall, ToolStatus};
use chamber_verify::{TestRun, failure_count};

use super::answer::{Answer, extract};
use super::prompt::{self, DIRECT_SYSTEM};
use super::targets;
use crate::checkpoint::StepChanges;
use crate::engine::Engine;
use crate::fix_loop::run_suite;
use crate::fix_report::FixSettings;
use crate::options::RunOptions;
use crate::providers::RouteRole;
use crate::recorder::Recorder;
use crate::{AgentError, Approver};

/// Answers that could not be used, per round, before the round is lost.
const FORMAT_RETRIES: u32 = 2;
/// Cap on one answer of the built-in local model (a file of ~8 KB).
const LOCAL_ANSWER_TOKENS: u32 = 2048;

/// What one attempt is and where it works.
pub struct Attempt<'a> {
    /// The run's engine (model routes, tools, policy).
    pub engine: &'a Engine,
    /// The directory the attempt writes in.
    pub dir: std::path::PathBuf,
    /// The task as the user wrote it.
    pub task: &'a str,
    /// Instruction files `(name, text)`, shown verbatim.
    pub instructions: &'a [(String, String)],
    /// Files the index ranked for the task, best first.
    pub retrieved: &'a [String],
    /// The tests, when the project has them.
    pub tests: Option<&'a FixSettings>,
    /// Sampling temperature of the first round.
    pub temperature: f32,
    /// Rounds of write → test → feedback.
    pub rounds: u32,
    /// How its test checks are labelled (`direct`, `candidate 2`).
    pub scope: String,
}

/// How an attempt ended.
#[derive(Debug, Clone, Default)]
pub struct AttemptEnd {
    /// The tests pass (or, without tests, the file was written).
    pub passed: bool,
    /// Failing tests left, when there are tests.
    pub failures: Option<u32>,
    /// Files the attempt wrote, with their content before it.
    pub originals: Vec<(String, Option<String>)>,
    /// Rounds used.
    pub rounds: u32,
    /// The last thing that went wrong, for the report.
    pub last_problem: Option<String>,
}

impl AttemptEnd {
    /// Lines changed against the originals (the tie-breaker between
    /// attempts that pass the same tests).
    pub fn diff_lines(&self, dir: &Path) -> usize {
        self.originals
            .iter()
            .map(|(path, before)| {
                let after = std::fs::read_to_string(dir.join(path)).unwrap_or_default();
                similar::TextDiff::from_lines(before.as_deref().unwrap_or(""), &after)
                    .iter_all_changes()
                    .filter(|c| c.tag() != similar::ChangeTag::Equal)
                    .count()
            })
            .sum()
    }
}

/// The best version seen: its failures and the targets' content.
struct Best {
    failures: u32,
    files: Vec<(String, String)>,
}

impl Attempt<'_> {
    /// Runs the attempt; model and tool failures that end the run (budget,
    /// provider down, disk full) pass through as errors.
    pub async fn run(
        &self,
        rec: &mut Recorder,
        changes: &mut StepChanges,
        approver: &dyn Approver,
        opts: &RunOptions,
    ) -> Result<AttemptEnd, AgentError> {
        let files = targets::project_files(&self.dir);
        let baseline = match self.tests {
            Some(t) => Some(self.check(rec, t, 0).await?),
            None => None,
        };
        let failing_output = baseline
            .as_ref()
            .filter(|r| !r.passed())
            .map(|r| r.output.as_str());
        let focus =
            targets::find_focus(&self.dir, &files, self.task, failing_output, self.retrieved);
        rec.emit(super::focus_event(changes.step_id(), &focus))
            .await?;
        let mut end = AttemptEnd::default();
        let Some((first_target, _)) = focus.targets.first().cloned() else {
            end.last_problem = Some("no file to change could be found for the task".into());
            return Ok(end);
        };
        end.originals = focus
            .targets
            .iter()
            .map(|(p, _)| (p.clone(), std::fs::read_to_string(self.dir.join(p)).ok()))
            .collect();
        let first = prompt::first_request(
            &self.dir,
            self.task,
            self.instructions,
            &focus,
            &first_target,
        );
        let pinned = vec![Message::system(DIRECT_SYSTEM), Message::user(first)];
        let mut messages = pinned.clone();
        let mut target = first_target;
        let mut tried: Vec<String> = Vec::new();
        let mut best: Option<Best> = None;
        let step_id = changes.step_id().to_string();

        for round in 1..=self.rounds {
            end.rounds = round;
            let mut temperature = (self.temperature + 0.3 * (round - 1) as f32).min(1.0);
            let mut code = None;
            let mut repeats = 0;
            for _ in 0..=FORMAT_RETRIES {
                if repeats > 1 {
                    break;
                }
                let response = self.ask(rec, &messages, temperature, &step_id).await?;
                let current = std::fs::read_to_string(self.dir.join(&target)).ok();
                let cut_off = response.finish_reason.as_deref() == Some("length");
                let ext = prompt::ext_of(&target);
                messages.push(Message::assistant(response.content.clone(), Vec::new()));
                match extract(&response.content, &target, current.as_deref(), cut_off) {
                    Answer::Code(c) if tried.contains(&c) => {
                        repeats += 1;
                        end.last_problem = Some("the same file as an earlier answer".into());
                        messages.push(Message::user(format!(
                            "That is the same `{target}` as an earlier answer, which failed the tests. Write a different, corrected version.{}",
                            prompt::ask_for(&target)
                        )));
                        temperature = (temperature + 0.3).min(1.0);
                    }
                    Answer::Code(c) => {
                        let merged = super::merge::merge_answer(&target, current.as_deref(), &c);
                        let missing = self.missing(&target, &merged);
                        if current.as_deref() == Some(merged.as_str()) {
                            end.last_problem = Some("file returned unchanged".into());
                            messages.push(Message::user(
                                super::answer::Problem::Unchanged
                                    .retry_message(&target, super::answer::fence_tag(ext)),
                            ));
                        } else if !missing.is_empty() {
                            let names = missing.join("`, `");
                            end.last_problem = Some(format!("`{names}` not defined"));
                            messages.push(Message::user(format!(
                                "Your `{target}` does not define `{names}`, which the task asks for.{}",
                                prompt::ask_for(&target)
                            )));
                        } else {
                            code = Some(merged);
                            break;
                        }
                    }
                    Answer::Problem(p) => {
                        end.last_problem = Some(p.as_str().into());
                        messages.push(Message::user(
                            p.retry_message(&target, super::answer::fence_tag(ext)),
                        ));
                    }
                }
            }
            let Some(code) = code else {
                if repeats > 1 {
                    // The model gives the same answer whatever it is told:
                    // more rounds would only spend time.
                    break;
                }
                continue;
            };
            tried.push(code.clone());
            let written = self
                .write(rec, changes, approver, opts, &target, &code, round)
                .await?;
            if let Err(error) = written {
                end.last_problem = Some(format!("{target} was not written: {error}"));
                messages.push(Message::user(prompt::refused(&target, &error)));
                continue;
            }
            let Some(tests) = self.tests else {
                end.passed = true;
                break;
            };
            let run = self.check(rec, tests, round).await?;
            let failing = failure_count(&run).max(u32::from(!run.passed()));
            end.failures = Some(failing);
            if best.as_ref().is_none_or(|b| failing < b.failures) {
                best = Some(Best {
                    failures: failing,
                    files: self.snapshot(&end),
                });
            }
            if run.passed() {
                end.passed = true;
                break;
            }
            end.last_problem = Some(format!("{failing} test(s) failing"));
            let next = targets::frame_files(&run.output)
                .into_iter()
                .find(|f| focus.targets.iter().any(|(t, _)| t == f))
                .unwrap_or_else(|| target.clone());
            target = next;
            // The pinned prefix stays as sent; only the latest answer and
            // its failure follow it, so the history never grows.
            let last_answer = messages
                .iter()
                .rev()
                .find(|m| m.role == chamber_llm::Role::Assistant)
                .cloned();
            messages = pinned.clone();
            messages.extend(last_answer);
            messages.push(Message::user(prompt::feedback(
                &self.dir, &run, failing, &target,
            )));
        }
        if let (Some(b), false) = (&best, end.passed)
            && end.failures.is_some_and(|f| f > b.failures)
        {
            // A later round made things worse: the best version goes back.
            for (path, text) in b.files.clone() {
                let _ = self
                    .write(rec, changes, approver, opts, &path, &text, end.rounds + 1)
                    .await?;
            }
            end.failures = Some(b.failures);
            if let Some(t) = self.tests {
                let run = self.check(rec, t, end.rounds + 1).await?;
                end.failures = Some(failure_count(&run).max(u32::from(!run.passed())));
                end.passed = run.passed();
            }
        }
        Ok(end)
    }

    /// Names the task calls for that neither `text` (the new `target`) nor
    /// any other project file defines.
    fn missing(&self, target: &str, text: &str) -> Vec<String> {
        let names = super::merge::missing_definitions(self.task, target, text);
        if names.is_empty() {
            return names;
        }
        let others: Vec<String> = targets::project_files(&self.dir)
            .into_iter()
            .filter(|f| f != target)
            .take(500)
            .filter_map(|f| std::fs::read_to_string(self.dir.join(f)).ok())
            .collect();
        names
            .into_iter()
            .filter(|n| {
                !others.iter().any(|t| {
                    ["def ", "fn ", "function ", "func "]
                        .iter()
                        .any(|k| t.contains(&format!("{k}{n}")))
                })
            })
            .collect()
    }

    async fn ask(
        &self,
        rec: &mut Recorder,
        messages: &[Message],
        temperature: f32,
        step_id: &str,
    ) -> Result<chamber_llm::ChatResponse, AgentError> {
        let engine = self.engine;
        let mut request = ChatRequest::new(engine.choice.model.clone(), messages.to_vec());
        request.temperature = Some(temperature);
        if engine.choice.local {
            request.max_tokens = Some((engine.config.local.context / 2).min(LOCAL_ANSWER_TOKENS));
        }
        engine
            .model_turn(rec, &request, Some(step_id), RouteRole::Tactical)
            .await
    }

    /// Writes `path` through the tool pipeline; `Ok(Err(why))` when the
    /// tools refused it (policy, syntax check).
    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        rec: &mut Recorder,
        changes: &mut StepChanges,
        approver: &dyn Approver,
        opts: &RunOptions,
        path: &str,
        content: &str,
        round: u32,
    ) -> Result<Result<(), String>, AgentError> {
        let call = ToolCall {
            id: format!(
                "direct-{}-{round}-{}",
                self.scope.replace(' ', "-"),
                chamber_protocol::new_id()
            ),
            name: "write_file".into(),
            arguments: serde_json::json!({ "path": path, "content": content }).to_string(),
        };
        let result = crate::executor::execute_call(
            self.engine,
            rec,
            &self.dir,
            changes,
            &call,
            approver,
            opts,
        )
        .await?;
        Ok(match result.status {
            ToolStatus::Ok => Ok(()),
            _ => Err(result.error.unwrap_or_else(|| "no details".into())),
        })
    }

    async fn check(
        &self,
        rec: &mut Recorder,
        tests: &FixSettings,
        round: u32,
    ) -> Result<TestRun, AgentError> {
        let run = run_suite(&self.dir, &tests.detected, tests).await?;
        rec.emit(EventKind::TestsChecked {
            round,
            scope: self.scope.clone(),
            command: run.command.clone(),
            failures: failure_count(&run),
            passed: run.passed(),
        })
        .await?;
        Ok(run)
    }

    fn snapshot(&self, end: &AttemptEnd) -> Vec<(String, String)> {
        end.originals
            .iter()
            .filter_map(|(p, _)| {
                std::fs::read_to_string(self.dir.join(p))
                    .ok()
                    .map(|t| (p.clone(), t))
            })
            .collect()
    }
}
