//! Rendering the ranked files as text within a token budget.

use std::collections::{BTreeSet, HashMap};

use super::{FileRank, MapFocus};
use crate::context::estimate_tokens;
use crate::{Snapshot, Symbol};

/// Symbols shown per file at most.
const SYMBOLS_PER_FILE: usize = 8;
/// Longest signature shown, in characters.
const SIGNATURE_MAX: usize = 100;

/// One file of the rendered map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The file.
    pub path: String,
    /// Its rank score.
    pub score: f64,
    /// The symbols shown, in line order.
    pub symbols: Vec<Symbol>,
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

fn block(path: &str, symbols: &[&Symbol]) -> String {
    let mut out = format!("{path}:\n");
    for s in symbols {
        out.push_str(&format!(
            "{:>5}│ {}\n",
            s.start_line,
            clip(&s.signature, SIGNATURE_MAX)
        ));
    }
    out
}

/// The most important symbols of each file: those the focus names, then
/// the most referenced from other files, then the earliest.
fn key_symbols<'a>(snapshot: &'a Snapshot, focus: &MapFocus) -> HashMap<&'a str, Vec<&'a Symbol>> {
    let mut outside_refs: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for r in &snapshot.references {
        outside_refs
            .entry(r.name.as_str())
            .or_default()
            .insert(r.path.as_str());
    }
    let mut by_file: HashMap<&str, Vec<&Symbol>> = HashMap::new();
    // Fields and enum variants show inside their type's signature anyway.
    for s in snapshot
        .symbols
        .iter()
        .filter(|s| !matches!(s.kind.as_str(), "field" | "variant" | "module"))
    {
        by_file.entry(s.path.as_str()).or_default().push(s);
    }
    for (path, syms) in by_file.iter_mut() {
        let score = |s: &Symbol| {
            let named = focus.identifiers.contains(&s.name);
            let used = outside_refs
                .get(s.name.as_str())
                .map(|files| files.iter().filter(|f| **f != *path).count())
                .unwrap_or(0);
            (named, used)
        };
        syms.sort_by(|a, b| {
            score(b)
                .cmp(&score(a))
                .then(a.start_line.cmp(&b.start_line))
                .then(a.name.cmp(&b.name))
        });
    }
    by_file
}

/// Renders `ranked` (best first) within `tokens`: each file with its key
/// symbols' signatures in line order. Files the budget cannot hold even
/// with one symbol end the map. Deterministic for the same input.
pub fn render_map(
    snapshot: &Snapshot,
    ranked: &[FileRank],
    focus: &MapFocus,
    tokens: usize,
) -> (String, Vec<MapEntry>) {
    let keys = key_symbols(snapshot, focus);
    let mut out = String::new();
    let mut used = 0usize;
    let mut entries = Vec::new();
    for file in ranked {
        let Some(syms) = keys.get(file.path.as_str()) else {
            continue;
        };
        let mut take = syms.len().min(SYMBOLS_PER_FILE);
        let mut fitted = None;
        while take > 0 {
            let mut shown: Vec<&Symbol> = syms[..take].to_vec();
            shown.sort_by_key(|s| (s.start_line, s.name.clone()));
            let text = block(&file.path, &shown);
            let cost = estimate_tokens(&text);
            if used + cost <= tokens {
                fitted = Some((text, cost, shown));
                break;
            }
            take /= 2;
        }
        let Some((text, cost, shown)) = fitted else {
            break;
        };
        used += cost;
        out.push_str(&text);
        entries.push(MapEntry {
            path: file.path.clone(),
            score: file.score,
            symbols: shown.into_iter().cloned().collect(),
        });
    }
    (out, entries)
}

#[cfg(test)]
mod tests {
    use super::super::rank_files;
    use super::super::tests::{file, reference, sym};
    use super::*;

    fn snapshot() -> Snapshot {
        let mut s = Snapshot {
            files: (0..30).map(|i| file(&format!("mod{i:02}.py"))).collect(),
            ..Snapshot::default()
        };
        for i in 0..30 {
            for j in 0..10 {
                s.symbols.push(sym(
                    &format!("mod{i:02}.py"),
                    &format!("function_{i}_{j}"),
                    j * 10 + 1,
                ));
            }
            s.references
                .push(reference(&format!("mod{i:02}.py"), "function_0_0"));
        }
        s
    }

    #[test]
    fn the_map_stays_within_budget_and_starts_with_the_best_file() {
        let snap = snapshot();
        let focus = MapFocus::default();
        let ranked = rank_files(&snap, &focus);
        for budget in [20, 100, 400, 5000] {
            let (text, entries) = render_map(&snap, &ranked, &focus, budget);
            assert!(estimate_tokens(&text) <= budget, "{budget}: {text}");
            if budget >= 100 {
                assert_eq!(entries[0].path, "mod00.py");
                assert!(text.starts_with("mod00.py:\n"), "{text}");
                assert!(text.contains("def function_0_0():"));
            }
        }
        let (big, _) = render_map(&snap, &ranked, &focus, 100_000);
        assert_eq!(big.matches(".py:\n").count(), 30);
        let (again, _) = render_map(&snap, &ranked, &focus, 100_000);
        assert_eq!(big, again);
    }
}
