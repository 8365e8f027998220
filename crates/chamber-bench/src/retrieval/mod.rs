//! `chamber bench retrieval FILE.jsonl --repos DIR`: file retrieval from
//! issue text, scored against the files the real fix changed (Acc@k,
//! recall@k), ours side by side with plain BM25, optionally re-ranked by
//! the configured model (`--llm`).

mod checkout;
mod llm;
mod metrics;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chamber_index::retrieve::{Bm25Run, FileFeatures, bm25_queries, features, rank};
use chamber_index::{Index, IndexOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::process::io_err;
use crate::{BenchError, Paint, Progress, Tone};
use checkout::{Checkout, find_repo, git_dir};
pub use metrics::{KS, Scores};
use metrics::{score, summary};

/// One line of the input file: an issue, where its repository stood, and
/// the files the real fix changed.
#[derive(Debug, Clone, Deserialize)]
pub struct Instance {
    instance_id: String,
    repo: String,
    base_commit: String,
    problem_statement: String,
    gold_files: Vec<String>,
}

/// The outcome of one instance.
#[derive(Debug, Serialize)]
pub struct InstanceResult {
    /// The instance's id.
    pub instance_id: String,
    /// `owner/name`.
    pub repo: String,
    /// The files the real fix changed.
    pub gold_files: Vec<String>,
    /// Chamber's ranking.
    pub ours: Scores,
    /// Plain BM25 over the whole issue text.
    pub bm25: Scores,
    /// Chamber's ranking re-ordered by the model (`--llm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<Scores>,
    /// Our top 5 files with their scores and reasons.
    pub top: Vec<Value>,
    /// Time to check the commit out and update the index.
    pub index_ms: u64,
    /// Time to rank.
    pub rank_ms: u64,
    /// Why the instance could not be scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per-file signal ranks, when asked for.
    #[serde(skip)]
    pub features: Option<Vec<FileFeatures>>,
}

/// The configured model, which re-ranks the top candidates (`--llm`).
pub struct Reranker {
    /// The provider client.
    pub provider: Arc<dyn chamber_llm::Provider>,
    /// The model name.
    pub model: String,
}

/// Every instance's result and the totals.
#[derive(Debug)]
pub struct RetrievalReport {
    /// One per instance, grouped by repository.
    pub results: Vec<InstanceResult>,
    /// Instances, errors, seconds, and Acc@k / recall@k per system.
    pub total: Value,
    /// Whether the model re-ranked too.
    pub llm: bool,
}

/// The instances of the JSONL file at `path` (only the first `limit`).
pub fn read_instances(path: &Path, limit: Option<usize>) -> Result<Vec<Instance>, BenchError> {
    let text =
        std::fs::read_to_string(path).map_err(io_err(format!("cannot read {}", path.display())))?;
    let mut list = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let inst: Instance = serde_json::from_str(line).map_err(|e| BenchError::BadInput {
            message: format!("{}:{}: {e}", path.display(), i + 1),
            hint: Some(
                "each line needs instance_id, repo, base_commit, problem_statement, gold_files",
            ),
        })?;
        list.push(inst);
    }
    if let Some(n) = limit {
        list.truncate(n);
    }
    Ok(list)
}

fn paths_of_hits(hits: &[chamber_index::SearchHit]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in hits {
        if !out.contains(&h.path) {
            out.push(h.path.clone());
        }
    }
    out
}

/// Scores every instance: each repository found under `repos` is checked
/// out at each base commit in turn and indexed incrementally; with `model`
/// the model re-ranks too. Each instance's row goes to `progress`.
pub async fn run(
    mut instances: Vec<Instance>,
    repos: &Path,
    model: Option<Reranker>,
    want_features: bool,
    progress: &dyn Progress,
) -> Result<RetrievalReport, BenchError> {
    instances.sort_by(|a, b| a.repo.cmp(&b.repo));
    let scratch = tempfile::tempdir().map_err(io_err("cannot make a temp dir".into()))?;
    let started = Instant::now();
    let mut results: Vec<InstanceResult> = Vec::new();
    let mut open: Option<(String, Checkout, Index)> = None;
    for inst in &instances {
        if open.as_ref().is_none_or(|(r, _, _)| *r != inst.repo) {
            open = None;
            let Some(found) = find_repo(repos, &inst.repo) else {
                results.push(failed(
                    inst,
                    format!(
                        "repository {} not found under {}",
                        inst.repo,
                        repos.display()
                    ),
                ));
                continue;
            };
            let slug = inst.repo.replace('/', "+");
            let co = Checkout {
                git_dir: git_dir(&found),
                work: scratch.path().join(&slug).join("tree"),
                index_file: scratch.path().join(&slug).join("git-index"),
            };
            if let Err(e) = co.checkout(&inst.base_commit) {
                results.push(failed(inst, e.to_string()));
                continue;
            }
            let index_dir = scratch.path().join(&slug).join("index");
            match Index::open_at(&co.work, &index_dir, IndexOptions::default()).await {
                Ok(index) => open = Some((inst.repo.clone(), co, index)),
                Err(e) => {
                    results.push(failed(inst, e.to_string()));
                    continue;
                }
            }
        }
        let Some((_, co, index)) = open.as_mut() else {
            continue;
        };
        let result = run_instance(inst, co, index, model.as_ref(), want_features).await;
        progress.row(&row(&result, progress));
        results.push(result);
    }
    let llm = model.is_some();
    let total = totals(&results, started.elapsed().as_secs_f64(), llm);
    Ok(RetrievalReport {
        results,
        total,
        llm,
    })
}

impl RetrievalReport {
    /// The JSON report: the totals and every instance.
    pub fn to_json(&self) -> Value {
        json!({"total": self.total, "instances": self.results})
    }

    /// The summary table, one line each: Acc@k and recall@k per system,
    /// then counts and time.
    pub fn table(&self, paint: &dyn Paint) -> Vec<String> {
        table(&self.total, self.llm, paint)
    }

    /// Writes each instance's per-file signal ranks to `path` (JSONL), for
    /// tuning the fusion offline.
    pub fn write_features(&self, path: &Path) -> Result<(), BenchError> {
        let mut text = String::new();
        for r in &self.results {
            let line = json!({"instance_id": r.instance_id, "gold_files": r.gold_files, "files": r.features});
            text.push_str(&line.to_string());
            text.push('\n');
        }
        std::fs::write(path, text).map_err(io_err(format!("cannot write {}", path.display())))
    }
}

fn failed(inst: &Instance, error: String) -> InstanceResult {
    InstanceResult {
        instance_id: inst.instance_id.clone(),
        repo: inst.repo.clone(),
        gold_files: inst.gold_files.clone(),
        ours: score(&[], &inst.gold_files),
        bm25: score(&[], &inst.gold_files),
        llm: None,
        top: Vec::new(),
        index_ms: 0,
        rank_ms: 0,
        error: Some(error),
        features: None,
    }
}

async fn run_instance(
    inst: &Instance,
    co: &Checkout,
    index: &mut Index,
    model: Option<&Reranker>,
    want_features: bool,
) -> InstanceResult {
    let t = Instant::now();
    if let Err(e) = co.checkout(&inst.base_commit) {
        return failed(inst, e.to_string());
    }
    if let Err(e) = index.update(&|_| {}).await {
        return failed(inst, e.to_string());
    }
    let index_ms = t.elapsed().as_millis() as u64;
    let t = Instant::now();
    let snapshot = match index.snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(inst, e.to_string()),
    };
    let mut runs = Vec::new();
    for (label, query) in bm25_queries(&inst.problem_statement) {
        match index.search(&query, 50).await {
            Ok(hits) => runs.push(Bm25Run { label, hits }),
            Err(e) => return failed(inst, e.to_string()),
        }
    }
    let baseline = runs
        .first()
        .map(|r| paths_of_hits(&r.hits))
        .unwrap_or_default();
    let ranked = rank(&inst.problem_statement, &snapshot, &runs);
    let rank_ms = t.elapsed().as_millis() as u64;
    let ours: Vec<String> = ranked.iter().map(|r| r.path.clone()).collect();
    let llm = match model {
        Some(m) => {
            match llm::rerank(
                m.provider.as_ref(),
                &m.model,
                &inst.problem_statement,
                &ranked,
            )
            .await
            {
                Ok(order) => Some(score(&order, &inst.gold_files)),
                Err(e) => return failed(inst, format!("model: {e}")),
            }
        }
        None => None,
    };
    InstanceResult {
        instance_id: inst.instance_id.clone(),
        repo: inst.repo.clone(),
        gold_files: inst.gold_files.clone(),
        ours: score(&ours, &inst.gold_files),
        bm25: score(&baseline, &inst.gold_files),
        llm,
        top: ranked
            .iter()
            .take(5)
            .map(|r| json!({"path": r.path, "score": r.score, "reasons": r.reasons}))
            .collect(),
        index_ms,
        rank_ms,
        error: None,
        features: want_features.then(|| features(&inst.problem_statement, &snapshot, &runs)),
    }
}

fn row(r: &InstanceResult, paint: &dyn Paint) -> String {
    let mark = |s: &Scores| {
        if s.acc[2] {
            paint.paint(Tone::Good, "✓")
        } else {
            paint.paint(Tone::Bad, "✗")
        }
    };
    format!(
        "{} ours {} bm25 {:<40} gold ranks ours {:?} bm25 {:?} · index {} ms{}",
        mark(&r.ours),
        mark(&r.bm25),
        r.instance_id,
        r.ours.gold_ranks,
        r.bm25.gold_ranks,
        r.index_ms,
        r.error
            .as_ref()
            .map(|e| format!(" · {e}"))
            .unwrap_or_default()
    )
}

fn totals(results: &[InstanceResult], secs: f64, llm: bool) -> Value {
    let mut systems = BTreeMap::new();
    let ours: Vec<&Scores> = results.iter().map(|r| &r.ours).collect();
    let bm25: Vec<&Scores> = results.iter().map(|r| &r.bm25).collect();
    let mut add = |name: &str, list: Vec<&Scores>| {
        let (acc, rec) = summary(&list);
        let mut v = json!({});
        for (i, k) in KS.iter().enumerate() {
            v[format!("acc@{k}")] = json!(acc[i]);
            v[format!("recall@{k}")] = json!(rec[i]);
        }
        systems.insert(name.to_string(), v);
    };
    add("ours", ours);
    add("bm25", bm25);
    if llm {
        let with: Vec<&Scores> = results.iter().filter_map(|r| r.llm.as_ref()).collect();
        add("ours+llm", with);
    }
    json!({
        "instances": results.len(),
        "errors": results.iter().filter(|r| r.error.is_some()).count(),
        "seconds": secs,
        "systems": systems,
    })
}

fn table(total: &Value, llm: bool, paint: &dyn Paint) -> Vec<String> {
    let mut lines = vec![paint.paint(
        Tone::Head,
        &format!(
            "{:<10} {:>7} {:>7} {:>7} {:>7}   {:>6} {:>6} {:>6} {:>6}",
            "system", "Acc@1", "Acc@3", "Acc@5", "Acc@10", "R@1", "R@3", "R@5", "R@10"
        ),
    )];
    let mut names = vec!["bm25", "ours"];
    if llm {
        names.push("ours+llm");
    }
    for name in names {
        let s = &total["systems"][name];
        let pct = |key: String| s[key].as_f64().unwrap_or(0.0) * 100.0;
        lines.push(format!(
            "{:<10} {:>6.1}% {:>6.1}% {:>6.1}% {:>6.1}%   {:>5.1}% {:>5.1}% {:>5.1}% {:>5.1}%",
            name,
            pct("acc@1".into()),
            pct("acc@3".into()),
            pct("acc@5".into()),
            pct("acc@10".into()),
            pct("recall@1".into()),
            pct("recall@3".into()),
            pct("recall@5".into()),
            pct("recall@10".into()),
        ));
    }
    lines.push(format!(
        "{} instances · {} errors · {:.1}s",
        total["instances"],
        total["errors"],
        total["seconds"].as_f64().unwrap_or(0.0)
    ));
    lines
}
