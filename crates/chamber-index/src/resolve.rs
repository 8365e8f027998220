//! Resolving imports to repository files, per language: Python dotted
//! modules (`a/b.py`, `a/b/__init__.py`, relative `.x`, looked up from each
//! ancestor directory so `src/` layouts work), JS/TS relative paths with
//! extensions and `index` files, Rust `crate::`/`self::`/`super::` paths
//! and workspace crates, Go packages by import-path suffix.

use std::collections::{HashMap, HashSet};

use chamber_edit::syntax::Lang;

use crate::extract::lang_of_path;

/// Extensions tried for an extension-less JS/TS import.
const JS_EXTENSIONS: &[&str] = &[".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts"];

/// Most files one Go package import expands to.
const GO_PACKAGE_FILES: usize = 64;

/// The repository's files, indexed for import resolution.
pub struct Resolver {
    files: HashSet<String>,
    /// Rust crate name (`chamber_edit`) → its source directory.
    crates: HashMap<String, String>,
    /// Go package directory → its non-test `.go` files, sorted.
    go_dirs: HashMap<String, Vec<String>>,
    /// The Go module path from `go.mod` files: module path → directory.
    go_modules: Vec<(String, String)>,
}

impl Resolver {
    /// Indexes `files` (relative, `/`-separated). `go_mod` gives the
    /// content of each `go.mod`, by path, for module-prefix stripping.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a str>, go_mod: &[(String, String)]) -> Self {
        let files: HashSet<String> = files.into_iter().map(str::to_owned).collect();
        let mut crates = HashMap::new();
        let mut go_dirs: HashMap<String, Vec<String>> = HashMap::new();
        for file in &files {
            if let Some(src) = file
                .strip_suffix("/src/lib.rs")
                .or_else(|| file.strip_suffix("/src/main.rs"))
            {
                let dir_name = src.rsplit('/').next().unwrap_or(src);
                crates
                    .entry(crate_name(dir_name))
                    .or_insert_with(|| format!("{src}/src"));
            } else if matches!(file.as_str(), "src/lib.rs" | "src/main.rs") {
                crates
                    .entry(String::new())
                    .or_insert_with(|| "src".to_owned());
            }
            if file.ends_with(".go") && !file.ends_with("_test.go") {
                go_dirs
                    .entry(parent(file).to_owned())
                    .or_default()
                    .push(file.clone());
            }
        }
        for list in go_dirs.values_mut() {
            list.sort();
        }
        let go_modules = go_mod
            .iter()
            .filter_map(|(path, text)| {
                let module = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("module "))?
                    .trim()
                    .trim_matches('"');
                Some((module.to_owned(), parent(path).to_owned()))
            })
            .collect();
        Self {
            files,
            crates,
            go_dirs,
            go_modules,
        }
    }

    /// Whether `path` is a repository file.
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// The repository files `target`, imported from `from`, stands for
    /// (empty when it is outside the repository: the standard library, a
    /// third-party package).
    pub fn resolve(&self, from: &str, target: &str) -> Vec<String> {
        let Some(lang) = lang_of_path(from) else {
            return Vec::new();
        };
        match lang {
            Lang::Python => self.python(from, target).into_iter().collect(),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
                self.javascript(from, target).into_iter().collect()
            }
            Lang::Rust => self.rust(from, target).into_iter().collect(),
            Lang::Go => self.go(target),
        }
    }

    fn python(&self, from: &str, target: &str) -> Option<String> {
        let dots = target.chars().take_while(|&c| c == '.').count();
        let rest = &target[dots..];
        let parts: Vec<&str> = rest.split('.').filter(|p| !p.is_empty()).collect();
        if dots > 0 {
            let mut dir = parent(from).to_owned();
            for _ in 1..dots {
                dir = parent(&dir).to_owned();
            }
            return self.python_in(&dir, &parts, true);
        }
        // Absolute: from each ancestor of the importing file, deepest first.
        let mut dir = parent(from).to_owned();
        loop {
            if let Some(found) = self.python_in(&dir, &parts, false) {
                return Some(found);
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(&dir).to_owned();
        }
    }

    /// `parts` as a module under `dir`, then its parent module (for
    /// `from a import name` where `name` is not a module). `relative`
    /// allows the package `dir` itself (`from . import name`).
    fn python_in(&self, dir: &str, parts: &[&str], relative: bool) -> Option<String> {
        let shortest = if relative { 0 } else { 1 };
        for len in (parts.len().saturating_sub(1).max(shortest)..=parts.len()).rev() {
            let module = join(dir, &parts[..len].join("/"));
            if len > 0 {
                for candidate in [format!("{module}.py"), format!("{module}.pyi")] {
                    if self.files.contains(&candidate) {
                        return Some(candidate);
                    }
                }
            }
            let init = join(&module, "__init__.py");
            if self.files.contains(&init) {
                return Some(init);
            }
        }
        None
    }

    fn javascript(&self, from: &str, target: &str) -> Option<String> {
        if !(target.starts_with("./")
            || target.starts_with("../")
            || target == "."
            || target == "..")
        {
            return None;
        }
        let base = normalize(&join(parent(from), target))?;
        if self.files.contains(&base) {
            return Some(base);
        }
        // `./x.js` written for a `./x.ts` source (TypeScript ESM style).
        if let Some(stem) = base
            .strip_suffix(".js")
            .or_else(|| base.strip_suffix(".mjs"))
            .or_else(|| base.strip_suffix(".jsx"))
        {
            for ext in [".ts", ".tsx", ".mts"] {
                let candidate = format!("{stem}{ext}");
                if self.files.contains(&candidate) {
                    return Some(candidate);
                }
            }
        }
        for ext in JS_EXTENSIONS {
            let candidate = format!("{base}{ext}");
            if self.files.contains(&candidate) {
                return Some(candidate);
            }
        }
        for ext in JS_EXTENSIONS {
            let candidate = join(&base, &format!("index{ext}"));
            if self.files.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }

    fn rust(&self, from: &str, target: &str) -> Option<String> {
        let mut segments: Vec<&str> = target.split("::").collect();
        let first = *segments.first()?;
        let start_dir = match first {
            "crate" => {
                segments.remove(0);
                self.rust_crate_root(from)?
            }
            "self" => {
                segments.remove(0);
                rust_module_dir(from)
            }
            "super" => {
                let mut dir = rust_module_dir(from);
                while segments.first() == Some(&"super") {
                    segments.remove(0);
                    dir = parent(&dir).to_owned();
                }
                dir
            }
            name => match self.crates.get(name) {
                Some(src) => {
                    segments.remove(0);
                    let found = self.rust_walk(src, &segments);
                    return found.or_else(|| self.rust_root_file(src));
                }
                // A module in scope at the crate root (`use store::X` in
                // `main.rs`), or a sibling module.
                None => rust_module_dir(from),
            },
        };
        self.rust_walk(&start_dir, &segments)
    }

    /// Follows module segments from `dir`: `a::b::C` → `dir/a/b.rs` (or
    /// `mod.rs` forms); the deepest module file found.
    fn rust_walk(&self, dir: &str, segments: &[&str]) -> Option<String> {
        let mut dir = dir.to_owned();
        let mut found = None;
        for segment in segments {
            let flat = join(&dir, &format!("{segment}.rs"));
            let nested = join(&dir, &format!("{segment}/mod.rs"));
            if self.files.contains(&flat) {
                found = Some(flat);
            } else if self.files.contains(&nested) {
                found = Some(nested);
            } else {
                break;
            }
            dir = join(&dir, segment);
        }
        found
    }

    fn rust_root_file(&self, src: &str) -> Option<String> {
        ["lib.rs", "main.rs"]
            .iter()
            .map(|f| join(src, f))
            .find(|f| self.files.contains(f))
    }

    /// The source directory of the crate `from` belongs to: the nearest
    /// ancestor holding `lib.rs` or `main.rs`.
    fn rust_crate_root(&self, from: &str) -> Option<String> {
        let mut dir = parent(from).to_owned();
        loop {
            if self.rust_root_file(&dir).is_some() {
                return Some(dir);
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent(&dir).to_owned();
        }
    }

    fn go(&self, target: &str) -> Vec<String> {
        let mut dir = None;
        for (module, module_dir) in &self.go_modules {
            if let Some(rest) = target.strip_prefix(module.as_str()) {
                let candidate = join(module_dir, rest.trim_start_matches('/'));
                if self.go_dirs.contains_key(&candidate) {
                    dir = Some(candidate);
                    break;
                }
            }
        }
        if dir.is_none() {
            // The longest suffix of at least two segments naming a package
            // directory in the repository.
            let parts: Vec<&str> = target.split('/').collect();
            for len in (2..=parts.len()).rev() {
                let suffix = parts[parts.len() - len..].join("/");
                if self.go_dirs.contains_key(&suffix) {
                    dir = Some(suffix);
                    break;
                }
                if let Some(found) = self
                    .go_dirs
                    .keys()
                    .find(|d| d.ends_with(&format!("/{suffix}")))
                {
                    dir = Some(found.clone());
                    break;
                }
            }
        }
        dir.and_then(|d| self.go_dirs.get(&d))
            .map(|files| files.iter().take(GO_PACKAGE_FILES).cloned().collect())
            .unwrap_or_default()
    }
}

/// A Rust crate name from its directory: `chamber-edit` → `chamber_edit`,
/// `serde-1.0.200` → `serde` (registry checkouts carry the version).
fn crate_name(dir: &str) -> String {
    let mut name = dir;
    if let Some((head, version)) = dir.rsplit_once('-')
        && version.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        name = head;
    }
    name.replace('-', "_")
}

/// The directory a Rust file's submodules live in: `src/lib.rs` → `src`,
/// `src/store.rs` → `src/store`, `src/store/mod.rs` → `src/store`.
fn rust_module_dir(file: &str) -> String {
    let dir = parent(file);
    let name = file.rsplit('/').next().unwrap_or(file);
    match name {
        "lib.rs" | "main.rs" | "mod.rs" => dir.to_owned(),
        other => join(dir, other.trim_end_matches(".rs")),
    }
}

/// The parent directory of a relative path (`""` at the top).
pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => dir.to_owned(),
        (false, false) => format!("{dir}/{rest}"),
    }
}

/// Resolves `.` and `..` segments; `None` when the path climbs out.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
