//! What an issue text names: identifiers, dotted paths, file paths and
//! stack-trace frames, pulled out with plain text rules (no model).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

/// The terms a task text mentions, each list deduplicated in first-seen order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskTerms {
    /// Code-like identifiers: CamelCase, snake_case, names in backticks or
    /// code blocks, names followed by `(`. Dotted names are split into their
    /// parts here too.
    pub identifiers: Vec<String>,
    /// Dotted names as written (`astropy.io.fits`, `Foo.bar`).
    pub dotted: Vec<String>,
    /// File paths as written (`src/lib.rs`, `requests/models.py`).
    pub paths: Vec<String>,
    /// Files named by stack-trace frames (`File "x/y.py", line 3`, `at
    /// x/y.go:12`), with the line.
    pub frames: Vec<(String, u32)>,
    /// Every lower-cased word of three letters or more (for path components
    /// and module names).
    pub words: Vec<String>,
}

static FRAME_PY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"File "([^"]+)", line (\d+)"#).ok());
static FRAME_COLON: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9_./\\-]+\.(?:py|rs|go|ts|tsx|js|jsx|mjs|cjs|pyx|c|h|cpp)):(\d+)").ok()
});
static PATH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^A-Za-z0-9_./-])((?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_-]+\.(?:py|pyi|pyx|rs|go|ts|tsx|js|jsx|mjs|cjs|c|h|cpp|hpp|java|rb|toml|cfg|ini|json|yaml|yml|md|rst|txt))\b",
    )
    .ok()
});
static DOTTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::)[A-Za-z_][A-Za-z0-9_]*)+").ok()
});
static IDENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").ok());
static CALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(").ok());
static CODE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?s)```.*?```|`[^`\n]+`").ok());

/// File extensions that end a "dotted name" which is really a file name.
const FILE_EXTS: &[&str] = &[
    "py", "pyi", "pyx", "rs", "go", "ts", "tsx", "js", "jsx", "mjs", "cjs", "c", "h", "cpp", "hpp",
    "java", "rb", "toml", "cfg", "ini", "json", "yaml", "yml", "md", "rst", "txt", "html", "com",
    "org", "io",
];

/// Whether `word` looks like code rather than prose: it has an underscore,
/// an inner capital (`fooBar`, `FooBar`) or a digit after letters.
pub fn is_code_like(word: &str) -> bool {
    if word.len() < 3 {
        return false;
    }
    let trimmed = word.trim_matches('_');
    if trimmed.contains('_') || word.starts_with("__") {
        return true;
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let inner_upper = chars.iter().skip(1).any(|c| c.is_ascii_uppercase());
    let has_lower = chars.iter().any(|c| c.is_ascii_lowercase());
    inner_upper && has_lower
}

fn push_unique(list: &mut Vec<String>, seen: &mut BTreeSet<String>, item: &str) {
    if !item.is_empty() && seen.insert(item.to_string()) {
        list.push(item.to_string());
    }
}

/// Pulls the terms out of `text`.
pub fn extract(text: &str) -> TaskTerms {
    let mut terms = TaskTerms::default();
    let mut seen_ident = BTreeSet::new();
    let mut seen_dotted = BTreeSet::new();
    let mut seen_path = BTreeSet::new();
    let mut seen_word = BTreeSet::new();
    let mut seen_frame = BTreeSet::new();

    for re in [&*FRAME_PY, &*FRAME_COLON].into_iter().flatten() {
        for cap in re.captures_iter(text) {
            let path = cap[1].replace('\\', "/");
            let line = cap[2].parse().unwrap_or(0);
            if seen_frame.insert(path.clone()) {
                terms.frames.push((path, line));
            }
        }
    }
    if let Some(re) = &*PATH {
        for cap in re.captures_iter(text) {
            let path = cap[1].trim_start_matches("./");
            push_unique(&mut terms.paths, &mut seen_path, path);
        }
    }
    // Names inside code (backticks, fenced blocks) count as identifiers
    // even when they look like plain words.
    let mut code_words = BTreeSet::new();
    if let (Some(code), Some(ident)) = (&*CODE, &*IDENT) {
        for m in code.find_iter(text) {
            for w in ident.find_iter(m.as_str()) {
                code_words.insert(w.as_str().to_string());
            }
        }
    }
    let mut called = BTreeSet::new();
    if let Some(re) = &*CALL {
        for cap in re.captures_iter(text) {
            called.insert(cap[1].to_string());
        }
    }
    if let Some(re) = &*DOTTED {
        for m in re.find_iter(text) {
            let name = m.as_str();
            let last = name.rsplit(['.', ':']).next().unwrap_or("");
            if name.contains('.') && FILE_EXTS.contains(&last) {
                continue;
            }
            push_unique(&mut terms.dotted, &mut seen_dotted, name);
            for part in name.split(['.', ':']).filter(|p| !p.is_empty()) {
                if part.len() >= 3 && !is_stop_word(part) {
                    push_unique(&mut terms.identifiers, &mut seen_ident, part);
                }
            }
        }
    }
    if let Some(re) = &*IDENT {
        for m in re.find_iter(text) {
            let word = m.as_str();
            let lower = word.to_ascii_lowercase();
            if lower.len() >= 3 && !is_stop_word(&lower) {
                push_unique(&mut terms.words, &mut seen_word, &lower);
            }
            let codeish = is_code_like(word)
                || (word.len() >= 3
                    && !is_stop_word(&lower)
                    && (code_words.contains(word) || called.contains(word)));
            if codeish {
                push_unique(&mut terms.identifiers, &mut seen_ident, word);
            }
        }
    }
    terms
}

/// Common English and code words that name nothing in particular.
pub fn is_stop_word(word: &str) -> bool {
    const STOP: &[&str] = &[
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "not",
        "but",
        "are",
        "was",
        "were",
        "you",
        "your",
        "has",
        "have",
        "had",
        "can",
        "will",
        "would",
        "should",
        "could",
        "when",
        "what",
        "which",
        "there",
        "their",
        "then",
        "than",
        "into",
        "also",
        "use",
        "used",
        "using",
        "get",
        "set",
        "def",
        "class",
        "self",
        "return",
        "import",
        "none",
        "true",
        "false",
        "let",
        "var",
        "const",
        "pub",
        "struct",
        "impl",
        "new",
        "all",
        "any",
        "out",
        "one",
        "two",
        "its",
        "our",
        "how",
        "why",
        "see",
        "like",
        "just",
        "some",
        "only",
        "other",
        "more",
        "most",
        "such",
        "same",
        "here",
        "where",
        "does",
        "did",
        "doe",
        "been",
        "being",
        "bug",
        "issue",
        "error",
        "example",
        "expected",
        "actual",
        "behavior",
        "behaviour",
        "output",
        "code",
        "python",
        "print",
        "line",
        "file",
        "files",
        "test",
        "tests",
        "work",
        "works",
        "traceback",
        "recent",
        "call",
        "last",
        "most",
        "following",
        "result",
        "results",
        "value",
        "values",
        "version",
        "want",
        "need",
        "way",
        "because",
        "while",
        "if",
        "else",
        "elif",
        "try",
        "except",
        "raise",
        "pass",
        "lambda",
        "yield",
        "async",
        "await",
        "fn",
        "func",
        "string",
        "str",
        "int",
        "float",
        "list",
        "dict",
        "tuple",
        "object",
        "type",
        "http",
        "https",
        "www",
        "github",
        "com",
        "org",
        "html",
        "after",
        "before",
        "between",
        "each",
        "every",
        "may",
        "might",
        "must",
        "these",
        "those",
        "them",
        "they",
        "than",
        "too",
        "very",
        "who",
        "why",
    ];
    STOP.contains(&word.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_paths_and_frames_are_found() {
        let text = "`QuerySet.bulk_create` fails in django/db/models/query.py.\n\
            Traceback (most recent call last):\n  File \"/usr/lib/site-packages/astropy/io/fits/card.py\", line 42, in _format\n\
            The HTTPAdapter sends it; see requests.sessions.Session.request(). Also src/main.rs:12 panics.";
        let t = extract(text);
        assert!(t.identifiers.contains(&"bulk_create".to_string()), "{t:?}");
        assert!(t.identifiers.contains(&"QuerySet".to_string()));
        assert!(t.identifiers.contains(&"HTTPAdapter".to_string()));
        assert!(t.identifiers.contains(&"Session".to_string()));
        assert!(
            t.dotted
                .contains(&"requests.sessions.Session.request".to_string())
        );
        assert!(t.paths.contains(&"django/db/models/query.py".to_string()));
        assert_eq!(
            t.frames[0],
            (
                "/usr/lib/site-packages/astropy/io/fits/card.py".to_string(),
                42
            )
        );
        assert!(t.frames.iter().any(|(p, l)| p == "src/main.rs" && *l == 12));
        assert!(!t.identifiers.iter().any(|i| i == "the" || i == "fails"));
        // A file name is not a dotted identifier.
        assert!(!t.dotted.iter().any(|d| d.ends_with(".py")));
    }

    #[test]
    fn prose_words_are_not_identifiers_but_code_words_are() {
        let t = extract("Calling render twice breaks. In code: `render(x)` and parse( y )");
        assert!(t.identifiers.contains(&"render".to_string()));
        assert!(t.identifiers.contains(&"parse".to_string()));
        assert!(!t.identifiers.contains(&"Calling".to_string()));
        assert!(!t.identifiers.contains(&"twice".to_string()));
        assert!(t.words.contains(&"twice".to_string()));
    }
}
