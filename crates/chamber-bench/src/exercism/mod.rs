//! `chamber bench exercism --repo DIR --set FILE`: Exercism practice
//! exercises solved two ways with the same model, server and settings:
//! by `chamber run --yes` in a repo holding the stub, the tests and the
//! instructions, and by the model alone given the ideal prompt (all of it
//! in one message, the whole file back). Each try is judged by the
//! exercise's own tests, restored first; a retry is told the failures.
//! Chamber's solve rate over the model's alone is the harness's efficiency.

mod alone_mode;
mod chamber_mode;
mod exercise;
mod judge;
mod report;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chamber_llm::Provider;
use serde_json::{Value, json};

use crate::process::io_err;
use crate::{BenchError, ChamberBin, Paint, Progress, Tone};
use alone_mode::AloneSolver;
use chamber_mode::ChamberSolver;
use judge::Runner;
pub use report::{ExerciseResult, ModeResult, TryResult, header};

/// Who solves the exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `chamber run --yes` in a repo holding the exercise.
    Chamber,
    /// One chat request with instructions, stub and tests; the whole file back.
    Alone,
    /// Both, on the same exercises.
    Both,
}

/// Options of `chamber bench exercism`.
#[derive(Debug, Clone)]
pub struct ExercismOptions {
    /// The exercism/python checkout.
    pub repo: PathBuf,
    /// The set file: one slug per line.
    pub set: PathBuf,
    /// Who solves.
    pub mode: Mode,
    /// Tries per exercise.
    pub tries: u32,
    /// Time limit of one try and of judging it, in seconds (at least 1 is used).
    pub timeout_secs: u64,
    /// Only these exercises of the set.
    pub only: Vec<String>,
    /// Extra arguments of every `chamber run`.
    pub run_args: Vec<String>,
}

/// The model answering alone: the provider client the front end set up.
pub struct AloneModel {
    /// The provider client.
    pub provider: Arc<dyn Provider>,
    /// The model name.
    pub model: String,
    /// Longest silence within an answer.
    pub idle: Duration,
}

/// The solvers of a run: the model alone, `chamber run`, or both.
pub struct Solvers {
    /// The model alone, unless the mode is `chamber`.
    pub alone: Option<AloneModel>,
    /// The `chamber` binary, unless the mode is `alone`.
    pub chamber: Option<ChamberBin>,
}

/// The exercises read, the judge found and a scratch folder made: what is
/// checked before any model is set up.
pub struct Exercism {
    options: ExercismOptions,
    exercises: Vec<exercise::Exercise>,
    runner: Runner,
    scratch: tempfile::TempDir,
}

/// Every exercise's results, the settings and the totals.
#[derive(Debug)]
pub struct ExercismReport {
    /// Repo, set, mode, tries, limits, judge, model and run arguments.
    pub settings: Value,
    /// One per exercise, in set order.
    pub results: Vec<ExerciseResult>,
    /// `chamber run`'s totals, when it ran.
    pub chamber: Option<Value>,
    /// The model alone's totals, when it ran.
    pub alone: Option<Value>,
    /// Chamber's totals over the model alone's, when both ran.
    pub ratio: Option<Value>,
    /// Tries per exercise.
    pub tries: u32,
}

impl Exercism {
    /// Reads the set (narrowed by `only`) and its exercises from the
    /// checkout, picks the test runner and makes the scratch folder.
    pub async fn prepare(options: ExercismOptions) -> Result<Self, BenchError> {
        let exercises = exercises(&options)?;
        let runner = judge::detect().await?;
        let scratch = tempfile::Builder::new()
            .prefix("chamber-exercism-")
            .tempdir()
            .map_err(io_err("cannot make a temp dir".into()))?;
        Ok(Self {
            options,
            exercises,
            runner,
            scratch,
        })
    }

    /// The scratch folder, removed when this is dropped; a front end may
    /// resolve its settings in a fresh folder under it.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// Time limit of one try, and of judging it.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.options.timeout_secs.max(1))
    }

    /// Solves every exercise with `solvers`, reporting each as it starts
    /// and its row when done. `provider` and `model` name the model for
    /// the settings.
    pub async fn run(
        &self,
        solvers: Solvers,
        provider: &str,
        model: &str,
        progress: &dyn Progress,
    ) -> Result<ExercismReport, BenchError> {
        let args = &self.options;
        let timeout = self.timeout();
        let alone = solvers.alone.map(|m| AloneSolver {
            provider: m.provider,
            model: m.model,
            idle: m.idle,
            timeout,
            tries: args.tries,
            runner: self.runner,
        });
        let chamber = solvers.chamber.map(|chamber| ChamberSolver {
            chamber,
            run_args: args.run_args.clone(),
            timeout,
            tries: args.tries,
            runner: self.runner,
        });
        let settings = json!({
            "repo": args.repo,
            "set": args.set,
            "mode": format!("{:?}", args.mode).to_lowercase(),
            "tries": args.tries,
            "timeout_secs": timeout.as_secs(),
            "judge": self.runner,
            "provider": provider,
            "model": model,
            "temperature": "provider default",
            "run_args": args.run_args,
            "instructions_file": exercise::INSTRUCTIONS,
        });
        let mut results = Vec::new();
        for ex in &self.exercises {
            progress.begin(&ex.slug);
            let mut result = ExerciseResult {
                exercise: ex.slug.clone(),
                ..Default::default()
            };
            if let Some(solver) = &alone {
                result.alone = Some(solver.solve(ex, self.scratch()).await?);
            }
            if let Some(solver) = &chamber {
                result.chamber = Some(solver.solve(ex, self.scratch()).await?);
            }
            progress.row(&report::row(&result, progress));
            results.push(result);
        }
        let chamber_total = chamber.is_some().then(|| {
            report::totals(
                results.iter().filter_map(|r| r.chamber.as_ref()),
                args.tries,
            )
        });
        let alone_total = alone
            .is_some()
            .then(|| report::totals(results.iter().filter_map(|r| r.alone.as_ref()), args.tries));
        let ratio = match (&chamber_total, &alone_total) {
            (Some(c), Some(a)) => Some(report::ratio(c, a, args.tries)),
            _ => None,
        };
        Ok(ExercismReport {
            settings,
            results,
            chamber: chamber_total,
            alone: alone_total,
            ratio,
            tries: args.tries,
        })
    }
}

impl ExercismReport {
    /// The JSON report: settings, every exercise and the totals.
    pub fn to_json(&self) -> Value {
        let mut totals = json!({});
        for (mode, total) in [("chamber", &self.chamber), ("alone", &self.alone)] {
            if let Some(total) = total {
                totals[mode] = total.clone();
            }
        }
        if let Some(ratio) = &self.ratio {
            totals["ratio"] = ratio.clone();
        }
        json!({"settings": self.settings, "exercises": self.results, "totals": totals})
    }

    /// Each mode's totals and the ratio, one line each.
    pub fn summary(&self, paint: &dyn Paint) -> Vec<String> {
        let mut lines = Vec::new();
        for (mode, total) in [("chamber", &self.chamber), ("alone", &self.alone)] {
            if let Some(total) = total {
                lines.push(paint.paint(Tone::Head, &report::totals_line(mode, total, self.tries)));
            }
        }
        if let Some(ratio) = &self.ratio {
            lines.push(paint.paint(Tone::Head, &report::ratio_line(ratio, self.tries)));
        }
        lines
    }
}

/// The exercises of the set (narrowed by `only`), each read from the checkout.
fn exercises(args: &ExercismOptions) -> Result<Vec<exercise::Exercise>, BenchError> {
    let repo = args
        .repo
        .canonicalize()
        .unwrap_or_else(|_| args.repo.clone());
    if !repo.join("exercises/practice").is_dir() {
        return Err(BenchError::NotFound {
            message: format!("{} has no exercises/practice folder", args.repo.display()),
            hint: Some("--repo is a checkout of exercism/python"),
        });
    }
    let mut slugs = exercise::read_set(&args.set)?;
    if !args.only.is_empty() {
        if let Some(missing) = args.only.iter().find(|o| !slugs.contains(o)) {
            return Err(BenchError::BadInput {
                message: format!("--only {missing}: not in the set {}", args.set.display()),
                hint: None,
            });
        }
        slugs.retain(|s| args.only.contains(s));
    }
    slugs
        .iter()
        .map(|slug| exercise::load(&repo, slug))
        .collect()
}
