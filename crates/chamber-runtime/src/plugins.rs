//! Plugins: a directory dropped into `.chamber/plugins/` (or `plugins/` in
//! the user's config directory) registers a new stack without a rebuild:
//! its test runner, its scaffold templates and its recipes. The manifest is
//! `plugin.toml`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, RuntimeError};

/// A plugin, as its manifest describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plugin {
    /// Its name (recipes list it as their source).
    pub name: String,
    /// What stack it covers.
    #[serde(default)]
    pub description: String,
    /// Files that say a project uses the stack: `path`, or `path:text`
    /// (the file holds that text). Any one matching is enough; none listed
    /// means always.
    #[serde(default)]
    pub detect: Vec<String>,
    /// The stack's test command, used when `[test] command` is not set
    /// and the project matches `detect`.
    #[serde(default)]
    pub test: Option<PluginTest>,
    /// The directory it was read from.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// A plugin's test runner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginTest {
    /// The command, run with `bash -c` in the project root.
    pub command: String,
    /// Which parser reads its output (as in `[test] runner`); empty: guessed.
    #[serde(default)]
    pub runner: String,
}

impl Plugin {
    /// Whether the project at `root` uses this plugin's stack.
    pub fn matches(&self, root: &Path) -> bool {
        self.detect.is_empty()
            || self.detect.iter().any(|rule| match rule.split_once(':') {
                Some((file, text)) => {
                    std::fs::read_to_string(root.join(file)).is_ok_and(|body| body.contains(text))
                }
                None => root.join(rule).exists(),
            })
    }

    /// The text of template `name` from the plugin's `templates/` directory.
    pub fn template(&self, name: &str) -> Option<String> {
        if name.contains("..") {
            return None;
        }
        std::fs::read_to_string(self.dir.join("templates").join(name)).ok()
    }
}

/// The plugin directories for a project: the project's, then the user's.
pub fn plugin_dirs(root: &Path, user_config: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join(".chamber").join("plugins")];
    if let Some(parent) = user_config.parent() {
        dirs.push(parent.join("plugins"));
    }
    dirs
}

/// Every plugin under `dirs` (each a subdirectory with `plugin.toml`), in
/// name order; a project plugin hides a user one of the same name. A bad
/// manifest is an error naming the file.
pub fn load_plugins(dirs: &[PathBuf]) -> Result<Vec<Plugin>, RuntimeError> {
    let mut plugins: Vec<Plugin> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("plugin.toml").is_file())
            .collect();
        found.sort();
        for path in found {
            let manifest = path.join("plugin.toml");
            let text = std::fs::read_to_string(&manifest).map_err(|e| invalid(&manifest, &e))?;
            let mut plugin: Plugin = toml::from_str(&text).map_err(|e| invalid(&manifest, &e))?;
            if plugin.name.trim().is_empty() {
                return Err(invalid(&manifest, &"`name` is empty"));
            }
            plugin.dir = path;
            if !plugins.iter().any(|p| p.name == plugin.name) {
                plugins.push(plugin);
            }
        }
    }
    Ok(plugins)
}

fn invalid(file: &Path, why: &dyn std::fmt::Display) -> RuntimeError {
    RuntimeError::setting(
        "plugin_invalid",
        format!("plugin manifest {}: {why}", file.display()),
        Some("fix or remove the plugin directory; see docs/recipes.md#plugins"),
        ErrorKind::Config,
    )
}

/// Gives `[test] command` the first matching plugin's test command when the
/// project sets none; returns the plugin's name when it did.
pub fn apply_test_runner(
    test: &mut chamber_config::TestConfig,
    plugins: &[Plugin],
    root: &Path,
) -> Option<String> {
    if !test.command.trim().is_empty() {
        return None;
    }
    let (plugin, runner) = plugins
        .iter()
        .filter(|p| p.matches(root))
        .find_map(|p| p.test.as_ref().map(|t| (p, t)))?;
    test.command = runner.command.clone();
    test.runner = runner.runner.clone();
    Some(plugin.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_load_and_register_their_test_runner() {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path().join(".chamber/plugins/zig");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("plugin.toml"),
            "name = \"zig\"\ndetect = [\"build.zig\"]\n[test]\ncommand = \"zig build test\"\n",
        )
        .unwrap();
        let plugins = load_plugins(&[project.path().join(".chamber/plugins")]).unwrap();
        assert_eq!(plugins.len(), 1);
        let mut test = chamber_config::TestConfig::default();
        assert_eq!(apply_test_runner(&mut test, &plugins, project.path()), None);
        std::fs::write(project.path().join("build.zig"), "").unwrap();
        assert_eq!(
            apply_test_runner(&mut test, &plugins, project.path()).as_deref(),
            Some("zig")
        );
        assert_eq!(test.command, "zig build test");
    }

    #[test]
    fn a_bad_manifest_names_its_file() {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path().join("p/broken");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plugin.toml"), "name = 3\n").unwrap();
        let err = load_plugins(&[project.path().join("p")]).unwrap_err();
        assert!(err.to_string().contains("broken/plugin.toml"), "{err}");
    }
}
