//! Retrieval: which files an issue text is about, from the text alone (no
//! model). Several signals — named paths and stack frames, module paths,
//! symbol definitions, path words, BM25 runs and a PageRank prior — are
//! fused by weighted reciprocal rank; test and non-code files are demoted.
//! Every ranked file carries the reasons it was chosen.

mod extract;
mod signals;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use extract::{TaskTerms, extract, is_code_like, is_stop_word};
use signals::Signal;

use crate::map::{MapFocus, rank_files};
use crate::{SearchHit, Snapshot};

/// A file retrieval chose, with why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankedFile {
    /// The file.
    pub path: String,
    /// Fused score (higher is better; only the order means anything).
    pub score: f64,
    /// Human-readable reasons, strongest first.
    pub reasons: Vec<String>,
}

/// One BM25 result list fed into the fusion.
#[derive(Debug, Clone)]
pub struct Bm25Run {
    /// What the query was (`whole text`, `identifiers`).
    pub label: String,
    /// Its hits, best first.
    pub hits: Vec<SearchHit>,
}

/// How much each signal counts in the fusion.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Reciprocal-rank constant.
    pub k: f64,
    /// Paths named in the text and stack frames.
    pub paths: f64,
    /// Dotted module paths.
    pub modules: f64,
    /// Symbol definitions of named identifiers.
    pub definitions: f64,
    /// Path components equal to words of the text.
    pub path_words: f64,
    /// BM25 on the whole text.
    pub bm25_whole: f64,
    /// BM25 on the identifiers and paths alone.
    pub bm25_identifiers: f64,
    /// BM25 on the title (first line).
    pub bm25_title: f64,
    /// BM25 on the prose (code blocks and tracebacks left out).
    pub bm25_prose: f64,
    /// Each BM25 run's score over its best score, added with this weight.
    pub bm25_norm: f64,
    /// The personalised PageRank prior.
    pub pagerank: f64,
    /// Multiplier for test files.
    pub test_factor: f64,
    /// Multiplier for files that are not source code.
    pub non_code_factor: f64,
    /// Multiplier for vendored and static files (`vendor/`, `extern/`,
    /// `static/`, `third_party/`, `node_modules/`, `*.min.js`).
    pub vendor_factor: f64,
}

impl Default for Weights {
    /// Tuned on the retrieval dev set (`docs/benchmarks.md`), rounded.
    fn default() -> Self {
        Self {
            k: 5.0,
            paths: 5.0,
            modules: 0.25,
            definitions: 0.5,
            path_words: 0.7,
            bm25_whole: 0.5,
            bm25_identifiers: 2.0,
            bm25_title: 2.0,
            bm25_prose: 1.0,
            bm25_norm: 0.0,
            pagerank: 0.4,
            test_factor: 0.15,
            non_code_factor: 0.2,
            vendor_factor: 0.1,
        }
    }
}

/// The BM25 queries for a task: its whole text; its identifiers alone
/// (which keeps code names from drowning in prose); its title (first
/// line); its prose without code blocks and tracebacks. Returns `(label,
/// query)` pairs; empty or repeated queries are left out.
pub fn bm25_queries(task: &str) -> Vec<(String, String)> {
    let terms = extract(task);
    let mut out = vec![("whole text".to_string(), task.to_string())];
    let mut idents: Vec<&str> = terms.identifiers.iter().map(String::as_str).collect();
    idents.extend(terms.paths.iter().map(String::as_str));
    if !idents.is_empty() {
        out.push(("identifiers".to_string(), idents.join(" ")));
    }
    let title = task
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if !title.is_empty() && title != task.trim() {
        out.push(("title".to_string(), title.to_string()));
    }
    let mut prose = String::new();
    let mut in_code = false;
    for line in task.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || t.starts_with("File \"") || t.starts_with(">>>") || t.starts_with("Traceback")
        {
            continue;
        }
        prose.push_str(line);
        prose.push('\n');
    }
    if !prose.trim().is_empty() && prose.trim() != task.trim() {
        out.push(("prose".to_string(), prose));
    }
    out
}

/// Whether `path` is vendored or static (not the project's own code).
pub fn looks_vendored(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".min.js")
        || lower.split('/').rev().skip(1).any(|d| {
            matches!(
                d,
                "vendor"
                    | "vendored"
                    | "_vendor"
                    | "extern"
                    | "external"
                    | "third_party"
                    | "thirdparty"
                    | "node_modules"
                    | "static"
                    | "dist"
            )
        })
}

/// Whether `path` is a test file by name or directory (`tests/`,
/// `test_x.py`, `x_test.go`, `x.test.ts`, `conftest.py`).
pub fn looks_like_test(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let dirs: Vec<&str> = lower.split('/').collect();
    let dir_hit = dirs[..dirs.len().saturating_sub(1)].iter().any(|d| {
        matches!(
            *d,
            "test" | "tests" | "testing" | "__tests__" | "spec" | "specs"
        )
    });
    dir_hit
        || name.starts_with("test_")
        || name == "conftest.py"
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.starts_with("tests.")
}

/// Whether `path` has a source-code extension.
pub fn is_source(path: &str) -> bool {
    const EXTS: &[&str] = &[
        "py", "pyi", "pyx", "rs", "go", "ts", "tsx", "js", "jsx", "mjs", "cjs", "c", "h", "cc",
        "cpp", "hpp", "java", "kt", "rb", "php", "cs", "swift", "scala",
    ];
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTS.contains(&ext.to_ascii_lowercase().as_str()))
}

type Reasons = BTreeMap<String, Vec<(f64, String)>>;

fn contribute(
    score: &mut BTreeMap<String, f64>,
    reasons: &mut Reasons,
    path: &str,
    s: f64,
    why: Option<String>,
) {
    if let Some(v) = score.get_mut(path) {
        *v += s;
        if let Some(why) = why {
            reasons.entry(path.to_string()).or_default().push((s, why));
        }
    }
}

fn ranks_of(signal: &Signal) -> Vec<(&str, usize, &[String])> {
    let mut items: Vec<(&str, f64, &[String])> = signal
        .iter()
        .map(|(p, (s, r))| (p.as_str(), *s, r.as_slice()))
        .collect();
    items.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    items
        .into_iter()
        .enumerate()
        .map(|(i, (p, _, r))| (p, i + 1, r))
        .collect()
}

/// Ranks every file of `snapshot` for `task` with default weights.
pub fn rank(task: &str, snapshot: &Snapshot, bm25: &[Bm25Run]) -> Vec<RankedFile> {
    rank_with(task, snapshot, bm25, &Weights::default())
}

/// One signal's ranked findings: `(path, rank, raw score, reasons)`.
type Ranked<'a> = Vec<(String, usize, f64, Vec<String>)>;

/// Every signal but the PageRank prior, by label, with its weight.
fn gather<'a>(
    terms: &TaskTerms,
    snapshot: &'a Snapshot,
    bm25: &[Bm25Run],
    w: &Weights,
) -> Vec<(String, f64, Ranked<'a>)> {
    let files: Vec<String> = snapshot.files.iter().map(|f| f.path.clone()).collect();
    let mut defined: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for s in &snapshot.symbols {
        defined
            .entry(s.name.as_str())
            .or_default()
            .insert(s.path.as_str());
    }
    let lists: Vec<(&str, f64, Signal)> = vec![
        ("paths", w.paths, signals::paths(terms, &files)),
        (
            "modules",
            w.modules,
            signals::modules(terms, &files, &defined),
        ),
        (
            "definitions",
            w.definitions,
            signals::definitions(terms, snapshot, files.len()),
        ),
        (
            "path_words",
            w.path_words,
            signals::path_words(terms, &files),
        ),
    ];
    let mut out = Vec::new();
    for (label, weight, signal) in lists {
        let ranked = ranks_of(&signal)
            .into_iter()
            .map(|(p, r, why)| {
                (
                    p.to_string(),
                    r,
                    signal.get(p).map_or(0.0, |v| v.0),
                    why.to_vec(),
                )
            })
            .collect();
        out.push((label.to_string(), weight, ranked));
    }
    for run in bm25 {
        let mut seen = BTreeSet::new();
        let mut ranked = Vec::new();
        for hit in &run.hits {
            if !seen.insert(hit.path.as_str()) {
                continue;
            }
            let rank = seen.len();
            let why = if rank <= 10 {
                vec![format!("BM25 rank {rank} ({})", run.label)]
            } else {
                Vec::new()
            };
            ranked.push((hit.path.clone(), rank, f64::from(hit.score), why));
        }
        let weight = match run.label.as_str() {
            "whole text" => w.bm25_whole,
            "identifiers" => w.bm25_identifiers,
            "title" => w.bm25_title,
            "prose" => w.bm25_prose,
            _ => w.bm25_whole,
        };
        out.push((format!("bm25 {}", run.label), weight, ranked));
    }
    out
}

/// The PageRank prior personalised toward the best files of `score`.
fn prior(
    terms: &TaskTerms,
    snapshot: &Snapshot,
    score: &BTreeMap<String, f64>,
) -> Vec<crate::map::FileRank> {
    let mut focus = MapFocus {
        identifiers: terms.identifiers.iter().cloned().collect(),
        ..MapFocus::default()
    };
    let mut seeded: Vec<(&String, &f64)> = score.iter().filter(|(_, s)| **s > 0.0).collect();
    seeded.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    for (p, s) in seeded.into_iter().take(20) {
        focus.files.insert(p.clone(), *s);
    }
    rank_files(snapshot, &focus)
}

/// What retrieval knows about one file, for tuning the fusion offline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileFeatures {
    /// The file.
    pub path: String,
    /// A test file by its path.
    pub test: bool,
    /// A source file by its extension.
    pub source: bool,
    /// Vendored or static by its path.
    pub vendored: bool,
    /// Rank of the file in each signal that found it (`pagerank` included).
    pub ranks: BTreeMap<String, usize>,
    /// Raw score in each signal that found it.
    pub scores: BTreeMap<String, f64>,
}

/// The per-signal ranks of every file some signal found (and the top 50 of
/// the PageRank prior), with default weights seeding the prior.
pub fn features(task: &str, snapshot: &Snapshot, bm25: &[Bm25Run]) -> Vec<FileFeatures> {
    let w = Weights::default();
    let terms = extract(task);
    let mut by_file: BTreeMap<String, FileFeatures> = BTreeMap::new();
    let mut score: BTreeMap<String, f64> = snapshot
        .files
        .iter()
        .map(|f| (f.path.clone(), 0.0))
        .collect();
    let entry = |path: &str| -> FileFeatures {
        FileFeatures {
            path: path.to_string(),
            test: looks_like_test(path),
            source: is_source(path),
            vendored: looks_vendored(path),
            ranks: BTreeMap::new(),
            scores: BTreeMap::new(),
        }
    };
    for (label, weight, list) in gather(&terms, snapshot, bm25, &w) {
        for (path, rank, raw, _) in list {
            if let Some(v) = score.get_mut(&path) {
                *v += weight / (w.k + rank as f64);
            }
            let f = by_file.entry(path.clone()).or_insert_with(|| entry(&path));
            f.ranks.insert(label.clone(), rank);
            f.scores.insert(label.clone(), raw);
        }
    }
    for (i, fr) in prior(&terms, snapshot, &score).into_iter().enumerate() {
        if i >= 50 && !by_file.contains_key(&fr.path) {
            continue;
        }
        let f = by_file
            .entry(fr.path.clone())
            .or_insert_with(|| entry(&fr.path));
        f.ranks.insert("pagerank".into(), i + 1);
        f.scores.insert("pagerank".into(), fr.score);
    }
    by_file.into_values().collect()
}

/// Ranks every file of `snapshot` for `task`, best first (ties by path).
pub fn rank_with(
    task: &str,
    snapshot: &Snapshot,
    bm25: &[Bm25Run],
    w: &Weights,
) -> Vec<RankedFile> {
    let terms = extract(task);
    let mut score: BTreeMap<String, f64> = snapshot
        .files
        .iter()
        .map(|f| (f.path.clone(), 0.0))
        .collect();
    let mut reasons: Reasons = BTreeMap::new();
    for (label, weight, list) in gather(&terms, snapshot, bm25, w) {
        let norm = if label.starts_with("bm25") {
            w.bm25_norm
        } else {
            0.0
        };
        let best = list.iter().map(|x| x.2).fold(0.0f64, f64::max);
        for (path, rank, raw, why) in list {
            let mut s = weight / (w.k + rank as f64);
            if best > 0.0 {
                s += norm * raw / best;
            }
            if why.is_empty() {
                contribute(&mut score, &mut reasons, &path, s, None);
            }
            for r in &why {
                contribute(
                    &mut score,
                    &mut reasons,
                    &path,
                    s / why.len() as f64,
                    Some(r.clone()),
                );
            }
        }
    }
    for (i, fr) in prior(&terms, snapshot, &score).iter().enumerate() {
        let why = (i < 5).then(|| format!("PageRank rank {} around the task", i + 1));
        contribute(
            &mut score,
            &mut reasons,
            &fr.path,
            w.pagerank / (w.k + (i + 1) as f64),
            why,
        );
    }
    let mut ranked: Vec<RankedFile> = score
        .into_iter()
        .map(|(path, mut s)| {
            let mut why: Vec<(f64, String)> = reasons.remove(&path).unwrap_or_default();
            if looks_like_test(&path) {
                s *= w.test_factor;
                why.push((0.0, "a test file (demoted)".into()));
            } else if !is_source(&path) {
                s *= w.non_code_factor;
                why.push((0.0, "not source code (demoted)".into()));
            }
            if looks_vendored(&path) {
                s *= w.vendor_factor;
                why.push((0.0, "vendored or static (demoted)".into()));
            }
            why.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut reasons: Vec<String> = Vec::new();
            for (_, r) in why {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
            RankedFile {
                path,
                score: s,
                reasons,
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.path.cmp(&b.path)));
    ranked
}

#[cfg(test)]
mod tests;
