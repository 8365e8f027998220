//! Tree-sitter parsing for the languages Chamber edits structurally.
//!
//! [`syntax_errors`] lists the `ERROR` and `MISSING` nodes of a parse, and
//! [`check_edit`] decides whether an edit may be written: it is refused only
//! when it *adds* syntax errors, so a file that was already broken can still
//! be edited as long as the edit does not make it worse.

use std::path::{Path, PathBuf};

use tree_sitter::{Language, LanguageError, Node, Parser, Tree};

/// A language Chamber can parse with tree-sitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Rust (`.rs`).
    Rust,
    /// Python (`.py`, `.pyi`).
    Python,
    /// TypeScript without JSX (`.ts`, `.mts`, `.cts`).
    TypeScript,
    /// TypeScript with JSX (`.tsx`).
    Tsx,
    /// JavaScript, JSX included (`.js`, `.mjs`, `.cjs`, `.jsx`).
    JavaScript,
    /// Go (`.go`).
    Go,
}

impl Lang {
    /// The language of a file, from its extension (case-insensitive);
    /// `None` when Chamber has no grammar for it.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "rs" => Some(Lang::Rust),
            "py" | "pyi" => Some(Lang::Python),
            "ts" | "mts" | "cts" => Some(Lang::TypeScript),
            "tsx" => Some(Lang::Tsx),
            "js" | "mjs" | "cjs" | "jsx" => Some(Lang::JavaScript),
            "go" => Some(Lang::Go),
            _ => None,
        }
    }

    /// A short human name ("Rust", "TypeScript", ...).
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::TypeScript => "TypeScript",
            Lang::Tsx => "TSX",
            Lang::JavaScript => "JavaScript",
            Lang::Go => "Go",
        }
    }

    /// The tree-sitter grammar of this language.
    pub fn language(self) -> Language {
        match self {
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }

    /// A parser set up for this language.
    pub fn parser(self) -> Result<Parser, ParseError> {
        let mut parser = Parser::new();
        parser.set_language(&self.language())?;
        Ok(parser)
    }

    /// Parses `text` into a syntax tree (error recovery included: a broken
    /// file still yields a tree, with `ERROR`/`MISSING` nodes in it).
    pub fn parse(self, text: &str) -> Result<Tree, ParseError> {
        self.parser()?.parse(text, None).ok_or(ParseError::NoTree)
    }
}

/// Why a parser could not be built or produced no tree.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The grammar is incompatible with the tree-sitter runtime.
    #[error("the tree-sitter grammar could not be loaded: {0}")]
    Language(#[from] LanguageError),
    /// The parser gave up without producing a tree.
    #[error("the tree-sitter parser produced no tree")]
    NoTree,
}

/// One syntax error found in a parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxIssue {
    /// 1-based line where the error starts.
    pub line: usize,
    /// 1-based column (in characters) where the error starts.
    pub column: usize,
    /// `"error"` for an unparsable region, `"missing X"` for a token or
    /// node tree-sitter had to invent (`missing "}"`, `missing identifier`).
    pub kind: String,
    /// The text of the line the error starts on, trimmed and shortened.
    pub snippet: String,
}

/// The longest snippet kept for a [`SyntaxIssue`], in characters.
const SNIPPET_CHARS: usize = 160;

/// The syntax errors of `text`: every outermost `ERROR` node and every
/// `MISSING` node outside one, in document order. A parser that cannot be
/// built (never with the bundled grammars) yields no issues.
pub fn syntax_errors(lang: Lang, text: &str) -> Vec<SyntaxIssue> {
    match lang.parse(text) {
        Ok(tree) => tree_issues(&tree, text),
        Err(_) => Vec::new(),
    }
}

/// The syntax errors of an already parsed tree of `text`.
pub fn tree_issues(tree: &Tree, text: &str) -> Vec<SyntaxIssue> {
    let mut issues = Vec::new();
    collect_issues(tree.root_node(), text, &mut issues);
    issues
}

fn collect_issues(root: Node<'_>, text: &str, out: &mut Vec<SyntaxIssue>) {
    // An explicit stack: deeply nested broken code must not exhaust ours.
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() {
            out.push(issue_at(node, "error".to_owned(), text));
        } else if node.is_missing() {
            let kind = if node.is_named() {
                format!("missing {}", node.kind())
            } else {
                format!("missing \"{}\"", node.kind())
            };
            out.push(issue_at(node, kind, text));
        } else if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
}

fn issue_at(node: Node<'_>, kind: String, text: &str) -> SyntaxIssue {
    let start = node.start_byte().min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = text
        .get(line_start..start)
        .map_or(node.start_position().column, |s| s.chars().count())
        + 1;
    SyntaxIssue {
        line: node.start_position().row + 1,
        column,
        kind,
        snippet: line_snippet(text, line_start),
    }
}

/// The line of `text` starting at byte `line_start`, trimmed and cut to
/// [`SNIPPET_CHARS`] characters.
fn line_snippet(text: &str, line_start: usize) -> String {
    let rest = text.get(line_start..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("").trim();
    if line.chars().count() > SNIPPET_CHARS {
        let cut: String = line.chars().take(SNIPPET_CHARS).collect();
        format!("{cut}...")
    } else {
        line.to_owned()
    }
}

/// An edit refused because it would add syntax errors. Its message is
/// written for the model: where the first new error is, the offending line,
/// and that nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}: syntax error ({kind}) introduced by the edit:\n    {snippet}\n\
     ({language}: {after_count} syntax error(s) after the edit, {before_count} before); \
     the edit was not applied; fix the syntax and retry",
    location(.path.as_deref(), *.line, *.column)
)]
pub struct SyntaxRejection {
    /// The edited file, when the caller named one.
    pub path: Option<PathBuf>,
    /// The language the file was parsed as.
    pub language: &'static str,
    /// 1-based line of the first new error.
    pub line: usize,
    /// 1-based column of the first new error.
    pub column: usize,
    /// The kind of the first new error (`"error"`, `missing ";"`, ...).
    pub kind: String,
    /// The offending line's text.
    pub snippet: String,
    /// Syntax errors before the edit (0 for a new file).
    pub before_count: usize,
    /// Syntax errors the edit would leave.
    pub after_count: usize,
}

impl SyntaxRejection {
    /// The same rejection, naming `path` as the edited file.
    #[must_use]
    pub fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }
}

/// `path:line:column`, or `line L, column C` when no file is named.
fn location(path: Option<&Path>, line: usize, column: usize) -> String {
    match path {
        Some(path) => format!("{}:{line}:{column}", path.display()),
        None => format!("line {line}, column {column}"),
    }
}

/// Checks an edit of `path` from `before` (`None`: a new file) to `after`.
///
/// The rule: the edit is rejected only when the new text has **more**
/// syntax issues (outermost `ERROR` nodes plus `MISSING` nodes) than the old
/// one. A clean file must therefore stay clean, and a file that was already
/// broken may be edited freely as long as the count does not grow, so an
/// edit that fixes one error while another remains is accepted. Counting
/// rather than matching positions keeps the rule robust against
/// tree-sitter's error recovery, which may describe an untouched broken
/// region differently after an edit elsewhere.
///
/// Files of a language Chamber cannot parse are always accepted.
pub fn check_edit(path: &Path, before: Option<&str>, after: &str) -> Result<(), SyntaxRejection> {
    match Lang::from_path(path) {
        Some(lang) => check_edit_as(lang, before, after).map_err(|r| r.with_path(path)),
        None => Ok(()),
    }
}

/// [`check_edit`] for text whose language is known but whose path is not;
/// the rejection names no file (see [`SyntaxRejection::with_path`]).
pub fn check_edit_as(lang: Lang, before: Option<&str>, after: &str) -> Result<(), SyntaxRejection> {
    let after_issues = syntax_errors(lang, after);
    if after_issues.is_empty() {
        return Ok(());
    }
    let before_issues = before.map(|b| syntax_errors(lang, b)).unwrap_or_default();
    if after_issues.len() <= before_issues.len() {
        return Ok(());
    }
    let Some(first) =
        first_new_issue(&before_issues, &after_issues).or_else(|| after_issues.first())
    else {
        return Ok(());
    };
    Err(SyntaxRejection {
        path: None,
        language: lang.name(),
        line: first.line,
        column: first.column,
        kind: first.kind.clone(),
        snippet: first.snippet.clone(),
        before_count: before_issues.len(),
        after_count: after_issues.len(),
    })
}

/// The first issue of `after` with no counterpart (same kind, same line
/// text) in `before`.
fn first_new_issue<'a>(
    before: &[SyntaxIssue],
    after: &'a [SyntaxIssue],
) -> Option<&'a SyntaxIssue> {
    let mut unmatched: Vec<&SyntaxIssue> = before.iter().collect();
    for issue in after {
        let twin = unmatched
            .iter()
            .position(|old| old.kind == issue.kind && old.snippet == issue.snippet);
        match twin {
            Some(i) => {
                unmatched.swap_remove(i);
            }
            None => return Some(issue),
        }
    }
    None
}
