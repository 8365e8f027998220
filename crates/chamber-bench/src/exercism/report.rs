//! The results of `chamber bench exercism`: per try, per mode, per
//! exercise; the totals of each mode, their ratio, and the printed table.

use serde::Serialize;
use serde_json::{Value, json};

use crate::{Paint, RunTally, Tone};

/// One try of one solver on one exercise.
#[derive(Debug, Default, Clone, Serialize)]
pub struct TryResult {
    /// 1 for the first try, 2 for the retry told the failures, …
    pub attempt: u32,
    /// Whether the exercise's tests passed after this try.
    pub passed: bool,
    /// Seconds of the run (chamber) or of the model's answer (alone).
    pub secs: f64,
    /// Seconds the tests took.
    pub judge_secs: f64,
    /// Whether a test file had been changed and was restored before judging.
    pub tests_modified: bool,
    /// Tokens sent and received.
    pub prompt_tokens: u64,
    /// Tokens received.
    pub completion_tokens: u64,
    /// The exit status of `chamber run` (chamber mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_exit: Option<i32>,
    /// What the run's events say (chamber mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunTally>,
    /// Why the try produced nothing to judge, or how it ended badly.
    pub error: Option<String>,
}

/// One solver on one exercise.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ModeResult {
    /// The try whose tests passed, if any.
    pub solved_at: Option<u32>,
    /// Wall-clock seconds for the exercise, judging included.
    pub secs: f64,
    /// Every try made.
    pub tries: Vec<TryResult>,
}

/// One exercise under the modes run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ExerciseResult {
    /// The slug.
    pub exercise: String,
    /// `chamber run --yes`.
    pub chamber: Option<ModeResult>,
    /// The model alone.
    pub alone: Option<ModeResult>,
}

/// A mode's totals: solved after each number of tries, seconds per exercise.
pub fn totals<'a>(results: impl Iterator<Item = &'a ModeResult>, tries: u32) -> Value {
    let results: Vec<&ModeResult> = results.collect();
    let n = results.len();
    let secs: Vec<f64> = results.iter().map(|r| r.secs).collect();
    let mut total = json!({
        "exercises": n,
        "solved": results.iter().filter(|r| r.solved_at.is_some()).count(),
        "mean_secs": if n == 0 { 0.0 } else { secs.iter().sum::<f64>() / n as f64 },
        "max_secs": secs.iter().copied().fold(0.0, f64::max),
        "total_secs": secs.iter().sum::<f64>(),
        "prompt_tokens": results.iter().flat_map(|r| &r.tries).map(|t| t.prompt_tokens).sum::<u64>(),
        "completion_tokens": results.iter().flat_map(|r| &r.tries).map(|t| t.completion_tokens).sum::<u64>(),
        "tests_modified": results.iter().flat_map(|r| &r.tries).filter(|t| t.tests_modified).count(),
    });
    for k in 1..=tries {
        let solved = results
            .iter()
            .filter(|r| r.solved_at.is_some_and(|at| at <= k))
            .count();
        total[format!("solved_after_{k}")] = json!(solved);
    }
    total
}

/// Chamber's totals over the model alone's: solved after each number of
/// tries (the harness's efficiency) and mean seconds per exercise.
pub fn ratio(chamber: &Value, alone: &Value, tries: u32) -> Value {
    let div = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) if b > 0.0 => json!(a / b),
        _ => Value::Null,
    };
    let mut out = json!({"time": div(&chamber["mean_secs"], &alone["mean_secs"])});
    for k in 1..=tries {
        let key = format!("solved_after_{k}");
        out[&key] = div(&chamber[&key], &alone[&key]);
    }
    out
}

/// A table cell: the try that solved it (or `no`) and each try's seconds.
fn cell(r: Option<&ModeResult>, paint: &dyn Paint) -> String {
    let Some(r) = r else {
        return format!("{:<22}", "");
    };
    let verdict = match r.solved_at {
        Some(k) => paint.paint(Tone::Good, &format!("try {k}")),
        None => paint.paint(Tone::Bad, "no   "),
    };
    let secs = r
        .tries
        .iter()
        .map(|t| format!("{:.0}s", t.secs))
        .collect::<Vec<_>>()
        .join("+");
    let flag = if r.tries.iter().any(|t| t.tests_modified) {
        " (tests restored)"
    } else {
        ""
    };
    format!("{verdict} {secs:<16}{flag}")
}

/// The table's header.
pub fn header(paint: &dyn Paint) -> String {
    paint.paint(
        Tone::Head,
        &format!("{:<24} {:<22} {:<22}", "exercise", "chamber", "alone"),
    )
}

/// One exercise's row, with the last error of each unsolved mode.
pub fn row(r: &ExerciseResult, paint: &dyn Paint) -> String {
    let mut text = format!(
        "{:<24} {} {}",
        r.exercise,
        cell(r.chamber.as_ref(), paint),
        cell(r.alone.as_ref(), paint)
    );
    for (mode, result) in [("chamber", &r.chamber), ("alone", &r.alone)] {
        let error = result
            .as_ref()
            .filter(|m| m.solved_at.is_none())
            .and_then(|m| m.tries.last())
            .and_then(|t| t.error.as_deref());
        if let Some(e) = error {
            text.push_str(&format!(
                " · {mode}: {}",
                e.chars().take(80).collect::<String>()
            ));
        }
    }
    text
}

/// A mode's totals as one line.
pub fn totals_line(mode: &str, total: &Value, tries: u32) -> String {
    let after = (1..=tries)
        .map(|k| {
            format!(
                "after {k} {} {}/{}",
                if k == 1 { "try" } else { "tries" },
                total[format!("solved_after_{k}")],
                total["exercises"]
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{mode:<8} solved {after} · {:.0}s mean, {:.0}s max per exercise · tokens {} in / {} out",
        total["mean_secs"].as_f64().unwrap_or(0.0),
        total["max_secs"].as_f64().unwrap_or(0.0),
        total["prompt_tokens"],
        total["completion_tokens"],
    )
}

/// The ratio as one line.
pub fn ratio_line(ratio: &Value, tries: u32) -> String {
    let show = |v: &Value| v.as_f64().map_or("n/a".into(), |x| format!("{x:.2}"));
    let after = (1..=tries)
        .map(|k| format!("after {k}: {}", show(&ratio[format!("solved_after_{k}")])))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "efficiency chamber/alone · solved {after} · time ×{}",
        show(&ratio["time"])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(solved_at: Option<u32>, secs: f64) -> ModeResult {
        ModeResult {
            solved_at,
            secs,
            tries: Vec::new(),
        }
    }

    #[test]
    fn totals_count_per_try_and_the_ratio_divides_them() {
        let chamber = [mode(Some(1), 10.0), mode(Some(2), 30.0), mode(None, 20.0)];
        let alone = [mode(Some(1), 2.0), mode(Some(1), 2.0), mode(Some(2), 2.0)];
        let c = totals(chamber.iter(), 2);
        let a = totals(alone.iter(), 2);
        assert_eq!(
            (c["solved_after_1"].as_u64(), c["solved_after_2"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(
            (c["mean_secs"].as_f64(), c["max_secs"].as_f64()),
            (Some(20.0), Some(30.0))
        );
        let r = ratio(&c, &a, 2);
        assert_eq!(r["solved_after_1"].as_f64(), Some(0.5));
        assert!((r["solved_after_2"].as_f64().unwrap_or(0.0) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r["time"].as_f64(), Some(10.0));
        let none = totals([].iter(), 2);
        assert_eq!(ratio(&c, &none, 2)["solved_after_1"], Value::Null);
    }
}
