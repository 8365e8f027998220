//! `chamber bench edits`: how reliably edits are applied. Real source files
//! (Rust crates from the cargo registry, the Python standard library) get
//! real-looking changes, and real hunks come from this repository's git
//! history; each change is rendered in every patch format, clean and with
//! the mistakes models make, then applied in a fresh directory by Chamber's
//! edit engine and, for unified diffs, by `git apply` and GNU `patch`.
//! Each result is correct, wrong (written somewhere or somehow else) or
//! rejected.

mod appliers;
mod bodies;
mod corpus;
mod diff;
mod history;
mod kinds;
mod mutate;
mod perturb;
mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fastrand::Rng;
use serde_json::{Value, json};

use crate::process::io_err;
use crate::{BenchError, Paint, Progress, Tone};

use appliers::{Outcome, Peer, Trial};
use corpus::Edit;
use kinds::{Format, Perturbation};
use perturb::Case;
use report::{CHAMBER, Record};

/// Options of `chamber bench edits`.
#[derive(Debug, Clone)]
pub struct EditsOptions {
    /// Files (or history hunks) taken from each source.
    pub files: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// The repository whose history gives real hunks.
    pub repo: PathBuf,
}

/// The benchmark's outcome: the JSON report and the tables for people.
#[derive(Debug)]
pub struct EditsReport {
    /// Corpus, appliers, results, totals, Chamber's failures and every case.
    pub report: Value,
    /// The tables, the summary and the first failures, one line each.
    pub lines: Vec<String>,
}

/// Builds the corpus and applies every case, off the async threads; each
/// edit is announced to `progress` as it starts.
pub async fn run(
    options: EditsOptions,
    progress: Arc<dyn Progress>,
) -> Result<EditsReport, BenchError> {
    tokio::task::spawn_blocking(move || run_blocking(&options, progress.as_ref()))
        .await
        .map_err(|e| BenchError::Stopped(e.to_string()))?
}

/// Mixes the seed with the edit and perturbation, so that each case's
/// choices do not depend on which other cases ran.
fn case_seed(seed: u64, edit: usize, p: Perturbation) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((edit as u64) << 8)
        .wrapping_add(p as u64)
}

fn run_blocking(args: &EditsOptions, progress: &dyn Progress) -> Result<EditsReport, BenchError> {
    let mut notes = Vec::new();
    let mut edits = corpus::rust_crates(args.files, &mut Rng::with_seed(args.seed), &mut notes);
    edits.extend(corpus::python_stdlib(
        args.files,
        &mut Rng::with_seed(args.seed ^ 0x5),
        &mut notes,
    ));
    edits.extend(history::git_history(
        &args.repo,
        args.files,
        &mut Rng::with_seed(args.seed ^ 0x7),
        &mut notes,
    ));
    if edits.is_empty() {
        return Err(BenchError::NoCorpus {
            notes: notes.join("; "),
        });
    }
    let peers: Vec<Peer> = Peer::ALL.into_iter().filter(|p| p.available()).collect();
    for p in Peer::ALL.iter().filter(|p| !peers.contains(p)) {
        notes.push(format!("{} is not installed here; left out", p.name()));
    }
    let mut appliers = vec![CHAMBER];
    appliers.extend(peers.iter().map(|p| p.name()));
    let tmp = tempfile::Builder::new()
        .prefix("chamber-bench-edits-")
        .tempdir()
        .map_err(io_err("cannot make a temp dir".into()))?;
    let mut records = Vec::new();
    let mut bytes: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut counter = 0usize;
    for (i, edit) in edits.iter().enumerate() {
        progress.begin(&format!(
            "{}/{} {} {}",
            i + 1,
            edits.len(),
            edit.source.name(),
            edit.path
        ));
        for format in Format::ALL {
            for p in Perturbation::ALL {
                let mut rng = Rng::with_seed(case_seed(args.seed, i, p));
                let Some(case) = perturb::build(edit, format, p, &mut rng) else {
                    continue;
                };
                if p == Perturbation::Clean {
                    bytes
                        .entry(format.name())
                        .or_default()
                        .push(case.patch.len());
                }
                let mut trial = |apply: &dyn Fn(&Path, &Case) -> Trial| {
                    counter += 1;
                    let dir = tmp.path().join(format!("c{counter}"));
                    let trial = match std::fs::create_dir(&dir)
                        .and_then(|()| appliers::prepare(&dir, &case))
                    {
                        Ok(()) => apply(&dir, &case),
                        Err(e) => {
                            return Err(io_err(format!("cannot set up {}", dir.display()))(e));
                        }
                    };
                    let _ = std::fs::remove_dir_all(&dir);
                    Ok(trial)
                };
                let t = trial(&appliers::chamber)?;
                let record = Record::new(i, CHAMBER, format, p, case.ambiguous, t);
                if !acceptable(&record) {
                    failures.push(failure(edit, &record, &case));
                }
                records.push(record);
                if format == Format::UnifiedDiff {
                    for peer in &peers {
                        let t = trial(&|dir: &Path, case: &Case| appliers::peer(dir, case, *peer))?;
                        records.push(Record::new(i, peer.name(), format, p, case.ambiguous, t));
                    }
                }
            }
        }
    }
    let (results, totals) = report::results(&records, &appliers);
    let mut lines = report::tables(&records, &appliers);
    lines.push(String::new());
    lines.push(summary(&records, &failures, &notes, progress));
    for f in failures.iter().take(12) {
        lines.push(format!(
            "  {} {} {} {}: {}",
            f["format"].as_str().unwrap_or_default(),
            f["perturbation"].as_str().unwrap_or_default(),
            f["origin"].as_str().unwrap_or_default(),
            f["outcome"].as_str().unwrap_or_default(),
            f["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        ));
    }
    let patch_bytes: BTreeMap<&str, f64> = bytes
        .iter()
        .map(|(k, v)| {
            (
                *k,
                (v.iter().sum::<usize>() as f64 / v.len().max(1) as f64).round(),
            )
        })
        .collect();
    let report = json!({
        "seed": args.seed,
        "files_per_source": args.files,
        "corpus": corpus_json(&edits, &notes),
        "appliers": appliers,
        "formats": Format::ALL.map(Format::name),
        "perturbations": Perturbation::ALL.map(Perturbation::name),
        "results": results,
        "totals": totals,
        "mean_patch_bytes": patch_bytes,
        "chamber_failures": failures,
        "cases": records,
    });
    Ok(EditsReport { report, lines })
}

/// A case Chamber got wrong, with the patch text (cut at 4000 characters)
/// so it can be reproduced.
fn failure(edit: &Edit, r: &Record, case: &Case) -> Value {
    json!({"edit": r.edit, "path": edit.path, "origin": edit.origin, "kind": edit.kind,
           "format": r.format, "perturbation": r.perturbation, "outcome": r.outcome,
           "whitespace_only": r.whitespace_only, "message": r.message,
           "patch": case.patch.chars().take(4000).collect::<String>()})
}

/// Correct, or refused where refusing is right (the lines occur twice).
fn acceptable(r: &Record) -> bool {
    r.outcome == Outcome::Correct || (r.outcome == Outcome::Rejected && r.ambiguous)
}

fn summary(records: &[Record], failures: &[Value], notes: &[String], paint: &dyn Paint) -> String {
    let mine: Vec<&Record> = records.iter().filter(|r| r.applier == CHAMBER).collect();
    let t = report::Tally::of(mine.iter().copied());
    let head = format!(
        "chamber: {}/{} applied correctly ({:.1}%), {} acceptable ({:.1}%), {} wrong place, {} rejected ({} with a useful message), {} failures",
        t.correct,
        t.cases,
        t.correct_pct,
        t.acceptable,
        t.acceptable_pct,
        t.wrong_place,
        t.rejected,
        t.rejected_useful,
        failures.len()
    );
    let tone = if t.wrong_place == 0 {
        Tone::Good
    } else {
        Tone::Bad
    };
    let mut text = paint.paint(tone, &head);
    for note in notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    text
}

fn corpus_json(edits: &[Edit], notes: &[String]) -> Value {
    let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for e in edits {
        *by_source.entry(e.source.name()).or_default() += 1;
        *by_kind.entry(e.kind.as_str()).or_default() += 1;
    }
    let list: Vec<Value> = edits
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"edit": i, "source": e.source, "path": e.path, "origin": e.origin,
                   "kind": e.kind, "bytes": e.before.len(), "lines": e.before.lines().count()})
        })
        .collect();
    json!({"edits": edits.len(), "by_source": by_source, "by_kind": by_kind, "notes": notes, "list": list})
}
