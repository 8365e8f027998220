//! The web frameworks `chamber api scaffold` generates for, and which one
//! a project uses, read from its manifests.

use std::path::Path;

use serde::Serialize;

/// A generation target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// FastAPI (Python; pydantic models, `TestClient` tests).
    Fastapi,
    /// Flask (Python; a blueprint, test-client tests).
    Flask,
    /// Express (Node.js; `node:test` tests with `fetch`).
    Express,
    /// axum (Rust; in-memory `oneshot` tests).
    Axum,
    /// Go's net/http (Go 1.22 patterns, `httptest` tests).
    NetHttp,
    /// Python's standard library `http.server` (no dependency at all).
    PythonHttp,
}

/// The names `--framework` accepts.
pub const FRAMEWORKS: &str = "fastapi, flask, express, axum, net-http, python-http";

impl Framework {
    /// Every target.
    pub const ALL: [Framework; 6] = [
        Framework::Fastapi,
        Framework::Flask,
        Framework::Express,
        Framework::Axum,
        Framework::NetHttp,
        Framework::PythonHttp,
    ];

    /// Its name as `--framework` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Fastapi => "fastapi",
            Framework::Flask => "flask",
            Framework::Express => "express",
            Framework::Axum => "axum",
            Framework::NetHttp => "net-http",
            Framework::PythonHttp => "python-http",
        }
    }

    /// The target a `--framework` value names (`net/http`, `go`,
    /// `http.server` and `stdlib` are accepted too).
    pub fn parse(name: &str) -> Option<Framework> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "net/http" | "nethttp" | "go" => "net-http",
            "http.server" | "stdlib" | "python" => "python-http",
            other => other,
        };
        Framework::ALL.into_iter().find(|f| f.name() == alias)
    }
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_default()
}

/// The Python project's declared dependencies and top-level imports, lower case.
fn python_text(root: &Path) -> String {
    let mut text = String::new();
    for name in ["pyproject.toml", "setup.py", "setup.cfg", "Pipfile"] {
        text.push_str(&read(root, name));
    }
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let requirements = name.starts_with("requirements") && name.ends_with(".txt");
            if requirements || name.ends_with(".py") {
                text.push_str(&read(root, &name));
            }
        }
    }
    text.to_ascii_lowercase()
}

/// The frameworks the project's files name (several when it mixes them).
pub fn detect(root: &Path) -> Vec<Framework> {
    let mut found = Vec::new();
    let py = python_text(root);
    if py.contains("fastapi") {
        found.push(Framework::Fastapi);
    }
    if py.contains("flask") {
        found.push(Framework::Flask);
    }
    if let Ok(pkg) = serde_json::from_str::<serde_json::Value>(&read(root, "package.json")) {
        let has = |section: &str| pkg.get(section).and_then(|d| d.get("express")).is_some();
        if has("dependencies") || has("devDependencies") {
            found.push(Framework::Express);
        }
    }
    let cargo = read(root, "Cargo.toml");
    if cargo.lines().any(|l| {
        let l = l.trim();
        l.starts_with("axum ") || l.starts_with("axum=") || l.starts_with("axum.")
    }) {
        found.push(Framework::Axum);
    }
    if root.join("go.mod").is_file() {
        found.push(Framework::NetHttp);
    }
    if found.is_empty() && !py.is_empty() {
        found.push(Framework::PythonHttp);
    }
    found
}

/// Whether `package.json` says `"type": "module"` (ES modules).
pub fn node_esm(root: &Path) -> bool {
    serde_json::from_str::<serde_json::Value>(&read(root, "package.json"))
        .ok()
        .and_then(|p| {
            p.get("type")
                .and_then(|t| t.as_str())
                .map(|t| t == "module")
        })
        .unwrap_or(false)
}

/// Whether the project's axum is older than 0.8 (`/:id` paths).
pub fn axum_colon_params(root: &Path) -> bool {
    read(root, "Cargo.toml").lines().any(|l| {
        let l = l.trim();
        l.starts_with("axum")
            && ["\"0.6", "\"0.7", "\"=0.7", "\"^0.7", "\"~0.7"]
                .iter()
                .any(|v| l.contains(v))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn found(files: &[(&str, &str)]) -> Vec<Framework> {
        let tmp = tempfile::tempdir().unwrap();
        for (p, t) in files {
            std::fs::write(tmp.path().join(p), t).unwrap();
        }
        detect(tmp.path())
    }

    #[test]
    fn manifests_name_the_framework() {
        assert_eq!(
            found(&[("requirements.txt", "FastAPI==0.110\n")]),
            [Framework::Fastapi]
        );
        assert_eq!(
            found(&[("app.py", "from flask import Flask\n")]),
            [Framework::Flask]
        );
        assert_eq!(
            found(&[("package.json", r#"{"dependencies": {"express": "^4"}}"#)]),
            [Framework::Express]
        );
        assert_eq!(
            found(&[("Cargo.toml", "[dependencies]\naxum = \"0.8\"\n")]),
            [Framework::Axum]
        );
        assert_eq!(found(&[("go.mod", "module x\n")]), [Framework::NetHttp]);
        assert_eq!(found(&[("main.py", "print(1)\n")]), [Framework::PythonHttp]);
        assert!(found(&[("README.md", "")]).is_empty());
        assert_eq!(Framework::parse("net/http"), Some(Framework::NetHttp));
        assert_eq!(Framework::parse("nope"), None);
    }
}
