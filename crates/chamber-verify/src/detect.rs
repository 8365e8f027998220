//! Which command runs a project's tests.

use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::{Runner, VerifyError};

/// The `[test]` config section: an explicit command and/or runner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestConfig {
    /// The test command, run with `bash -c` in the project root.
    pub command: Option<String>,
    /// Which parser reads its output (a [`Runner`] name).
    pub runner: Option<String>,
}

/// A test command found for a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detected {
    /// The command line, run with `bash -c` in the project root.
    pub command: String,
    /// The parser for its output.
    pub runner: Runner,
    /// Why this command was chosen (`config`, or the file that gave it away).
    pub reason: String,
}

/// Optional tools whose presence changes the command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tools {
    /// `cargo nextest --version` works.
    pub nextest: bool,
    /// `python3 -c "import pytest"` works.
    pub pytest: bool,
}

impl Tools {
    /// Probes for the tools the files in `root` could use (a probe runs
    /// only when the matching project file exists).
    pub fn probe(root: &Path) -> Self {
        let ok = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .current_dir(root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        Self {
            nextest: root.join("Cargo.toml").is_file() && ok("cargo", &["nextest", "--version"]),
            pytest: is_python(root) && ok("python3", &["-c", "import pytest"]),
        }
    }
}

/// The project's test commands, best first: the configured one if any,
/// else one per kind of project found in `root` (a polyglot repository
/// gets several). Empty when nothing was recognised.
pub fn detect(
    root: &Path,
    config: &TestConfig,
    tools: Tools,
) -> Result<Vec<Detected>, VerifyError> {
    let runner = config
        .runner
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(str::parse::<Runner>)
        .transpose()?;
    if let Some(command) = config.command.as_deref().filter(|c| !c.trim().is_empty()) {
        return Ok(vec![Detected {
            command: command.to_string(),
            runner: runner.unwrap_or_else(|| Runner::infer(command)),
            reason: "config: [test] command".into(),
        }]);
    }
    if let Some(runner) = runner {
        let command = runner
            .default_command()
            .ok_or_else(|| VerifyError::NoDefaultCommand(runner.name().into()))?;
        return Ok(vec![Detected {
            command: command.into(),
            runner,
            reason: "config: [test] runner".into(),
        }]);
    }
    let mut found = Vec::new();
    let mut add = |command: &str, runner: Runner, reason: &str| {
        found.push(Detected {
            command: command.into(),
            runner,
            reason: reason.into(),
        });
    };
    if root.join("Cargo.toml").is_file() {
        if tools.nextest {
            add(
                "cargo nextest run",
                Runner::Nextest,
                "Cargo.toml (cargo-nextest installed)",
            );
        } else {
            add("cargo test", Runner::CargoTest, "Cargo.toml");
        }
    }
    if is_python(root) {
        if tools.pytest {
            add(
                "python3 -m pytest -q",
                Runner::Pytest,
                "Python project (pytest importable)",
            );
        } else if suffix_tests_only(root) {
            // unittest's discovery pattern is `test*.py`: `x_test.py`
            // files would be skipped and an empty run would pass.
            add(
                "python3 -m unittest discover -v -p '*_test.py'",
                Runner::Unittest,
                "Python project with *_test.py files (pytest not installed)",
            );
        } else {
            add(
                "python3 -m unittest -v",
                Runner::Unittest,
                "Python project (pytest not installed)",
            );
        }
    }
    if let Some(runner) = npm_test(root) {
        add("npm test", runner, "package.json scripts.test");
    }
    if root.join("go.mod").is_file() {
        add("go test ./...", Runner::GoTest, "go.mod");
    }
    if make_test(root) {
        add("make test", Runner::Generic, "Makefile test target");
    }
    Ok(found)
}

/// Python markers: packaging/test config files, `tests/` next to `.py`
/// files, or test modules (`test_*.py`, `*_test.py`) in the root itself.
fn is_python(root: &Path) -> bool {
    if [
        "pyproject.toml",
        "setup.cfg",
        "pytest.ini",
        "tox.ini",
        "setup.py",
    ]
    .iter()
    .any(|f| root.join(f).is_file())
    {
        return true;
    }
    let has_py = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "py"))
        })
    };
    let tests = root.join("tests");
    if tests.is_dir() && (has_py(&tests) || has_py(root)) {
        return true;
    }
    std::fs::read_dir(root).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
        })
    })
}

/// Whether the root's Python tests are all named `*_test.py` (none
/// `test*.py`, in the root or `tests/`).
fn suffix_tests_only(root: &Path) -> bool {
    let names = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".py"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = names(root);
    all.extend(names(&root.join("tests")));
    all.iter().any(|n| n.ends_with("_test.py")) && !all.iter().any(|n| n.starts_with("test"))
}

/// The runner behind `npm test`, when package.json has a real test script.
fn npm_test(root: &Path) -> Option<Runner> {
    let text = std::fs::read_to_string(root.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let script = json.get("scripts")?.get("test")?.as_str()?;
    if script.trim().is_empty() || script.contains("no test specified") {
        return None;
    }
    let has_dep = |name: &str| {
        ["devDependencies", "dependencies"]
            .iter()
            .any(|k| json.get(k).and_then(|d| d.get(name)).is_some())
    };
    Some(if script.contains("vitest") || has_dep("vitest") {
        Runner::Vitest
    } else if script.contains("jest") || has_dep("jest") {
        Runner::Jest
    } else if script.contains("node --test") {
        Runner::NodeTest
    } else {
        Runner::Generic
    })
}

/// Whether a Makefile defines a `test` target.
fn make_test(root: &Path) -> bool {
    ["Makefile", "makefile", "GNUmakefile"].iter().any(|name| {
        std::fs::read_to_string(root.join(name)).is_ok_and(|text| {
            text.lines().any(|l| {
                l.strip_prefix("test").is_some_and(|rest| {
                    rest.trim_start().starts_with(':') && !rest.trim_start().starts_with(":=")
                })
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = d.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        d
    }

    fn first(files: &[(&str, &str)], tools: Tools) -> Option<(String, Runner)> {
        let d = dir(files);
        detect(d.path(), &TestConfig::default(), tools)
            .unwrap()
            .into_iter()
            .next()
            .map(|x| (x.command, x.runner))
    }

    #[test]
    fn detects_each_kind_of_project() {
        let none = Tools::default();
        let all = Tools {
            nextest: true,
            pytest: true,
        };
        assert_eq!(
            first(&[("Cargo.toml", "")], none),
            Some(("cargo test".into(), Runner::CargoTest))
        );
        assert_eq!(
            first(&[("Cargo.toml", "")], all),
            Some(("cargo nextest run".into(), Runner::Nextest))
        );
        assert_eq!(
            first(&[("pyproject.toml", "")], all).unwrap().1,
            Runner::Pytest
        );
        assert_eq!(
            first(&[("tests/test_a.py", "")], none).unwrap().1,
            Runner::Unittest
        );
        assert_eq!(first(&[("tests/data.txt", "")], none), None);
        // A flat project with test modules beside the code.
        assert!(first(&[("calc.py", ""), ("test_calc.py", "")], none).is_some());
        assert_eq!(first(&[("calc.py", "")], none), None);
        // unittest's default pattern would find no `x_test.py` and pass.
        assert_eq!(
            first(&[("leap.py", ""), ("leap_test.py", "")], none),
            Some((
                "python3 -m unittest discover -v -p '*_test.py'".into(),
                Runner::Unittest
            ))
        );
        let pkg = r#"{"scripts":{"test":"jest"},"devDependencies":{"jest":"^29"}}"#;
        assert_eq!(
            first(&[("package.json", pkg)], none),
            Some(("npm test".into(), Runner::Jest))
        );
        let vite = r#"{"scripts":{"test":"vitest run"}}"#;
        assert_eq!(
            first(&[("package.json", vite)], none).unwrap().1,
            Runner::Vitest
        );
        let default = r#"{"scripts":{"test":"echo \"Error: no test specified\" && exit 1"}}"#;
        assert_eq!(first(&[("package.json", default)], none), None);
        assert_eq!(
            first(&[("go.mod", "module x")], none).unwrap().1,
            Runner::GoTest
        );
        assert_eq!(
            first(
                &[("Makefile", "build:\n\ttrue\ntest: build\n\ttrue\n")],
                none
            ),
            Some(("make test".into(), Runner::Generic))
        );
        assert_eq!(first(&[("Makefile", "test := 1\n")], none), None);
        assert_eq!(first(&[("README.md", "")], none), None);
    }

    #[test]
    fn config_overrides_detection() {
        let d = dir(&[("Cargo.toml", "")]);
        let cfg = TestConfig {
            command: Some("./run-tests.sh".into()),
            runner: None,
        };
        let got = detect(d.path(), &cfg, Tools::default()).unwrap();
        assert_eq!(
            (got[0].command.as_str(), got[0].runner),
            ("./run-tests.sh", Runner::Generic)
        );
        let cfg = TestConfig {
            command: Some("pytest -x".into()),
            runner: Some("unittest".into()),
        };
        assert_eq!(
            detect(d.path(), &cfg, Tools::default()).unwrap()[0].runner,
            Runner::Unittest
        );
        let cfg = TestConfig {
            command: None,
            runner: Some("go".into()),
        };
        assert_eq!(
            detect(d.path(), &cfg, Tools::default()).unwrap()[0].command,
            "go test ./..."
        );
        let cfg = TestConfig {
            command: None,
            runner: Some("mocha".into()),
        };
        assert!(matches!(
            detect(d.path(), &cfg, Tools::default()),
            Err(VerifyError::UnknownRunner(_))
        ));
    }
}
