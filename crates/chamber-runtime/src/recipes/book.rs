//! Finding recipes: built-in ones ship in the binary; project ones live in
//! `.chamber/recipes/`, user ones in `recipes/` of the config directory,
//! plugin ones in each plugin's `recipes/`. Files are TOML or YAML.

use std::path::{Path, PathBuf};

use super::model::{Recipe, Source};
use crate::error::{ErrorKind, RuntimeError};
use crate::plugins::Plugin;

/// The recipes shipped in the binary, as (file name, text).
const BUILTIN: &[(&str, &str)] = &[
    (
        "api-endpoint.toml",
        include_str!("builtin/api-endpoint.toml"),
    ),
    ("fix-tests.toml", include_str!("builtin/fix-tests.toml")),
    (
        "feature-flag.toml",
        include_str!("builtin/feature-flag.toml"),
    ),
    (
        "db-migration.toml",
        include_str!("builtin/db-migration.toml"),
    ),
    ("add-tests.toml", include_str!("builtin/add-tests.toml")),
    ("cli-flag.toml", include_str!("builtin/cli-flag.toml")),
    (
        "explain-file.toml",
        include_str!("builtin/explain-file.toml"),
    ),
    ("make-faster.toml", include_str!("builtin/make-faster.toml")),
    (
        "rename-symbol.toml",
        include_str!("builtin/rename-symbol.toml"),
    ),
    ("write-docs.toml", include_str!("builtin/write-docs.toml")),
    (
        "bump-dependency.toml",
        include_str!("builtin/bump-dependency.toml"),
    ),
    ("create-pr.toml", include_str!("builtin/create-pr.toml")),
];

/// All the recipes a project can run, with the plugins they may use.
#[derive(Debug, Clone, Default)]
pub struct RecipeBook {
    /// Every recipe, first match wins: project, user, plugin, built-in.
    pub recipes: Vec<Recipe>,
    /// The plugins found (their templates feed recipe steps).
    pub plugins: Vec<Plugin>,
}

impl RecipeBook {
    /// Loads the recipes for the project at `root`, the user config file
    /// `user_config` (its directory holds `recipes/`) and `plugins`. A
    /// recipe file that does not parse is an error naming it.
    pub fn load(
        root: &Path,
        user_config: &Path,
        plugins: Vec<Plugin>,
    ) -> Result<Self, RuntimeError> {
        let mut recipes = Vec::new();
        read_dir(&root.join(".chamber").join("recipes"), &mut recipes, |p| {
            Source::Project(p.to_path_buf())
        })?;
        if let Some(dir) = user_config.parent() {
            read_dir(&dir.join("recipes"), &mut recipes, |p| {
                Source::User(p.to_path_buf())
            })?;
        }
        for plugin in &plugins {
            read_dir(&plugin.dir.join("recipes"), &mut recipes, |_| {
                Source::Plugin(plugin.name.clone())
            })?;
        }
        for (file, text) in BUILTIN {
            let mut recipe = parse(file, text)?;
            recipe.source = Source::Builtin;
            recipes.push(recipe);
        }
        let mut seen = std::collections::HashSet::new();
        recipes.retain(|r| seen.insert(r.name.clone()));
        Ok(Self { recipes, plugins })
    }

    /// The recipe called `name`, or an error listing the ones there are.
    pub fn find(&self, name: &str) -> Result<&Recipe, RuntimeError> {
        self.recipes.iter().find(|r| r.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.recipes.iter().map(|r| r.name.as_str()).collect();
            RuntimeError::setting(
                "unknown_recipe",
                format!("no recipe named {name:?}; there are: {}", names.join(", ")),
                Some("`chamber recipe list` shows them with what they do"),
                ErrorKind::Config,
            )
        })
    }
}

/// Reads every `.toml`, `.yaml` and `.yml` file of `dir` (if it exists).
fn read_dir(
    dir: &Path,
    into: &mut Vec<Recipe>,
    source: impl Fn(&Path) -> Source,
) -> Result<(), RuntimeError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "toml" | "yaml" | "yml"))
        })
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| invalid(&file.display(), &e))?;
        let mut recipe = parse(&file.display().to_string(), &text)?;
        recipe.source = source(&file);
        into.push(recipe);
    }
    Ok(())
}

/// Parses one recipe file by its extension, and checks what the types
/// cannot: a name, unique parameter names, a `choice` with choices, one
/// fixed action per step at most.
pub fn parse(file: &str, text: &str) -> Result<Recipe, RuntimeError> {
    let recipe: Recipe = if file.ends_with(".toml") {
        toml::from_str(text).map_err(|e| invalid(&file, &e))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| invalid(&file, &e))?
    };
    let name_ok = !recipe.name.is_empty()
        && recipe
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(invalid(
            &file,
            &"`name` must be letters, digits, `-` or `_`",
        ));
    }
    let mut names = std::collections::HashSet::new();
    for p in &recipe.params {
        if !names.insert(p.name.as_str()) {
            return Err(invalid(
                &file,
                &format!("parameter {:?} is declared twice", p.name),
            ));
        }
        if p.kind == super::model::ParamKind::Choice && p.choices.is_empty() {
            return Err(invalid(
                &file,
                &format!("parameter {:?} is a choice with no `choices`", p.name),
            ));
        }
        if let Some(pattern) = &p.pattern
            && let Err(e) = regex::Regex::new(pattern)
        {
            return Err(invalid(
                &file,
                &format!("parameter {:?}: bad pattern: {e}", p.name),
            ));
        }
    }
    for (i, s) in recipe.steps.iter().enumerate() {
        let fixed = [s.run.is_some(), s.action.is_some(), s.template.is_some()];
        if fixed.iter().filter(|f| **f).count() > 1 {
            return Err(invalid(
                &file,
                &format!(
                    "step {} has more than one of `run`, `action`, `template`",
                    i + 1
                ),
            ));
        }
    }
    if let Some(schema) = &recipe.answer_schema
        && let Err(e) = jsonschema::validator_for(schema)
    {
        return Err(invalid(
            &file,
            &format!("answer_schema is not a valid JSON Schema: {e}"),
        ));
    }
    Ok(recipe)
}

fn invalid(file: &dyn std::fmt::Display, why: &dyn std::fmt::Display) -> RuntimeError {
    RuntimeError::setting(
        "recipe_invalid",
        format!("recipe {file}: {why}"),
        Some("see docs/recipes.md for the recipe format"),
        ErrorKind::Config,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_recipes_parse_and_are_twelve() {
        let dir = tempfile::tempdir().unwrap();
        let book =
            RecipeBook::load(dir.path(), &dir.path().join("cfg/config.toml"), Vec::new()).unwrap();
        assert!(book.recipes.len() >= 12, "{}", book.recipes.len());
    }

    #[test]
    fn project_recipes_in_yaml_hide_builtins_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let recipes = dir.path().join(".chamber/recipes");
        std::fs::create_dir_all(&recipes).unwrap();
        std::fs::write(
            recipes.join("fix.yaml"),
            "name: fix-tests\ndescription: mine\ninstructions: do it\n",
        )
        .unwrap();
        let book =
            RecipeBook::load(dir.path(), &dir.path().join("c/config.toml"), Vec::new()).unwrap();
        let mine = book.find("fix-tests").unwrap();
        assert_eq!(mine.description, "mine");
        assert!(matches!(mine.source, Source::Project(_)));
        std::fs::write(recipes.join("bad.toml"), "name = \"x y\"\n").unwrap();
        let err = RecipeBook::load(dir.path(), &dir.path().join("c/config.toml"), Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("bad.toml"), "{err}");
    }
}
