//! The separate signals retrieval fuses: explicit paths and stack frames,
//! module paths, symbol definitions, file-name words. Each maps a file to
//! a score and a reason.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::extract::{TaskTerms, is_code_like, is_stop_word};
use crate::Snapshot;

/// One signal's findings: file → (score, reasons).
pub type Signal = BTreeMap<String, (f64, Vec<String>)>;

fn add(signal: &mut Signal, path: &str, score: f64, reason: String) {
    let entry = signal.entry(path.to_string()).or_default();
    entry.0 += score;
    if entry.1.len() < 4 && !entry.1.contains(&reason) {
        entry.1.push(reason);
    }
}

/// The repository file a mentioned path means: equal, the mention ends
/// with the file path (absolute frames, site-packages), or the file path
/// ends with the mention (a partial path).
fn match_path<'a>(files: &'a [String], mention: &str) -> Vec<&'a str> {
    let mention = mention.trim_start_matches("./");
    let mut exact = Vec::new();
    let mut fuzzy = Vec::new();
    for f in files {
        if f == mention {
            exact.push(f.as_str());
        } else if mention.ends_with(&format!("/{f}"))
            || (mention.contains('/') && f.ends_with(&format!("/{mention}")))
        {
            fuzzy.push(f.as_str());
        }
    }
    if !exact.is_empty() {
        return exact;
    }
    // A frame path like /x/site-packages/pkg/mod.py matches pkg/mod.py but
    // also any deeper suffix; the longest file path wins.
    let longest = fuzzy.iter().map(|f| f.len()).max().unwrap_or(0);
    fuzzy.retain(|f| f.len() == longest);
    if fuzzy.len() > 3 { Vec::new() } else { fuzzy }
}

/// Files the task names by path or whose frames appear in a traceback.
pub fn paths(terms: &TaskTerms, files: &[String]) -> Signal {
    let mut signal = Signal::new();
    for p in &terms.paths {
        for f in match_path(files, p) {
            add(&mut signal, f, 1.0, format!("the task names `{p}`"));
        }
    }
    let n = terms.frames.len();
    for (i, (p, line)) in terms.frames.iter().enumerate() {
        for f in match_path(files, p) {
            // Later frames are closer to the failure.
            let w = 0.6 + 0.4 * (i + 1) as f64 / n as f64;
            add(
                &mut signal,
                f,
                w,
                format!("a stack frame is in it (line {line})"),
            );
        }
    }
    signal
}

/// Module-path candidates for a dotted name's first `k` parts.
fn module_files(parts: &[&str]) -> [String; 2] {
    let base = parts.join("/");
    [format!("{base}.py"), format!("{base}/__init__.py")]
}

/// Files that dotted names (`pkg.mod.Class.method`) resolve to as modules,
/// with a bonus when the rest of the name is defined there.
pub fn modules(
    terms: &TaskTerms,
    files: &[String],
    defined: &HashMap<&str, BTreeSet<&str>>,
) -> Signal {
    let mut signal = Signal::new();
    let by_suffix: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    for dotted in &terms.dotted {
        let parts: Vec<&str> = dotted.split(['.', ':']).filter(|p| !p.is_empty()).collect();
        for k in (1..=parts.len()).rev() {
            let cands = module_files(&parts[..k]);
            let hit = files.iter().find(|f| {
                cands
                    .iter()
                    .any(|c| *f == c || f.ends_with(&format!("/{c}")))
            });
            let Some(hit) = hit.filter(|h| by_suffix.contains(h.as_str())) else {
                continue;
            };
            let rest = parts.get(k).copied();
            let defines_rest = rest.is_some_and(|r| {
                defined
                    .get(r)
                    .is_some_and(|files| files.contains(hit.as_str()))
            });
            // A bare package (`sympy`) names little; a deep module names a lot.
            let depth = k as f64 / parts.len() as f64;
            let w = if k == 1 && parts.len() > 1 && !defines_rest {
                0.1
            } else {
                0.5 + 0.5 * depth
            };
            let mut reason = format!("`{dotted}` names this module");
            if defines_rest {
                reason = format!(
                    "`{dotted}` names this module and it defines `{}`",
                    rest.unwrap_or("")
                );
            }
            add(
                &mut signal,
                hit,
                if defines_rest { w + 0.5 } else { w },
                reason,
            );
            break;
        }
    }
    signal
}

/// Files defining identifiers the task names, weighted by how specific each
/// name is (rare across files, long, code-like) and boosted when a dotted
/// mention matches the qualified name.
pub fn definitions(terms: &TaskTerms, snapshot: &Snapshot, file_count: usize) -> Signal {
    let mut signal = Signal::new();
    let idents: BTreeSet<&str> = terms.identifiers.iter().map(String::as_str).collect();
    let mut definers: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for s in &snapshot.symbols {
        if idents.contains(s.name.as_str()) {
            definers
                .entry(s.name.as_str())
                .or_default()
                .insert(s.path.as_str());
        }
    }
    let qualified: Vec<String> = terms.dotted.iter().map(|d| d.replace("::", ".")).collect();
    let mut best: HashMap<(&str, &str), (f64, String)> = HashMap::new();
    for s in &snapshot.symbols {
        let Some(files) = definers.get(s.name.as_str()) else {
            continue;
        };
        let n = files.len() as f64;
        let idf = ((file_count as f64 + 1.0) / n).ln().max(0.1);
        let mut w = idf / n.sqrt();
        if is_code_like(&s.name) {
            w *= 1.5;
        }
        if matches!(
            s.kind.as_str(),
            "class" | "struct" | "enum" | "trait" | "interface"
        ) {
            w *= 1.3;
        }
        let q = s.qualified.replace("::", ".");
        let qualified_hit = q.contains('.')
            && qualified
                .iter()
                .any(|d| d.ends_with(&q) || q.ends_with(d.as_str()) && d.contains('.'));
        let reason = if qualified_hit {
            w *= 3.0;
            format!("defines `{}` named in the task", s.qualified)
        } else {
            format!("defines `{}` named in the task", s.name)
        };
        let key = (s.path.as_str(), s.name.as_str());
        if best.get(&key).is_none_or(|(old, _)| *old < w) {
            best.insert(key, (w, reason));
        }
    }
    let mut items: Vec<_> = best.into_iter().collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    for ((path, _), (w, reason)) in items {
        add(&mut signal, path, w, reason);
    }
    signal
}

/// Files whose name or directory is a word of the task (`fits`, `units`,
/// `quantity`), weighted by rarity of the word among path parts.
pub fn path_words(terms: &TaskTerms, files: &[String]) -> Signal {
    let mut signal = Signal::new();
    let mut part_files: HashMap<String, Vec<&str>> = HashMap::new();
    for f in files {
        let mut parts: BTreeSet<String> = BTreeSet::new();
        for comp in f.split('/') {
            let stem = comp.split('.').next().unwrap_or(comp).trim_matches('_');
            if stem.len() >= 3 && stem != "init" {
                parts.insert(stem.to_ascii_lowercase());
            }
        }
        for p in parts {
            part_files.entry(p).or_default().push(f);
        }
    }
    let words: BTreeSet<String> = terms
        .words
        .iter()
        .chain(terms.identifiers.iter())
        .map(|w| w.to_ascii_lowercase())
        .filter(|w| !is_stop_word(w))
        .collect();
    for w in &words {
        let Some(hits) = part_files.get(w) else {
            continue;
        };
        let idf = ((files.len() as f64 + 1.0) / hits.len() as f64).ln();
        if idf <= 0.5 {
            continue;
        }
        for f in hits {
            let stem = f
                .rsplit('/')
                .next()
                .and_then(|n| n.split('.').next())
                .unwrap_or("")
                .trim_matches('_')
                .to_ascii_lowercase();
            let w_file = if stem == *w { 1.0 } else { 0.4 };
            add(
                &mut signal,
                f,
                idf * w_file,
                format!("its path has `{w}` from the task"),
            );
        }
    }
    signal
}
