//! Recipes: task templates with typed parameters, expected steps (some
//! with fixed actions that run by rule), success checks and an optional
//! structured answer. Every front end (`chamber recipe`, the TUI, the
//! server) loads and prepares them here.

mod book;
mod checks;
pub mod model;
mod render;
pub mod team;

use std::path::Path;

pub use book::{RecipeBook, parse};
pub use checks::{CheckResult, check_answer, run_checks};
pub use model::{Check, Finish, Param, ParamKind, Recipe, RecipeStep, Source, TemplateWrite};
pub use render::{Facts, RecipeRun, bind, render};

use crate::error::RuntimeError;
use crate::plugins::{load_plugins, plugin_dirs};

/// Loads the plugins and recipes for the project at `root` (`trusted`:
/// whether the project's own plugin and recipe files may be read).
pub fn load_book(
    root: &Path,
    user_config: &Path,
    trusted: bool,
) -> Result<RecipeBook, RuntimeError> {
    let mut dirs = plugin_dirs(root, user_config);
    if !trusted {
        dirs.remove(0);
    }
    let plugins = load_plugins(&dirs)?;
    let mut book = RecipeBook::load(root, user_config, plugins)?;
    if !trusted {
        book.recipes
            .retain(|r| !matches!(r.source, Source::Project(_)));
    }
    Ok(book)
}

/// Binds `params` to recipe `name` and renders its run for the project at
/// `root`, whose `[test]` section gives `{{test_command}}`.
pub fn prepare(
    book: &RecipeBook,
    name: &str,
    params: &[(String, String)],
    root: &Path,
    test: &chamber_config::TestConfig,
) -> Result<(Recipe, RecipeRun), RuntimeError> {
    prepare_with(book, name, params, root, &Facts::detect(test, root))
}

/// [`prepare`] with the facts already gathered (a workflow's stages share
/// one detection of the test command).
pub fn prepare_with(
    book: &RecipeBook,
    name: &str,
    params: &[(String, String)],
    root: &Path,
    facts: &Facts,
) -> Result<(Recipe, RecipeRun), RuntimeError> {
    let recipe = book.find(name)?.clone();
    let values = bind(&recipe, params, root)?;
    let run = render(&recipe, values, facts, &book.plugins)?;
    Ok((recipe, run))
}

/// The run's final answer: the summary of its last completed step.
pub async fn final_answer(
    store: &chamber_store::Store,
    run_id: &str,
) -> Result<Option<String>, RuntimeError> {
    let events = store.events_of(run_id, &["step_completed"]).await?;
    Ok(events.into_iter().rev().find_map(|e| match e.kind {
        chamber_protocol::EventKind::StepCompleted { summary, .. } => Some(summary),
        _ => None,
    }))
}
