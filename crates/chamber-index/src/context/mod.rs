//! The context builder: what a run shows the model besides the task, in
//! order — instruction files, the repo map, the top retrieved files (whole,
//! or as windows around the relevant symbols with an outline), their
//! related tests, and recent commits that touched them — fitted within a
//! token budget. Every piece records what it is and why it was chosen.

mod files;
mod history;
mod task;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use task::{context_for_task, retrieve};

use crate::map::{MapFocus, render_map};
use crate::retrieve::{RankedFile, extract, looks_like_test};
use crate::{Snapshot, Symbol};

/// Estimated tokens of `text`: about four characters a token.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// What a piece of context is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    /// An instruction file (`AGENTS.md`, …).
    Instructions,
    /// The repo map.
    RepoMap,
    /// A retrieved file, whole.
    File,
    /// A retrieved file, summarised (head, outline, windows, tail).
    FileSummary,
    /// A test related to a retrieved file.
    Test,
    /// Recent commits that touched a retrieved file.
    History,
}

impl PieceKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PieceKind::Instructions => "instructions",
            PieceKind::RepoMap => "repo_map",
            PieceKind::File => "file",
            PieceKind::FileSummary => "file_summary",
            PieceKind::Test => "test",
            PieceKind::History => "history",
        }
    }
}

/// One piece of context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    /// What it is.
    pub kind: PieceKind,
    /// The file it shows, if any.
    pub path: Option<String>,
    /// Why it was chosen.
    pub reason: String,
    /// Its rendered text (heading included).
    pub text: String,
    /// Estimated tokens of `text`.
    pub tokens: usize,
}

/// Limits of the context builder.
#[derive(Debug, Clone)]
pub struct ContextOptions {
    /// Total tokens for the whole context.
    pub budget_tokens: usize,
    /// Tokens for the repo map at most.
    pub map_tokens: usize,
    /// Retrieved files shown at most.
    pub max_files: usize,
    /// Related test files shown at most.
    pub max_tests: usize,
    /// Commits shown per retrieved file (0: none).
    pub history_commits: usize,
    /// Instruction files looked for, in order.
    pub instruction_files: Vec<String>,
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self {
            budget_tokens: 8000,
            map_tokens: 1024,
            max_files: 5,
            max_tests: 2,
            history_commits: 2,
            instruction_files: vec![
                "AGENTS.md".into(),
                "CLAUDE.md".into(),
                ".chamber/instructions.md".into(),
            ],
        }
    }
}

/// The context a run sends, piece by piece.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuiltContext {
    /// The pieces included, in order.
    pub pieces: Vec<Piece>,
    /// `(what, why not)` of pieces left out for lack of budget.
    pub left_out: Vec<(String, String)>,
    /// The budget it was fitted into.
    pub budget_tokens: usize,
}

impl BuiltContext {
    /// All pieces' text, in order.
    pub fn render(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }

    /// Estimated tokens of all pieces.
    pub fn tokens(&self) -> usize {
        self.pieces.iter().map(|p| p.tokens).sum()
    }
}

struct Fitter {
    built: BuiltContext,
    used: usize,
}

impl Fitter {
    /// Adds the first of `forms` that fits; records the piece as left out
    /// when none does. Returns whether one fitted.
    fn add(
        &mut self,
        kind: PieceKind,
        path: Option<&str>,
        reason: &str,
        forms: Vec<(PieceKind, String)>,
    ) -> bool {
        for (form_kind, text) in forms {
            let tokens = estimate_tokens(&text);
            if self.used + tokens <= self.built.budget_tokens {
                self.used += tokens;
                self.built.pieces.push(Piece {
                    kind: form_kind,
                    path: path.map(str::to_string),
                    reason: reason.to_string(),
                    text,
                    tokens,
                });
                return true;
            }
        }
        let what = match path {
            Some(p) => format!("{} {p}", kind.as_str()),
            None => kind.as_str().to_string(),
        };
        self.built
            .left_out
            .push((what, "over the token budget".into()));
        false
    }

    fn left(&self) -> usize {
        self.built.budget_tokens.saturating_sub(self.used)
    }
}

fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str("\n[… truncated]");
    out
}

/// Test files related to `path`: named after it (`test_x.py`,
/// `x_test.go`, `x.test.ts`) or importing it. Best first.
pub fn tests_for(snapshot: &Snapshot, path: &str) -> Vec<String> {
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|n| n.split('.').next())
        .unwrap_or("")
        .trim_matches('_')
        .to_string();
    let mut scored: BTreeMap<String, u32> = BTreeMap::new();
    if stem.len() >= 2 && stem != "init" && stem != "mod" && stem != "lib" && stem != "index" {
        for f in &snapshot.files {
            if !looks_like_test(&f.path) {
                continue;
            }
            let name = f.path.rsplit('/').next().unwrap_or("");
            let base = name.split('.').next().unwrap_or("");
            if base == format!("test_{stem}") || base == format!("{stem}_test") || base == stem {
                *scored.entry(f.path.clone()).or_default() += 2;
            }
        }
    }
    for imp in &snapshot.imports {
        if imp.resolved.as_deref() == Some(path) && looks_like_test(&imp.path) {
            *scored.entry(imp.path.clone()).or_default() += 1;
        }
    }
    let mut list: Vec<(String, u32)> = scored.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter().map(|(p, _)| p).collect()
}

/// Builds the context for `task` in `root` from the index's `snapshot` and
/// retrieval's `ranked` files, within `opts.budget_tokens`.
pub fn build_context(
    root: &Path,
    task: &str,
    snapshot: &Snapshot,
    ranked: &[RankedFile],
    opts: &ContextOptions,
) -> BuiltContext {
    let mut fit = Fitter {
        built: BuiltContext {
            budget_tokens: opts.budget_tokens,
            ..BuiltContext::default()
        },
        used: 0,
    };
    let terms = extract(task);
    // 1. Instruction files: at most a quarter of the budget each.
    for name in &opts.instruction_files {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else {
            continue;
        };
        let cap = (opts.budget_tokens / 4).saturating_mul(4);
        let body = cut_chars(text.trim_end(), cap);
        let small = cut_chars(text.trim_end(), cap / 4);
        fit.add(
            PieceKind::Instructions,
            Some(name),
            "project instructions",
            vec![
                (
                    PieceKind::Instructions,
                    format!("## Instructions from {name}\n{body}\n\n"),
                ),
                (
                    PieceKind::Instructions,
                    format!("## Instructions from {name}\n{small}\n\n"),
                ),
            ],
        );
    }
    // 2. The repo map, leaning toward the retrieved files.
    let mut focus = MapFocus {
        identifiers: terms.identifiers.iter().cloned().collect(),
        ..MapFocus::default()
    };
    for (i, r) in ranked.iter().take(10).enumerate() {
        focus.files.insert(r.path.clone(), 1.0 / (i + 1) as f64);
    }
    let file_ranks = crate::map::rank_files(snapshot, &focus);
    let map_budget = opts.map_tokens.min(fit.left() / 4);
    let heading = "## Repository map (files by relevance, with key symbols)\n";
    let (map, entries) = render_map(
        snapshot,
        &file_ranks,
        &focus,
        map_budget.saturating_sub(estimate_tokens(heading) + 1),
    );
    if !entries.is_empty() {
        fit.add(
            PieceKind::RepoMap,
            None,
            &format!("{} files ranked by PageRank toward the task", entries.len()),
            vec![(PieceKind::RepoMap, format!("{heading}{map}\n"))],
        );
    }
    // 3. Top retrieved files.
    let mut by_file: BTreeMap<&str, Vec<&Symbol>> = BTreeMap::new();
    for s in &snapshot.symbols {
        by_file.entry(s.path.as_str()).or_default().push(s);
    }
    let chosen: Vec<&RankedFile> = ranked
        .iter()
        .filter(|r| r.score > 0.0 && !looks_like_test(&r.path))
        .take(opts.max_files)
        .collect();
    let mut shown: BTreeSet<String> = BTreeSet::new();
    for (i, r) in chosen.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(root.join(&r.path)) else {
            continue;
        };
        let syms = by_file.get(r.path.as_str()).cloned().unwrap_or_default();
        let reason = format!(
            "retrieved #{}: {}",
            i + 1,
            r.reasons
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        let head = format!("## {} (retrieved #{})\n", r.path, i + 1);
        let mut forms = Vec::new();
        if text.lines().count() <= files::WHOLE_MAX_LINES {
            forms.push((PieceKind::File, format!("{head}{}\n", files::whole(&text))));
        }
        forms.push((
            PieceKind::FileSummary,
            format!(
                "{head}{}\n",
                files::summary(&text, &syms, &terms.identifiers, true)
            ),
        ));
        forms.push((
            PieceKind::FileSummary,
            format!(
                "{head}{}\n",
                files::summary(&text, &syms, &terms.identifiers, false)
            ),
        ));
        if fit.add(PieceKind::File, Some(&r.path), &reason, forms) {
            shown.insert(r.path.clone());
        }
    }
    // 4. Their related tests, as an outline of test names.
    let mut tests_added = 0;
    let shown_files: Vec<String> = chosen
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| shown.contains(p))
        .collect();
    for path in &shown_files {
        let mut candidates = tests_for(snapshot, path);
        for t in crate::related_tests(snapshot, path) {
            if !candidates.contains(&t) {
                candidates.push(t);
            }
        }
        for test in candidates.into_iter().take(1) {
            if tests_added >= opts.max_tests || shown.contains(&test) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(root.join(&test)) else {
                continue;
            };
            let syms = by_file.get(test.as_str()).cloned().unwrap_or_default();
            let head = format!("## {test} (tests {path})\n");
            let mut forms = Vec::new();
            if text.lines().count() <= files::WHOLE_MAX_LINES / 2 {
                forms.push((PieceKind::Test, format!("{head}{}\n", files::whole(&text))));
            }
            forms.push((
                PieceKind::Test,
                format!(
                    "{head}{}\n",
                    files::summary(&text, &syms, &terms.identifiers, false)
                ),
            ));
            if fit.add(
                PieceKind::Test,
                Some(&test),
                &format!("tests {path}"),
                forms,
            ) {
                tests_added += 1;
                shown.insert(test);
            }
        }
    }
    // 5. Recent commits that touched the retrieved files.
    for path in &shown_files {
        let room = fit.left().min(600) * 4;
        if room < 200 {
            break;
        }
        if let Some(log) =
            history::recent_commits(root, path, opts.history_commits, room.saturating_sub(100))
        {
            fit.add(
                PieceKind::History,
                Some(path),
                &format!("recent commits touching {path}"),
                vec![(
                    PieceKind::History,
                    format!("## Recent commits touching {path}\n```\n{log}\n```\n\n"),
                )],
            );
        }
    }
    fit.built
}
