//! What the rules need to know about the project: its test command, its
//! formatter, and which tools the registry offers.

use std::path::{Path, PathBuf};

/// Facts about the project a rule's action depends on; gathered once per
/// plan (and per re-plan).
#[derive(Debug, Clone, Default)]
pub struct ActionFacts {
    /// The workspace the run acts on (paths in steps are relative to it).
    pub root: PathBuf,
    /// The project's test command, when one was configured or detected.
    pub test_command: Option<String>,
    /// The project's formatter command, when one was found.
    pub format_command: Option<String>,
    /// Names of the tools the registry offers (`package_add` only when the
    /// adapters are on).
    pub tools: Vec<String>,
}

impl ActionFacts {
    /// Gathers the facts for the workspace at `root`.
    pub fn gather(root: &Path, test: &chamber_config::TestConfig, tools: Vec<String>) -> Self {
        let probe = chamber_verify::Tools::probe(root);
        let configured = chamber_verify::TestConfig {
            command: Some(test.command.clone()),
            runner: Some(test.runner.clone()),
        };
        let test_command = chamber_verify::detect(root, &configured, probe)
            .ok()
            .and_then(|found| found.into_iter().next())
            .map(|d| d.command);
        Self {
            root: root.to_path_buf(),
            test_command,
            format_command: format_command(root),
            tools,
        }
    }

    /// Whether the registry offers `tool`.
    pub fn offers(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t == tool)
    }
}

/// The formatter the project uses, by its manifests and what is installed.
fn format_command(root: &Path) -> Option<String> {
    let has = |file: &str| root.join(file).is_file();
    if has("Cargo.toml") {
        return Some("cargo fmt --all".into());
    }
    if has("go.mod") && on_path("gofmt") {
        return Some("gofmt -w .".into());
    }
    if has("pyproject.toml") || has("setup.py") || has("requirements.txt") {
        if on_path("ruff") {
            return Some("ruff format .".into());
        }
        if on_path("black") {
            return Some("black -q .".into());
        }
    }
    if has("package.json") && root.join("node_modules/.bin/prettier").is_file() {
        return Some("node_modules/.bin/prettier --write .".into());
    }
    None
}

/// Whether `program` is an executable file in a `PATH` directory.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rust_project_formats_with_cargo_fmt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(
            format_command(dir.path()).as_deref(),
            Some("cargo fmt --all")
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(format_command(empty.path()), None);
    }
}
