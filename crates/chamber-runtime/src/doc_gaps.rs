//! `chamber doc`: which definitions lack documentation, found by the
//! symbol engine (a Python docstring as the body's first statement; a
//! doc comment before the definition elsewhere), and the preset plan that
//! asks the model to write exactly those.

use std::path::Path;

use chamber_edit::symbols::{SymbolKind, list_symbols};
use chamber_edit::syntax::Lang;
use chamber_protocol::{Plan, Step, StepKind};

/// A definition without documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The file, relative to the project root.
    pub file: String,
    /// 1-based line of the definition.
    pub line: usize,
    /// Its full path (`Class.method`).
    pub symbol: String,
}

/// Whether the definition at `def_start` is documented.
fn documented(lang: Lang, text: &str, span_start: usize, def_start: usize) -> bool {
    if lang == Lang::Python {
        // The first statement of the body is a string literal.
        let body = text.get(def_start..).unwrap_or_default();
        let after_header = body
            .split_once(":\n")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        let first = after_header
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        return first.starts_with("\"\"\"") || first.starts_with("'''") || first.starts_with('"');
    }
    // Leading docs are part of the span before the definition.
    let lead = text.get(span_start..def_start).unwrap_or_default();
    lead.lines().any(|l| {
        l.trim_start().starts_with("//")
            || l.trim_start().starts_with("/*")
            || l.trim_start().starts_with('*')
    })
}

/// The public definitions under `path` (a file or directory) that lack
/// documentation; private ones (`_name`, lowercase Go names) are skipped.
pub fn gaps(root: &Path, path: &str) -> Vec<Gap> {
    let base = root.join(path);
    let files: Vec<std::path::PathBuf> = if base.is_file() {
        vec![base]
    } else {
        ignore::WalkBuilder::new(&base)
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .collect()
    };
    let mut found = Vec::new();
    for file in files {
        let Some(lang) = Lang::from_path(&file) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(symbols) = list_symbols(lang, &text) else {
            continue;
        };
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for s in symbols {
            let private = s.name.starts_with('_')
                || (lang == Lang::Go && s.name.chars().next().is_some_and(char::is_lowercase));
            let kind_wanted = !matches!(s.kind, SymbolKind::Impl | SymbolKind::Module);
            if private || !kind_wanted || documented(lang, &text, s.span.start, s.definition.start)
            {
                continue;
            }
            found.push(Gap {
                file: rel.clone(),
                line: s.line,
                symbol: s.path,
            });
        }
    }
    found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    found
}

/// The task and plan: document each gap (or write a README section for
/// `path` when `readme`).
pub fn doc_plan(path: &str, gaps: &[Gap], readme: bool) -> (String, Plan) {
    let (title, detail) = if readme {
        (
            format!("Write a README section for {path}"),
            format!(
                "Add a section to README.md (create it if missing) describing {path}: what it is for, how to use it, with a short example. Change no code."
            ),
        )
    } else {
        let list: Vec<String> = gaps
            .iter()
            .map(|g| format!("- {}:{} {}", g.file, g.line, g.symbol))
            .collect();
        (
            format!("Document {path}"),
            format!(
                "Add a doc comment (a Python docstring, JSDoc for JavaScript/TypeScript, `///` for Rust, `//` for Go) to each of these definitions, saying what it is for and what it returns; change no code:\n{}",
                list.join("\n")
            ),
        )
    };
    let plan = Plan {
        title: title.clone(),
        steps: vec![Step {
            id: "1".into(),
            title: title.clone(),
            detail: detail.clone(),
            kind: StepKind::Edit,
            depends_on: Vec::new(),
            notes: None,
            action: None,
        }],
    };
    (format!("{title}. {detail}"), plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_public_definitions_without_docs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m.py"),
            "def a():\n    \"\"\"Has one.\"\"\"\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef _c():\n    return 3\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("l.rs"),
            "/// Doc.\npub fn x() {}\n\npub fn y() {}\n",
        )
        .unwrap();
        let found: Vec<String> = gaps(dir.path(), ".")
            .into_iter()
            .map(|g| g.symbol)
            .collect();
        assert_eq!(found, vec!["y", "b"]);
    }
}
