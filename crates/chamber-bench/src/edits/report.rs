//! Tallies of the trials per applier, format and perturbation, as tables
//! for people and as JSON.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::appliers::{Outcome, Trial};
use super::kinds::{Format, Perturbation};

/// The applier that is measured; peers follow it in the tables.
pub const CHAMBER: &str = "chamber";

/// One trial, as kept for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Index of the edit in the corpus.
    pub edit: usize,
    /// Who applied it.
    pub applier: &'static str,
    /// The patch format.
    pub format: &'static str,
    /// The perturbation.
    pub perturbation: &'static str,
    /// What came of it.
    pub outcome: Outcome,
    /// For a refusal: whether the message points at a place.
    pub useful: bool,
    /// For a wrong result: whether only whitespace differs.
    pub whitespace_only: bool,
    /// Whether the lines to replace occur more than once in the file.
    pub ambiguous: bool,
    /// Time to apply, in microseconds.
    pub micros: f64,
    /// Of that, the time to plan in memory (Chamber only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_us: Option<f64>,
    /// The error message (trimmed), when not correct.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Record {
    /// The record of `trial`.
    pub fn new(
        edit: usize,
        applier: &'static str,
        format: Format,
        perturbation: Perturbation,
        ambiguous: bool,
        trial: Trial,
    ) -> Record {
        let message = match trial.outcome {
            Outcome::Correct => None,
            _ => Some(
                trial
                    .message
                    .unwrap_or_else(|| "applied, but the file differs from the expected one".into())
                    .chars()
                    .take(600)
                    .collect(),
            ),
        };
        Record {
            edit,
            applier,
            format: format.name(),
            perturbation: perturbation.name(),
            outcome: trial.outcome,
            useful: trial.useful,
            whitespace_only: trial.whitespace_only,
            ambiguous,
            micros: (trial.micros * 10.0).round() / 10.0,
            plan_us: trial.plan_micros.map(|m| (m * 10.0).round() / 10.0),
            message,
        }
    }
}

/// Tallies of a group of records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Cases tried.
    pub cases: usize,
    /// Applied, file as expected.
    pub correct: usize,
    /// Correct, or refused where the lines to replace occur several times.
    pub acceptable: usize,
    /// Written, file not as expected.
    pub wrong_place: usize,
    /// Of those, differing only in whitespace.
    pub wrong_whitespace_only: usize,
    /// Refused.
    pub rejected: usize,
    /// Refused with a message that points at a place.
    pub rejected_useful: usize,
    /// Refused where the lines to replace occur several times.
    pub rejected_ambiguous: usize,
    /// Share applied correctly, in percent.
    pub correct_pct: f64,
    /// Share acceptable, in percent.
    pub acceptable_pct: f64,
    /// Mean time per edit, microseconds.
    pub mean_us: f64,
    /// Median time per edit, microseconds.
    pub median_us: f64,
    /// Median time to plan in memory, microseconds (Chamber only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_median_us: Option<f64>,
}

impl Tally {
    /// The tally of `records`.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a Record>) -> Tally {
        let mut t = Tally::default();
        let mut times = Vec::new();
        let mut plans = Vec::new();
        for r in records {
            t.cases += 1;
            times.push(r.micros);
            plans.extend(r.plan_us);
            match r.outcome {
                Outcome::Correct => t.correct += 1,
                Outcome::WrongPlace => {
                    t.wrong_place += 1;
                    t.wrong_whitespace_only += usize::from(r.whitespace_only);
                }
                Outcome::Rejected => {
                    t.rejected += 1;
                    t.rejected_useful += usize::from(r.useful);
                    t.rejected_ambiguous += usize::from(r.ambiguous);
                }
            }
        }
        t.acceptable = t.correct + t.rejected_ambiguous;
        let pct = |n: usize| {
            if t.cases == 0 {
                0.0
            } else {
                (n as f64 * 1000.0 / t.cases as f64).round() / 10.0
            }
        };
        t.correct_pct = pct(t.correct);
        t.acceptable_pct = pct(t.acceptable);
        times.sort_by(f64::total_cmp);
        if !times.is_empty() {
            t.mean_us = (times.iter().sum::<f64>() / times.len() as f64).round();
            t.median_us = times[times.len() / 2].round();
        }
        plans.sort_by(f64::total_cmp);
        t.plan_median_us = plans.get(plans.len() / 2).map(|m| m.round());
        t
    }
}

/// The per-(applier, format, perturbation) results and the totals, as
/// JSON rows.
pub fn results(records: &[Record], appliers: &[&'static str]) -> (Vec<Value>, Vec<Value>) {
    let mut groups: BTreeMap<(usize, Format, Perturbation), Vec<&Record>> = BTreeMap::new();
    for r in records {
        let (Some(a), Some(f), Some(p)) = (
            appliers.iter().position(|n| *n == r.applier),
            Format::ALL.into_iter().find(|f| f.name() == r.format),
            Perturbation::ALL
                .into_iter()
                .find(|p| p.name() == r.perturbation),
        ) else {
            continue;
        };
        groups.entry((a, f, p)).or_default().push(r);
    }
    let rows = groups
        .iter()
        .map(|((a, f, p), rs)| {
            row(
                appliers[*a],
                f.name(),
                p.name(),
                &Tally::of(rs.iter().copied()),
            )
        })
        .collect();
    let mut totals = Vec::new();
    for applier in appliers {
        for format in Format::ALL {
            let mine = records
                .iter()
                .filter(|r| r.applier == *applier && r.format == format.name());
            let tally = Tally::of(mine);
            if tally.cases > 0 {
                totals.push(row(applier, format.name(), "all", &tally));
            }
        }
        let all = Tally::of(records.iter().filter(|r| r.applier == *applier));
        totals.push(row(applier, "all", "all", &all));
    }
    (rows, totals)
}

fn row(applier: &str, format: &str, perturbation: &str, tally: &Tally) -> Value {
    let mut v = json!({"applier": applier, "format": format, "perturbation": perturbation});
    if let (Some(obj), Ok(Value::Object(t))) = (v.as_object_mut(), serde_json::to_value(tally)) {
        obj.extend(t);
    }
    v
}

/// The human tables: Chamber per format and perturbation, then the
/// unified diffs with the peers side by side, then totals.
pub fn tables(records: &[Record], appliers: &[&'static str]) -> Vec<String> {
    let mut out = vec![header("format", "perturbation")];
    for format in Format::ALL {
        for p in Perturbation::ALL {
            let t = Tally::of(records.iter().filter(|r| {
                r.applier == CHAMBER && r.format == format.name() && r.perturbation == p.name()
            }));
            if t.cases > 0 {
                out.push(line(format.name(), p.name(), &t));
            }
        }
    }
    out.push(String::new());
    out.push("unified diffs, same patches: correct % (wrong-place count)".into());
    let mut head = format!("{:<16}", "perturbation");
    for a in appliers {
        head.push_str(&format!(" {a:>24}"));
    }
    out.push(head);
    for p in Perturbation::ALL {
        if let Some(cells) = unified_cells(records, appliers, Some(p)) {
            out.push(format!("{:<16}{cells}", p.name()));
        }
    }
    if let Some(cells) = unified_cells(records, appliers, None) {
        out.push(format!("{:<16}{cells}", "all"));
    }
    out.push(String::new());
    out.push(header("totals", "format"));
    for a in appliers {
        for format in Format::ALL.map(Some).into_iter().chain([None]) {
            let t = Tally::of(
                records
                    .iter()
                    .filter(|r| r.applier == *a && format.is_none_or(|f| r.format == f.name())),
            );
            if t.cases == 0 || (format.is_none() && *a != CHAMBER) {
                continue;
            }
            out.push(line(a, format.map_or("all", Format::name), &t));
        }
    }
    out
}

fn header(first: &str, second: &str) -> String {
    format!(
        "{first:<24} {second:<16} {:>5} {:>8} {:>8} {:>6} {:>13} {:>8} {:>8} {:>8}",
        "cases", "correct", "accept", "wrong", "rejected(use)", "mean µs", "med µs", "plan µs"
    )
}

fn line(first: &str, second: &str, t: &Tally) -> String {
    format!(
        "{first:<24} {second:<16} {:>5} {:>7.1}% {:>7.1}% {:>6} {:>13} {:>8.0} {:>8.0} {:>8}",
        t.cases,
        t.correct_pct,
        t.acceptable_pct,
        t.wrong_place,
        format!("{}({})", t.rejected, t.rejected_useful),
        t.mean_us,
        t.median_us,
        t.plan_median_us
            .map_or_else(|| "-".to_owned(), |m| m.to_string())
    )
}

fn unified_cells(
    records: &[Record],
    appliers: &[&'static str],
    p: Option<Perturbation>,
) -> Option<String> {
    let mut cells = String::new();
    let mut any = false;
    for a in appliers {
        let t = Tally::of(records.iter().filter(|r| {
            r.applier == *a
                && r.format == Format::UnifiedDiff.name()
                && p.is_none_or(|p| r.perturbation == p.name())
        }));
        any |= t.cases > 0;
        cells.push_str(&format!(
            " {:>24}",
            format!("{:.1}% ({})", t.correct_pct, t.wrong_place)
        ));
    }
    any.then_some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(applier: &'static str, outcome: Outcome, micros: f64) -> Record {
        Record {
            edit: 0,
            applier,
            format: "unified_diff",
            perturbation: "clean",
            outcome,
            useful: true,
            whitespace_only: false,
            ambiguous: outcome == Outcome::Rejected,
            micros,
            plan_us: None,
            message: None,
        }
    }

    #[test]
    fn tallies_and_rows() {
        let rs = [
            record(CHAMBER, Outcome::Correct, 10.0),
            record(CHAMBER, Outcome::Rejected, 30.0),
            record("patch -p1", Outcome::WrongPlace, 5.0),
        ];
        let t = Tally::of(&rs[..2]);
        assert_eq!((t.correct, t.rejected, t.acceptable), (1, 1, 2));
        assert_eq!(
            (t.mean_us, t.median_us, t.acceptable_pct),
            (20.0, 30.0, 100.0)
        );
        let (rows, totals) = results(&rs, &[CHAMBER, "patch -p1"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["wrong_place"], 1);
        assert!(
            totals
                .iter()
                .any(|t| t["applier"] == CHAMBER && t["format"] == "all")
        );
        assert!(tables(&rs, &[CHAMBER, "patch -p1"]).len() > 4);
    }
}
