//! The repo map: PageRank over the file reference graph, personalised
//! toward what the task mentions, rendered as files with their key symbols'
//! signatures within a token budget.

mod pagerank;
mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use pagerank::{Graph, pagerank};
pub use render::{MapEntry, render_map};

use crate::Snapshot;
use crate::retrieve::is_code_like;

/// What the map leans toward: files and identifiers the task mentions.
#[derive(Debug, Clone, Default)]
pub struct MapFocus {
    /// Repository paths the task mentions (or that retrieval chose), with a
    /// weight each.
    pub files: BTreeMap<String, f64>,
    /// Identifiers the task mentions.
    pub identifiers: BTreeSet<String>,
}

/// A file's place in the map.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRank {
    /// The file.
    pub path: String,
    /// Its PageRank (all files sum to 1).
    pub score: f64,
}

/// How much an edge through identifier `name` counts, Aider-style: long,
/// specific names count more, private and widely defined ones less.
fn name_weight(name: &str, defining_files: usize, focus: &MapFocus) -> f64 {
    let mut w = 1.0;
    if focus.identifiers.contains(name) {
        w *= 10.0;
    }
    if name.len() >= 8 && is_code_like(name) {
        w *= 10.0;
    }
    if name.starts_with('_') {
        w *= 0.1;
    }
    if defining_files > 5 {
        w *= 0.1;
    }
    w / defining_files.max(1) as f64
}

/// The file graph: an edge from a file that references a name to each file
/// defining it, and from an importer to the file its import resolves to.
/// Returns the graph and its node paths (sorted).
pub fn file_graph(snapshot: &Snapshot, focus: &MapFocus) -> (Graph, Vec<String>) {
    let mut paths: Vec<String> = snapshot.files.iter().map(|f| f.path.clone()).collect();
    paths.sort();
    paths.dedup();
    let index: HashMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let mut defines: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for s in &snapshot.symbols {
        if let Some(&i) = index.get(s.path.as_str()) {
            defines.entry(s.name.as_str()).or_default().insert(i);
        }
    }
    // (referencer, name) -> count
    let mut uses: BTreeMap<(usize, &str), u32> = BTreeMap::new();
    for r in &snapshot.references {
        if let Some(&i) = index.get(r.path.as_str())
            && defines.contains_key(r.name.as_str())
        {
            *uses.entry((i, r.name.as_str())).or_default() += 1;
        }
    }
    let mut weights: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for ((from, name), count) in uses {
        let Some(definers) = defines.get(name) else {
            continue;
        };
        let w = name_weight(name, definers.len(), focus) * f64::from(count).sqrt();
        for &to in definers {
            if to != from {
                *weights.entry((from, to)).or_default() += w;
            }
        }
    }
    for imp in &snapshot.imports {
        if let (Some(&from), Some(to)) = (
            index.get(imp.path.as_str()),
            imp.resolved.as_deref().and_then(|r| index.get(r)),
        ) && from != *to
        {
            *weights.entry((from, *to)).or_default() += 1.0;
        }
    }
    let graph = Graph {
        nodes: paths.len(),
        edges: weights.into_iter().map(|((a, b), w)| (a, b, w)).collect(),
    };
    (graph, paths)
}

/// Every file ranked by personalised PageRank, best first (ties by path).
/// The jump distribution favours the focus files and the files defining
/// the focus identifiers (with no focus it is uniform), and with a focus
/// the score is half PageRank, half that distribution.
pub fn rank_files(snapshot: &Snapshot, focus: &MapFocus) -> Vec<FileRank> {
    let (graph, paths) = file_graph(snapshot, focus);
    let mut personal = vec![0.0; paths.len()];
    let index: HashMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    for (path, w) in &focus.files {
        if let Some(&i) = index.get(path.as_str()) {
            personal[i] += w.max(0.0);
        }
    }
    let mut def_files: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for s in &snapshot.symbols {
        if focus.identifiers.contains(&s.name)
            && let Some(&i) = index.get(s.path.as_str())
        {
            def_files.entry(s.name.as_str()).or_default().insert(i);
        }
    }
    for files in def_files.values() {
        for &i in files {
            personal[i] += 1.0 / files.len() as f64;
        }
    }
    let mut scores = pagerank(&graph, &personal);
    // The focus files themselves lead: half the score is the jump
    // distribution itself (PageRank alone hands their mass to what they use).
    let total: f64 = personal.iter().sum();
    if total > 0.0 {
        for (s, p) in scores.iter_mut().zip(&personal) {
            *s = 0.5 * *s + 0.5 * p / total;
        }
    }
    let mut ranked: Vec<FileRank> = paths
        .into_iter()
        .zip(scores)
        .map(|(path, score)| FileRank { path, score })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileEntry, Reference, Symbol};

    pub(crate) fn file(path: &str) -> FileEntry {
        FileEntry {
            path: path.into(),
            lang: Some("python".into()),
            size: 10,
            hash: String::new(),
            mtime_ns: 0,
            is_test: path.contains("test"),
        }
    }
    pub(crate) fn sym(path: &str, name: &str, line: u32) -> Symbol {
        Symbol {
            path: path.into(),
            kind: "function".into(),
            name: name.into(),
            qualified: name.into(),
            start_line: line,
            end_line: line + 2,
            signature: format!("def {name}():"),
        }
    }
    pub(crate) fn reference(path: &str, name: &str) -> Reference {
        Reference {
            path: path.into(),
            name: name.into(),
            line: 1,
            kind: "call".into(),
        }
    }

    fn hub_snapshot() -> Snapshot {
        Snapshot {
            files: ["a.py", "b.py", "c.py", "core.py", "lonely.py"]
                .map(file)
                .to_vec(),
            symbols: vec![
                sym("core.py", "load_config", 1),
                sym("a.py", "alpha", 1),
                sym("lonely.py", "solitary_thing", 1),
            ],
            references: vec![
                reference("a.py", "load_config"),
                reference("b.py", "load_config"),
                reference("c.py", "load_config"),
                reference("b.py", "alpha"),
            ],
            imports: vec![],
        }
    }

    #[test]
    fn the_hub_file_ranks_first() {
        let ranked = rank_files(&hub_snapshot(), &MapFocus::default());
        assert_eq!(ranked[0].path, "core.py", "{ranked:?}");
    }

    #[test]
    fn focus_moves_the_ranking() {
        let mut focus = MapFocus::default();
        focus.identifiers.insert("solitary_thing".into());
        let ranked = rank_files(&hub_snapshot(), &focus);
        assert_eq!(ranked[0].path, "lonely.py", "{ranked:?}");
        let mut focus = MapFocus::default();
        focus.files.insert("b.py".into(), 1.0);
        let ranked = rank_files(&hub_snapshot(), &focus);
        let pos = |p: &str| ranked.iter().position(|r| r.path == p);
        // b.py references alpha (a.py): a.py rises above c.py.
        assert!(pos("a.py") < pos("c.py"), "{ranked:?}");
    }

    #[test]
    fn ranking_is_deterministic() {
        let a = rank_files(&hub_snapshot(), &MapFocus::default());
        let b = rank_files(&hub_snapshot(), &MapFocus::default());
        assert_eq!(a, b);
    }
}
