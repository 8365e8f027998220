//! Walking a repository: which files the index holds. Gitignore-aware
//! (through `ignore`), never `.git/` or `.chamber/`, no hidden files, no
//! files over the size limit, and (by rule, configurable) no generated,
//! minified or vendored files. Content rules (binary, "generated" headers,
//! minified lines) are in [`classify_content`], applied when a file is read.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::UNIX_EPOCH;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;

use crate::error::IndexError;
use crate::options::IndexOptions;

/// Path rules for generated, vendored and lock files, `.gitignore`-style.
const GENERATED_RULES: &[&str] = &[
    "node_modules/",
    "bower_components/",
    "vendor/",
    "*.min.js",
    "*.min.css",
    "*.map",
    "*.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "go.sum",
    "*.pb.go",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.generated.*",
    "*.snap",
];

/// Directories never entered, whatever the rules say.
const NEVER: &[&str] = &[".git", ".chamber", "__pycache__"];

/// Extensions of files that are always binary: skipped by name, without
/// reading them (the NUL check would reject them anyway, after a read).
const BINARY_EXTENSIONS: &[&str] = &[
    "pyc", "pyo", "so", "dylib", "dll", "exe", "o", "a", "lib", "rlib", "class", "jar", "png",
    "jpg", "jpeg", "gif", "ico", "webp", "bmp", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst",
    "7z", "rar", "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "wav", "ogg", "webm", "db",
    "sqlite", "wasm", "bin",
];

/// One file the walk kept.
#[derive(Debug, Clone)]
pub(crate) struct WalkedFile {
    /// Relative, `/`-separated.
    pub rel: String,
    /// Absolute path.
    pub abs: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// The compiled walk rules.
#[derive(Clone)]
pub(crate) struct Rules {
    exclude: Arc<Gitignore>,
    include: Arc<Gitignore>,
    generated: Option<Arc<Gitignore>>,
    max_file_bytes: u64,
    /// The index's own directory, never walked.
    skip_dir: Option<PathBuf>,
    /// The root's own ignore files (`.gitignore`, `.ignore`,
    /// `.git/info/exclude`), for judging a single new path without a walk.
    root_ignore: Arc<Gitignore>,
}

impl Rules {
    /// Compiles the options' patterns for a walk of `root`.
    pub fn new(root: &Path, options: &IndexOptions) -> Result<Self, IndexError> {
        let generated = if options.skip_generated {
            Some(Arc::new(matcher(root, GENERATED_RULES.iter().copied())?))
        } else {
            None
        };
        Ok(Self {
            exclude: Arc::new(matcher(root, options.exclude.iter().map(String::as_str))?),
            include: Arc::new(matcher(root, options.include.iter().map(String::as_str))?),
            generated,
            max_file_bytes: options.max_file_bytes,
            skip_dir: None,
            root_ignore: Arc::new(root_ignore(root)),
        })
    }

    /// Whether a new file is surely not indexed, judging by its path alone:
    /// hidden, excluded by a rule, or ignored by the root's ignore files.
    /// (A deeper `.gitignore` is not consulted; the walk settles those.)
    pub fn surely_skipped(&self, rel: &str) -> bool {
        rel.split('/').any(|part| part.starts_with('.'))
            || !self.keep_file(Path::new(rel))
            || self
                .root_ignore
                .matched_path_or_any_parents(rel, false)
                .is_ignore()
    }

    /// The same rules, never entering `dir` (an index stored inside the
    /// tree it indexes).
    pub fn skipping(mut self, dir: &Path) -> Self {
        self.skip_dir = Some(dir.to_path_buf());
        self
    }

    /// Whether the directory (relative path) is walked into.
    fn enter_dir(&self, rel: &Path) -> bool {
        if rel
            .file_name()
            .is_some_and(|n| NEVER.iter().any(|never| n == *never))
        {
            return false;
        }
        if self.exclude.matched(rel, true).is_ignore() {
            return false;
        }
        match &self.generated {
            // A vendored directory is pruned unless some include pattern
            // might bring part of it back.
            Some(generated) => {
                !self.include.is_empty() || !generated.matched(rel, true).is_ignore()
            }
            None => true,
        }
    }

    /// Whether the file (relative path) is indexed, judging by its path.
    pub fn keep_file(&self, rel: &Path) -> bool {
        let binary = rel
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| BINARY_EXTENSIONS.iter().any(|b| e.eq_ignore_ascii_case(b)));
        if binary
            || self
                .exclude
                .matched_path_or_any_parents(rel, false)
                .is_ignore()
        {
            return false;
        }
        match &self.generated {
            Some(generated) => {
                !generated
                    .matched_path_or_any_parents(rel, false)
                    .is_ignore()
                    || self
                        .include
                        .matched_path_or_any_parents(rel, false)
                        .is_ignore()
            }
            None => true,
        }
    }

    /// Whether content rules may skip this file (false when an include
    /// pattern names it).
    pub fn content_rules_apply(&self, rel: &str) -> bool {
        self.generated.is_some()
            && !self
                .include
                .matched_path_or_any_parents(rel, false)
                .is_ignore()
    }
}

fn matcher<'a>(
    root: &Path,
    patterns: impl Iterator<Item = &'a str>,
) -> Result<Gitignore, IndexError> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in patterns {
        builder
            .add_line(None, pattern)
            .map_err(|e| IndexError::Pattern {
                pattern: pattern.to_owned(),
                message: e.to_string(),
            })?;
    }
    builder.build().map_err(|e| IndexError::Pattern {
        pattern: String::new(),
        message: e.to_string(),
    })
}

/// The root's `.gitignore`, `.ignore` and `.git/info/exclude` (whichever
/// exist; unreadable ones are left out).
fn root_ignore(root: &Path) -> Gitignore {
    let mut builder = GitignoreBuilder::new(root);
    for file in [".gitignore", ".ignore", ".git/info/exclude"] {
        let path = root.join(file);
        if path.is_file() {
            let _ = builder.add(path);
        }
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// Every file under `root` the index should consider, sorted by path.
pub(crate) fn walk(root: &Path, rules: &Rules) -> Vec<WalkedFile> {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .ignore(true)
        .parents(true)
        .require_git(false)
        .follow_links(false);
    let dir_rules = rules.clone();
    let root_owned = root.to_path_buf();
    builder.filter_entry(move |entry| {
        if !entry.file_type().is_some_and(|t| t.is_dir()) {
            return true;
        }
        if dir_rules.skip_dir.as_deref() == Some(entry.path()) {
            return false;
        }
        match entry.path().strip_prefix(&root_owned) {
            Ok(rel) if rel.as_os_str().is_empty() => true,
            Ok(rel) => dir_rules.enter_dir(rel),
            Err(_) => true,
        }
    });
    // Stat calls dominate a walk of an unchanged tree: spread them.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    builder.threads(threads);
    let found = std::sync::Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            if let Ok(entry) = entry
                && let Some(file) = walked_file(root, rules, &entry)
                && let Ok(mut found) = found.lock()
            {
                found.push(file);
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = found.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// The walk's record of one entry, when it is a file the rules keep.
fn walked_file(root: &Path, rules: &Rules, entry: &ignore::DirEntry) -> Option<WalkedFile> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let rel = entry.path().strip_prefix(root).ok()?;
    if !rules.keep_file(rel) {
        return None;
    }
    let meta = entry.metadata().ok()?;
    if meta.len() > rules.max_file_bytes {
        return None;
    }
    Some(WalkedFile {
        rel: rel_string(rel)?,
        abs: entry.path().to_path_buf(),
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
    })
}

/// `rel` as a `/`-separated UTF-8 string (`None` for non-UTF-8 names).
fn rel_string(rel: &Path) -> Option<String> {
    let mut out = String::new();
    for part in rel.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(part.as_os_str().to_str()?);
    }
    Some(out)
}

/// A file's modification time in nanoseconds since the epoch (0 when the
/// platform cannot say).
pub(crate) fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Why a file's content keeps it out of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// A NUL byte in the first 8 KiB.
    Binary,
    /// The first lines say it is generated.
    Generated,
    /// A very long first line: minified code or data.
    Minified,
}

impl Skip {
    /// The reason as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Binary => "binary",
            Skip::Generated => "generated",
            Skip::Minified => "minified",
        }
    }
}

/// Lines at the top of a file that mark it generated.
static GENERATED_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(@generated\b|\bauto-?generated\b|\bautomatically generated\b|\bdo not (edit|modify)\b",
        r"|\b(file|code) (is |was )?(automatically |auto-)?generated\b",
        r"|\bgenerated (automatically|by (the )?[\w./-]+\.(py|sh|pl|rb|go|js)\b|by (protoc|bindgen|cbindgen|cython|swig))",
        r")"
    ))
    .ok()
});

/// How many leading lines are checked for a "generated" header.
const HEADER_LINES: usize = 5;

/// Decides from content whether a file stays out: binary always;
/// generated and minified only when `generated_rules` is on.
pub(crate) fn classify_content(bytes: &[u8], generated_rules: bool) -> Option<Skip> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some(Skip::Binary);
    }
    if !generated_rules {
        return None;
    }
    if bytes.len() > 8192 && !head.contains(&b'\n') {
        return Some(Skip::Minified);
    }
    let header: Vec<&[u8]> = head.split(|&b| b == b'\n').take(HEADER_LINES).collect();
    if let Some(re) = GENERATED_HEADER.as_ref() {
        for line in header {
            if re.is_match(&String::from_utf8_lossy(line)) {
                return Some(Skip::Generated);
            }
        }
    }
    None
}

/// Whether a path names a test file, by the conventions of its language:
/// a `tests/`, `test/`, `__tests__/` or `spec/` directory; `test_*.py`,
/// `*_test.py`, `conftest.py`; `*_test.go`; `*.test.ts`, `*.spec.js` and
/// friends; Rust `tests.rs` and `*_tests.rs`.
pub fn is_test_path(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    let Some(name) = parts.pop() else {
        return false;
    };
    if parts
        .iter()
        .any(|d| matches!(*d, "tests" | "test" | "__tests__" | "spec" | "testdata"))
    {
        return true;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, ext),
        None => return false,
    };
    match ext {
        "py" | "pyi" => stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest",
        "go" => stem.ends_with("_test"),
        "rs" => stem == "tests" || stem.ends_with("_tests") || stem.ends_with("_test"),
        "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts" => {
            stem.ends_with(".test") || stem.ends_with(".spec") || stem.ends_with("_test")
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
