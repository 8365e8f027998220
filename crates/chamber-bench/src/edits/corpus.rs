//! The corpus: real source files found on this machine, each with one
//! real-looking change (Rust crates from the cargo registry, the Python
//! standard library), plus real hunks from a git history (`history.rs`).
//! Every choice is made from sorted listings with a seeded generator, so
//! the same seed on the same machine gives the same corpus.

use std::fs;
use std::path::{Path, PathBuf};

use fastrand::Rng;
use serde::Serialize;

use super::mutate::{Lang, mutate};

/// Where an edit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A Rust file of a crate in the cargo registry, changed by the bench.
    RustCrates,
    /// A module of the Python standard library, changed by the bench.
    PythonStdlib,
    /// A real hunk of a commit of a git repository.
    GitHistory,
}

impl Source {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Source::RustCrates => "rust_crates",
            Source::PythonStdlib => "python_stdlib",
            Source::GitHistory => "git_history",
        }
    }
}

/// One edit: a file before and after a change.
#[derive(Debug, Clone)]
pub struct Edit {
    /// Where it comes from.
    pub source: Source,
    /// The file's path in the temp tree (relative, `/`-separated).
    pub path: String,
    /// Where it was read from (a file, or `commit:path`).
    pub origin: String,
    /// The file before the change.
    pub before: String,
    /// The file after the change.
    pub after: String,
    /// What kind of change it is.
    pub kind: String,
}

/// Smallest and largest files taken, in bytes.
const SIZES: std::ops::RangeInclusive<u64> = 2_000..=60_000;

/// Whether `text` is usable as a corpus file: LF line endings, a final
/// newline, no byte order mark.
pub fn usable(text: &str) -> bool {
    text.ends_with('\n') && !text.contains('\r') && !text.starts_with('\u{feff}')
}

/// Up to `n` edits of Rust files, at most one per crate (versions of a
/// crate count as one), from the cargo registry sources.
pub fn rust_crates(n: usize, rng: &mut Rng, notes: &mut Vec<String>) -> Vec<Edit> {
    let Some(registry) = cargo_home().map(|h| h.join("registry").join("src")) else {
        notes.push("rust_crates: no cargo home ($CARGO_HOME or $HOME/.cargo); skipped".into());
        return Vec::new();
    };
    let mut crates: Vec<PathBuf> = sorted_dir(&registry)
        .into_iter()
        .flat_map(|index| sorted_dir(&index))
        .filter(|p| p.is_dir())
        .collect();
    let mut seen = std::collections::HashSet::new();
    crates.retain(|p| seen.insert(crate_name(p)));
    if crates.is_empty() {
        notes.push(format!(
            "rust_crates: no crate sources under {}; skipped",
            registry.display()
        ));
        return Vec::new();
    }
    rng.shuffle(&mut crates);
    let mut out = Vec::new();
    for dir in crates {
        if out.len() >= n {
            break;
        }
        let mut files = Vec::new();
        walk(&dir.join("src"), "rs", &mut files);
        if files.is_empty() {
            continue;
        }
        let file = files.swap_remove(rng.usize(..files.len()));
        let rel = file.strip_prefix(&registry).unwrap_or(&file);
        // `<index>/<crate-version>/src/...` -> `<crate-version>/src/...`
        let rel: PathBuf = rel.components().skip(1).collect();
        if let Some(edit) = make(Source::RustCrates, &file, &rel, rng) {
            out.push(edit);
        }
    }
    if out.len() < n {
        notes.push(format!("rust_crates: {} of {n} files found", out.len()));
    }
    out
}

/// Up to `n` edits of Python standard library modules (the newest
/// `/usr/lib/python3.*`, its tests and site-packages left out).
pub fn python_stdlib(n: usize, rng: &mut Rng, notes: &mut Vec<String>) -> Vec<Edit> {
    let lib = sorted_dir(Path::new("/usr/lib"))
        .into_iter()
        .filter(|p| {
            p.file_name().and_then(|s| s.to_str()).is_some_and(|s| {
                s.starts_with("python3.") && s[8..].chars().all(|c| c.is_ascii_digit())
            })
        })
        .max_by_key(|p| {
            p.file_name()
                .and_then(|s| s.to_str())
                .and_then(|s| s[8..].parse::<u32>().ok())
                .unwrap_or(0)
        });
    let Some(lib) = lib else {
        notes.push("python_stdlib: no /usr/lib/python3.* found; skipped".into());
        return Vec::new();
    };
    let mut files = Vec::new();
    walk(&lib, "py", &mut files);
    rng.shuffle(&mut files);
    let mut out = Vec::new();
    for file in files {
        if out.len() >= n {
            break;
        }
        let rel = file.strip_prefix(&lib).unwrap_or(&file).to_path_buf();
        if let Some(edit) = make(Source::PythonStdlib, &file, &rel, rng) {
            out.push(edit);
        }
    }
    if out.len() < n {
        notes.push(format!(
            "python_stdlib: {} of {n} files found in {}",
            out.len(),
            lib.display()
        ));
    }
    out
}

fn make(source: Source, file: &Path, rel: &Path, rng: &mut Rng) -> Option<Edit> {
    let path = rel.to_str()?.replace('\\', "/");
    let lang = Lang::of(&path)?;
    let before = fs::read_to_string(file).ok()?;
    if !usable(&before) {
        return None;
    }
    let change = mutate(&before, lang, rng)?;
    Some(Edit {
        source,
        path,
        origin: file.display().to_string(),
        before,
        after: change.after,
        kind: change.kind,
    })
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// `serde-1.0.200` -> `serde`.
fn crate_name(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.rfind('-') {
        Some(i) if name[i + 1..].starts_with(|c: char| c.is_ascii_digit()) => name[..i].to_owned(),
        _ => name,
    }
}

fn sorted_dir(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Files under `dir` ending in `.ext` within [`SIZES`], sorted, skipping
/// test suites, caches and third-party packages.
fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    const SKIP: &[&str] = &[
        "test",
        "tests",
        "__pycache__",
        "site-packages",
        "dist-packages",
        "idlelib",
    ];
    for path in sorted_dir(dir) {
        let name = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&path, ext, out);
            }
        } else if path.extension().is_some_and(|e| e == ext)
            && fs::metadata(&path).is_ok_and(|m| SIZES.contains(&m.len()))
        {
            out.push(path);
        }
    }
}
