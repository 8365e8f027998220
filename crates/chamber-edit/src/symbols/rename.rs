//! Renaming an identifier throughout one file.

use tree_sitter::Node;

use super::SymbolError;
use crate::syntax::{Lang, check_edit_as};

/// The result of [`rename_symbol`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    /// The whole new file text.
    pub text: String,
    /// How many identifiers were renamed.
    pub occurrences: usize,
    /// The 1-based lines they are on, ascending, each once.
    pub lines: Vec<usize>,
}

/// Renames every identifier of `text` spelled `old_name` to `new_name`.
///
/// Every identifier-like node counts (`identifier`, `type_identifier`,
/// `field_identifier`, `property_identifier`, the shorthand property forms,
/// `#private` names, Go labels, ...), so definitions, uses, fields and
/// methods of that name are renamed alike; the rename is textual over the
/// syntax tree, not scope-aware. String and comment contents are never
/// touched, but code inside string interpolations (`f"{x}"`, `` `${x}` ``)
/// is code and is renamed. `new_name` must be a valid, non-reserved
/// identifier of the language; no occurrence at all is an error.
pub fn rename_symbol(
    lang: Lang,
    text: &str,
    old_name: &str,
    new_name: &str,
) -> Result<Renamed, SymbolError> {
    let (old, new) = (bare_name(lang, old_name), bare_name(lang, new_name));
    validate_identifier(lang, new)?;
    if old == new {
        return Err(invalid(lang, new, "it is the current name"));
    }
    let tree = lang.parse(text)?;
    let private_old = format!("#{old}");
    let mut hits: Vec<(usize, usize, bool)> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if is_identifier_leaf(node) {
            let range = node.byte_range();
            let spelled = text.get(range.clone()).unwrap_or("");
            let private = node.kind() == "private_property_identifier" && spelled == private_old;
            if spelled == old || private {
                hits.push((range.start, range.end, private));
                let line = node.start_position().row + 1;
                if lines.last() != Some(&line) {
                    lines.push(line);
                }
            }
        }
        if cursor.goto_first_child() {
            continue;
        }
        let mut done = false;
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                done = true;
                break;
            }
        }
        if done {
            break;
        }
    }
    if hits.is_empty() {
        return Err(SymbolError::NoOccurrences {
            name: old.to_owned(),
        });
    }
    let mut out = String::with_capacity(text.len() + hits.len() * new.len());
    let mut copied = 0;
    for (start, end, private) in &hits {
        out.push_str(text.get(copied..*start).unwrap_or(""));
        if *private {
            out.push('#');
        }
        out.push_str(new);
        copied = *end;
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    check_edit_as(lang, Some(text), &out)?;
    Ok(Renamed {
        text: out,
        occurrences: hits.len(),
        lines,
    })
}

/// `name` trimmed; in JS/TS without the `#` of a private member (`#name`
/// and `name` both address it).
fn bare_name(lang: Lang, name: &str) -> &str {
    let name = name.trim();
    match lang {
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => name.strip_prefix('#').unwrap_or(name),
        _ => name,
    }
}

/// A leaf naming something in code (never part of a string or comment).
fn is_identifier_leaf(node: Node<'_>) -> bool {
    if !node.is_named() || node.child_count() != 0 || node.is_missing() {
        return false;
    }
    let kind = node.kind();
    kind.ends_with("identifier") || kind == "label_name"
}

fn invalid(lang: Lang, name: &str, reason: &str) -> SymbolError {
    SymbolError::InvalidIdentifier {
        name: name.to_owned(),
        language: lang.name(),
        reason: reason.to_owned(),
    }
}

/// Checks that `name` is a valid, non-reserved identifier of `lang`
/// (Rust raw identifiers `r#name` allowed; `$` allowed in JS/TS).
pub(crate) fn validate_identifier(lang: Lang, name: &str) -> Result<(), SymbolError> {
    let (bare, raw) = match name.strip_prefix("r#") {
        Some(rest) if lang == Lang::Rust => (rest, true),
        _ => (name, false),
    };
    let dollar = matches!(lang, Lang::TypeScript | Lang::Tsx | Lang::JavaScript);
    let mut chars = bare.chars();
    let Some(first) = chars.next() else {
        return Err(invalid(lang, name, "it is empty"));
    };
    if !(first.is_alphabetic() || first == '_' || (dollar && first == '$')) {
        return Err(invalid(lang, name, "it must start with a letter or `_`"));
    }
    if let Some(bad) = chars.find(|c| !(c.is_alphanumeric() || *c == '_' || (dollar && *c == '$')))
    {
        return Err(invalid(lang, name, &format!("it contains `{bad}`")));
    }
    if lang == Lang::Rust && bare == "_" {
        return Err(invalid(lang, name, "`_` is a pattern, not a name"));
    }
    if !raw && reserved_words(lang).contains(&bare) {
        return Err(invalid(lang, name, "it is a reserved word"));
    }
    Ok(())
}

/// The words of `lang` that cannot be identifiers (keywords and reserved
/// words); code generators use it to stay clear of them.
pub fn reserved_words(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Rust => &[
            "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
            "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod",
            "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
            "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
            "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized",
            "virtual", "yield",
        ],
        Lang::Python => &[
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
            "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
            "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
            "return", "try", "while", "with", "yield",
        ],
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => &[
            "break",
            "case",
            "catch",
            "class",
            "const",
            "continue",
            "debugger",
            "default",
            "delete",
            "do",
            "else",
            "enum",
            "export",
            "extends",
            "false",
            "finally",
            "for",
            "function",
            "if",
            "implements",
            "import",
            "in",
            "instanceof",
            "interface",
            "let",
            "new",
            "null",
            "package",
            "private",
            "protected",
            "public",
            "return",
            "static",
            "super",
            "switch",
            "this",
            "throw",
            "true",
            "try",
            "typeof",
            "var",
            "void",
            "while",
            "with",
            "yield",
            "await",
        ],
        Lang::Go => &[
            "break",
            "case",
            "chan",
            "const",
            "continue",
            "default",
            "defer",
            "else",
            "fallthrough",
            "for",
            "func",
            "go",
            "goto",
            "if",
            "import",
            "interface",
            "map",
            "package",
            "range",
            "return",
            "select",
            "struct",
            "switch",
            "type",
            "var",
        ],
    }
}
