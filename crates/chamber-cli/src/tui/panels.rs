//! The panels' data, loaded when a panel opens (or on `g`): runs from the
//! store, the repo map and file tree from the index, search hits, a run's
//! diff, the last test report.

use chamber_runtime::Setup;

use super::app::View;

/// One run, as the Tasks, Agents and Patches panels list it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Its id.
    pub id: String,
    /// `running`, `completed`…
    pub status: String,
    /// What was asked.
    pub prompt: String,
    /// Its branch.
    pub branch: Option<String>,
    /// The branch it started from.
    pub base: Option<String>,
}

/// Everything the panels show.
#[derive(Debug, Clone, Default)]
pub struct PanelData {
    /// Recent runs of this project, newest first.
    pub runs: Vec<RunRow>,
    /// The repo map's lines.
    pub map: Vec<String>,
    /// The file tree's lines.
    pub files: Vec<String>,
    /// Search hits: `path  score` and their symbols.
    pub hits: Vec<String>,
    /// The run whose diff the Patches panel shows.
    pub preview: Option<String>,
    /// That diff's lines.
    pub diff: Vec<String>,
    /// The last test report's lines (summary, then failures with file:line).
    pub tests: Vec<String>,
    /// A problem loading the panel, shown in it.
    pub note: Option<String>,
    /// The Index panel's file preview around a hit: numbered lines.
    pub peek: Vec<String>,
}

/// Fills `data.peek` with the lines of `path` around `line`.
pub fn peek(setup: &Setup, path: &str, line: usize, data: &mut PanelData) {
    let inside = !std::path::Path::new(path).is_absolute() && !path.contains("..");
    let text = if inside {
        std::fs::read_to_string(setup.root.join(path)).ok()
    } else {
        None
    };
    data.peek = match text {
        Some(text) => {
            let from = line.saturating_sub(6);
            std::iter::once(format!("— {path}:{line} —"))
                .chain(text.lines().enumerate().skip(from).take(16).map(|(i, l)| {
                    let mark = if i + 1 == line { '▶' } else { ' ' };
                    format!("{mark}{:>5}| {l}", i + 1)
                }))
                .collect()
        }
        None => vec![format!("cannot read {path}")],
    };
}

/// Loads what `view` shows into `data`.
pub async fn load(setup: &Setup, view: View, data: &mut PanelData) {
    data.note = None;
    let result = match view {
        View::Tasks | View::Agents | View::Patches => load_runs(setup, data).await,
        View::Map => load_map(setup, data).await,
        _ => Ok(()),
    };
    if view == View::Patches
        && let Some(id) = data.preview.clone()
    {
        data.diff = run_diff(setup, data, &id);
    }
    if let Err(why) = result {
        data.note = Some(why);
    }
}

async fn load_runs(setup: &Setup, data: &mut PanelData) -> Result<(), String> {
    let store = setup.store().await.map_err(|e| e.to_string())?;
    let project = setup.root.display().to_string();
    let runs = store
        .list_project_runs(&project, 50)
        .await
        .map_err(|e| e.to_string())?;
    data.runs = runs
        .into_iter()
        .map(|r| RunRow {
            id: r.id,
            status: r.status.as_str().to_string(),
            prompt: r.prompt.lines().next().unwrap_or_default().to_string(),
            branch: r.branch,
            base: r.base_branch,
        })
        .collect();
    // Tasks queued for this checkout on the local queue (`chamber task
    // submit`), which have no run yet or are running one.
    let filter = chamber_store::TaskFilter {
        limit: Some(50),
        ..Default::default()
    };
    if let Ok(tasks) = store.list_tasks(&filter).await {
        for t in tasks.into_iter().filter(|t| t.repo == project) {
            let state = serde_json::to_value(t.state)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            data.runs.push(RunRow {
                id: t.id,
                status: format!("task {state}"),
                prompt: t.prompt.lines().next().unwrap_or_default().to_string(),
                branch: None,
                base: t.base_branch,
            });
        }
    }
    Ok(())
}

async fn load_map(setup: &Setup, data: &mut PanelData) -> Result<(), String> {
    let index = crate::commands::map::open_updated(setup)
        .await
        .map_err(|e| e.message)?;
    let snapshot = index.snapshot().await.map_err(|e| e.to_string())?;
    let focus = chamber_index::map::MapFocus::default();
    let ranked = chamber_index::map::rank_files(&snapshot, &focus);
    let (text, _) = chamber_index::map::render_map(&snapshot, &ranked, &focus, 1500);
    data.map = text.lines().map(String::from).collect();
    data.files = snapshot.files.iter().map(|f| f.path.clone()).collect();
    Ok(())
}

/// Searches the index for `query` into `data.hits`.
pub async fn search(setup: &Setup, query: &str, data: &mut PanelData) {
    let hits = async {
        let index = crate::commands::map::open_updated(setup)
            .await
            .map_err(|e| e.message)?;
        index.search(query, 20).await.map_err(|e| e.to_string())
    }
    .await;
    match hits {
        Ok(hits) => {
            data.hits = hits
                .iter()
                .flat_map(|h| {
                    std::iter::once(format!("{}  {:.2}", h.path, h.score)).chain(
                        h.symbols.iter().map(|s| {
                            format!("  {}:{}  {} {}", h.path, s.start_line, s.kind, s.qualified)
                        }),
                    )
                })
                .collect();
            if data.hits.is_empty() {
                data.hits.push(format!("no files match {query:?}"));
            }
        }
        Err(why) => data.note = Some(why),
    }
}

/// `git diff BASE...BRANCH` of run `id`.
fn run_diff(setup: &Setup, data: &PanelData, id: &str) -> Vec<String> {
    let Some(run) = data.runs.iter().find(|r| r.id == id) else {
        return vec![format!("run {id} is not listed")];
    };
    let Some(branch) = &run.branch else {
        return vec!["this run has no branch (a dry run, or outside git)".into()];
    };
    let base = run.base.clone().unwrap_or_else(|| "HEAD".into());
    let diff = chamber_tools::Git::discover(&setup.root)
        .ok_or_else(|| "not a git repository".to_string())
        .and_then(|git| git.branch_diff(&base, branch).map_err(|e| e.to_string()));
    match diff {
        Ok(text) if text.trim().is_empty() => vec![format!("{branch}: no changes against {base}")],
        Ok(text) => text.lines().map(String::from).collect(),
        Err(why) => vec![why],
    }
}

/// Runs the project's tests into `data.tests`: the summary, then each
/// failure with its file:line.
pub async fn run_tests(setup: &Setup, data: &mut PanelData) {
    let found = match chamber_runtime::detect_tests(&setup.loaded.config.test, &setup.root) {
        Ok(found) => found,
        Err(e) => {
            data.tests = vec![e.to_string()];
            return;
        }
    };
    let Some(detected) = found.first() else {
        return;
    };
    let options = chamber_verify::RunOptions {
        timeout: std::time::Duration::from_secs(setup.loaded.config.test.timeout_secs.max(1)),
        ..Default::default()
    };
    match chamber_verify::run_tests(&setup.root, detected, options).await {
        Ok(run) => {
            let r = &run.report;
            let n = |v: Option<u32>| v.map_or_else(|| "?".into(), |v| v.to_string());
            let verdict = if run.passed() { "passed" } else { "FAILED" };
            let mut lines = vec![format!(
                "{verdict}: {} passed, {} failed  ({})",
                n(r.passed),
                n(r.failed),
                detected.command
            )];
            for f in &r.failures {
                let at = match (&f.file, f.line) {
                    (Some(file), Some(line)) => format!("{file}:{line}"),
                    (Some(file), None) => file.clone(),
                    _ => String::new(),
                };
                lines.push(format!("✘ {}  {at}", f.name));
                if let Some(first) = f.message.lines().next() {
                    lines.push(format!("    {first}"));
                }
            }
            data.tests = lines;
        }
        Err(e) => data.tests = vec![format!("the tests could not run: {e}")],
    }
}
