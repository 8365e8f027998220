//! A direct-mode step: one attempt in the project, or best of N attempts,
//! each in a throwaway copy, scored by the tests (green first, then fewer
//! failures, then the smaller diff); the winner's files are written into
//! the project through the tool pipeline, so they are recorded and
//! undoable like any edit.

use chamber_protocol::{EventKind, Task};

use super::rounds::{Attempt, AttemptEnd};
use super::targets;
use crate::checkpoint::StepChanges;
use crate::context::ProjectContext;
use crate::engine::Engine;
use crate::executor::StepOutcome;
use crate::options::RunOptions;
use crate::recorder::Recorder;
use crate::workspace::Workspace;
use crate::{AgentError, Approver};

/// Temperatures of the attempts, in order: the most likely answer first,
/// then more varied ones.
const TEMPERATURES: [f32; 8] = [0.0, 0.7, 1.0, 0.4, 0.85, 0.55, 0.25, 0.95];

/// One scored attempt.
struct Scored {
    candidate: u32,
    end: AttemptEnd,
    diff_lines: usize,
    copy: Workspace,
}

/// Carries out a direct-mode step in `ws`.
pub(crate) async fn run_direct_step(
    engine: &Engine,
    rec: &mut Recorder,
    ws: &Workspace,
    task: &Task,
    changes: &mut StepChanges,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<StepOutcome, AgentError> {
    let basic = ProjectContext::gather_basic(
        &ws.dir,
        &engine.config.agent,
        &engine.registry,
        &task.prompt,
    )
    .await;
    let files = targets::project_files(&ws.dir);
    let retrieved = if targets::find_focus(&ws.dir, &files, &task.prompt, None, &[])
        .targets
        .is_empty()
    {
        retrieved_files(engine, &ws.dir, &task.prompt).await
    } else {
        Vec::new()
    };
    let tests = engine.direct_tests(&ws.dir);
    let n = if tests.is_some() {
        engine.config.agent.candidates.max(1)
    } else {
        1
    };
    let rounds = engine.config.agent.direct_rounds.max(1);
    let attempt = |dir: &std::path::Path, temperature, scope: String| Attempt {
        engine,
        dir: dir.to_path_buf(),
        task: &task.prompt,
        instructions: &basic.instructions,
        retrieved: &retrieved,
        tests: tests.as_ref(),
        temperature,
        rounds,
        scope,
    };
    if n == 1 {
        let end = attempt(&ws.dir, TEMPERATURES[0], "direct".into())
            .run(rec, changes, approver, opts)
            .await?;
        return Ok(outcome(&end, tests.is_some()));
    }

    // Local attempts take minutes each: stop at the first green one.
    // Remote attempts all run, and the smallest green diff wins.
    let stop_at_green = engine.choice.local;
    let mut scored: Vec<Scored> = Vec::new();
    for candidate in 1..=n {
        let copy = Workspace::prepare(&ws.dir, true)?;
        let temperature = TEMPERATURES[(candidate as usize - 1) % TEMPERATURES.len()];
        let step_id = format!("{}.c{candidate}", changes.step_id());
        let mut copy_changes = StepChanges::new(&copy, rec.run_id(), &step_id, true, None);
        let end = attempt(&copy.dir, temperature, format!("candidate {candidate}"))
            .run(rec, &mut copy_changes, approver, opts)
            .await?;
        let diff_lines = end.diff_lines(&copy.dir);
        rec.emit(EventKind::CandidateScored {
            step_id: changes.step_id().to_string(),
            candidate,
            label: format!("temperature {temperature}"),
            passed: end.passed,
            failures: end.failures,
            diff_lines: diff_lines as u64,
            rounds: end.rounds,
        })
        .await?;
        let green = end.passed;
        scored.push(Scored {
            candidate,
            end,
            diff_lines,
            copy,
        });
        if green && stop_at_green {
            break;
        }
    }
    let Some(best) = scored.iter().min_by_key(|s| rank(s)) else {
        return Ok(StepOutcome::Failed("no attempt was made".into()));
    };
    let reason = match (
        best.end.passed,
        scored.iter().filter(|s| s.end.passed).count(),
    ) {
        (true, 1) => "the only attempt whose tests pass".to_string(),
        (true, k) => format!(
            "the smallest diff ({} lines) of the {k} attempts whose tests pass",
            best.diff_lines
        ),
        (false, _) => format!(
            "the fewest failing tests ({}) of {} attempts",
            best.end.failures.unwrap_or(0),
            scored.len()
        ),
    };
    rec.emit(EventKind::CandidateChosen {
        step_id: changes.step_id().to_string(),
        candidate: best.candidate,
        reason,
    })
    .await?;
    apply_winner(engine, rec, ws, best, changes, approver, opts).await?;
    let mut end = best.end.clone();
    if let Some(t) = &tests {
        // The project itself is checked: the copy's result must hold here.
        let run = crate::fix_loop::run_suite(&ws.dir, &t.detected, t).await?;
        let failing = chamber_verify::failure_count(&run).max(u32::from(!run.passed()));
        rec.emit(EventKind::TestsChecked {
            round: end.rounds,
            scope: "chosen".into(),
            command: run.command.clone(),
            failures: chamber_verify::failure_count(&run),
            passed: run.passed(),
        })
        .await?;
        end.passed = run.passed();
        end.failures = Some(failing);
    }
    Ok(outcome(&end, tests.is_some()))
}

/// Lower is better: green first, then fewer failures, then a smaller diff.
fn rank(s: &Scored) -> (bool, u32, usize, u32) {
    (
        !s.end.passed,
        s.end.failures.unwrap_or(0),
        s.diff_lines,
        s.candidate,
    )
}

/// Writes the winning copy's changed files into the project.
async fn apply_winner(
    engine: &Engine,
    rec: &mut Recorder,
    ws: &Workspace,
    best: &Scored,
    changes: &mut StepChanges,
    approver: &dyn Approver,
    opts: &RunOptions,
) -> Result<(), AgentError> {
    for (path, _) in &best.end.originals {
        let Ok(text) = std::fs::read_to_string(best.copy.dir.join(path)) else {
            continue;
        };
        if std::fs::read_to_string(ws.dir.join(path)).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        let call = chamber_protocol::ToolCall {
            id: format!("direct-apply-{}", chamber_protocol::new_id()),
            name: "write_file".into(),
            arguments: serde_json::json!({ "path": path, "content": text }).to_string(),
        };
        crate::executor::execute_call(engine, rec, &ws.dir, changes, &call, approver, opts).await?;
    }
    Ok(())
}

/// The step's outcome from how its attempt ended.
fn outcome(end: &AttemptEnd, has_tests: bool) -> StepOutcome {
    let files = end
        .originals
        .iter()
        .map(|(p, _)| p.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if end.passed {
        let tests = if has_tests { "; the tests pass" } else { "" };
        return StepOutcome::Done(format!("wrote {files} in {} round(s){tests}", end.rounds));
    }
    let why = end
        .last_problem
        .clone()
        .unwrap_or_else(|| "no usable answer".into());
    StepOutcome::Failed(match end.failures {
        Some(f) if !end.originals.is_empty() => format!(
            "after {} round(s) {f} test(s) still fail; the best version of {files} is kept in the working tree ({why})",
            end.rounds
        ),
        _ => format!("direct mode could not write the change: {why}"),
    })
}

/// Files the codebase index ranks for the task (used when the task names
/// no file and no test points at one).
async fn retrieved_files(engine: &Engine, dir: &std::path::Path, task: &str) -> Vec<String> {
    if !engine.config.context.enabled {
        return Vec::new();
    }
    let ctx = ProjectContext::gather(
        dir,
        &engine.config,
        engine.choice.local,
        &engine.registry,
        task,
    )
    .await;
    ctx.pieces()
        .into_iter()
        .filter(|p| p.kind == "file")
        .filter_map(|p| p.path)
        .collect()
}
