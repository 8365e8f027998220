//! `search`: regex search over the project's files, gitignore-aware.

use std::path::Path;

use chamber_protocol::ToolResult;
use grep_regex::RegexMatcher;
use grep_searcher::sinks::Lossy;
use grep_searcher::{BinaryDetection, SearcherBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::context::ToolContext;
use crate::fs_tools::not_found;
use crate::list_tool::project_walker;
use crate::paths::{relative_display, resolve};
use crate::result::{failed, success};
use crate::specs::ToolArgs;

/// Default and upper bound of `max_results`.
const DEFAULT_RESULTS: u64 = 100;
const MAX_RESULTS: u64 = 1000;
/// Longest matching line shown in full.
const MAX_LINE_CHARS: usize = 300;

/// Arguments of `search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchArgs {
    /// Regular expression (Rust regex syntax) to look for, line by line; start it with (?i) to ignore case.
    pub pattern: String,
    /// File or directory to search, relative to the workspace root (default ".").
    #[serde(default)]
    pub path: Option<String>,
    /// Only search files whose path matches this glob, such as "*.py" or "src/**/*.rs".
    #[serde(default)]
    pub glob: Option<String>,
    /// Stop after this many matching lines (default 100, at most 1000).
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<u64>,
}

impl ToolArgs for SearchArgs {
    fn check(&self) -> Result<(), String> {
        if self.pattern.is_empty() {
            return Err("pattern is empty; give a regular expression to look for".into());
        }
        match self.max_results {
            Some(0) => Err("max_results must be at least 1".into()),
            Some(n) if n > MAX_RESULTS => Err(format!("max_results must be at most {MAX_RESULTS}")),
            _ => Ok(()),
        }
    }
}

/// Runs `search`.
pub(crate) async fn search(ctx: &ToolContext, args: SearchArgs) -> ToolResult {
    let shown = args.path.clone().unwrap_or_else(|| ".".to_string());
    let resolved = match resolve(&ctx.root, &shown) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    if !resolved.target.exists() {
        return failed(not_found(&shown));
    }
    let matcher = match RegexMatcher::new_line_matcher(&args.pattern) {
        Ok(m) => m,
        Err(e) => {
            return failed(format!(
                "invalid regex \"{}\": {e}\n(escape special characters such as ( [ {{ . * + ? with a backslash to match them literally)",
                args.pattern
            ));
        }
    };
    let filter = match &args.glob {
        Some(glob) => match glob_filter(&resolved.target, glob) {
            Ok(f) => Some(f),
            Err(e) => return failed(format!("invalid glob \"{glob}\": {e}")),
        },
        None => None,
    };
    let limit = args.max_results.unwrap_or(DEFAULT_RESULTS) as usize;
    let root = match crate::paths::canonical_root(&ctx.root) {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let dir = resolved.target.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        run_search(&root, &dir, &matcher, filter.as_ref(), limit)
    })
    .await;
    let (lines, stopped) = match outcome {
        Ok(found) => found,
        Err(e) => return failed(format!("search failed: {e}")),
    };
    if lines.is_empty() {
        let scope = args
            .glob
            .map(|g| format!(" (files matching {g})"))
            .unwrap_or_default();
        return success(format!(
            "no matches for /{}/ in {shown}{scope}",
            args.pattern
        ));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    if stopped {
        out.push_str(&format!(
            "[stopped after {limit} matches; narrow the pattern, path or glob, or raise max_results]\n"
        ));
    }
    success(out)
}

/// A matcher for `glob` with gitignore semantics, rooted at the search path:
/// `*.py` matches anywhere, `src/*.rs` only directly under `src`.
fn glob_filter(root: &Path, glob: &str) -> Result<Gitignore, ignore::Error> {
    let base = if root.is_dir() {
        root
    } else {
        root.parent().unwrap_or(root)
    };
    let mut builder = GitignoreBuilder::new(base);
    builder.add_line(None, glob)?;
    builder.build()
}

/// Whether `path` (a file) is selected by the glob filter.
fn selected(filter: &Gitignore, path: &Path) -> bool {
    if path.starts_with(filter.path()) {
        filter.matched_path_or_any_parents(path, false).is_ignore()
    } else {
        filter.matched(path, false).is_ignore()
    }
}

/// Collects `path:line: text` lines; the flag says the limit cut the search short.
fn run_search(
    root: &Path,
    dir: &Path,
    matcher: &RegexMatcher,
    filter: Option<&Gitignore>,
    limit: usize,
) -> (Vec<String>, bool) {
    let mut searcher = SearcherBuilder::new()
        .line_number(true)
        .binary_detection(BinaryDetection::quit(0))
        .build();
    let mut lines = Vec::new();
    let mut stopped = false;
    for entry in project_walker(dir).build().flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        if filter.is_some_and(|f| !selected(f, path)) || secrets_file(path) {
            continue;
        }
        let rel = relative_display(root, path);
        let result = searcher.search_path(
            matcher,
            path,
            Lossy(|line_number, text| {
                if lines.len() >= limit {
                    stopped = true;
                    return Ok(false);
                }
                let text = text.trim_end_matches(['\n', '\r']);
                lines.push(format!("{rel}:{line_number}: {}", cap(text)));
                Ok(true)
            }),
        );
        // Unreadable files are skipped; the search goes on.
        let _ = result;
        if stopped {
            break;
        }
    }
    (lines, stopped)
}

/// A matching line cut to a readable length.
fn cap(text: &str) -> String {
    match text.char_indices().nth(MAX_LINE_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// `.env` files hold secrets: search never shows their lines (reading them
/// is denied by the policy too). Example files are fine.
fn secrets_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    (name == ".env" || name.starts_with(".env."))
        && !matches!(
            name.as_str(),
            ".env.example" | ".env.sample" | ".env.template"
        )
}
