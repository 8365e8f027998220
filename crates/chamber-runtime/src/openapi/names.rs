//! Identifiers made from the spec's names for each target language:
//! `listUsers` → `list_users` (Python, Rust), `listUsers` (JavaScript),
//! `ListUsers` (Go and type names), with reserved words avoided.

use chamber_edit::symbols::reserved_words;
use chamber_edit::syntax::Lang;

/// The words of a name: split at non-alphanumerics and at case changes
/// (`HTTPServerError2` → `http`, `server`, `error2`), lower case.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for chunk in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|c| !c.is_empty())
    {
        let chars: Vec<char> = chunk.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                });
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Prefixes `_`-free names that would start with a digit or be empty.
fn fix_start(name: String, fallback: &str) -> String {
    match name.chars().next() {
        None => fallback.to_string(),
        Some(c) if c.is_ascii_digit() => format!("{fallback}{name}"),
        Some(_) => name,
    }
}

/// `snake_case`.
pub fn snake(name: &str) -> String {
    fix_start(words(name).join("_"), "n_")
}

/// `camelCase`.
pub fn camel(name: &str) -> String {
    let w = words(name);
    let mut out = w.first().cloned().unwrap_or_default();
    for word in w.iter().skip(1) {
        out.push_str(&capitalized(word));
    }
    fix_start(out, "n")
}

/// `PascalCase`.
pub fn pascal(name: &str) -> String {
    fix_start(words(name).iter().map(|w| capitalized(w)).collect(), "N")
}

/// Names the generated Python code itself uses, besides the language's
/// reserved words (`chamber_edit::symbols::reserved_words`).
const PYTHON_OWN: &[&str] = &[
    "self",
    "body",
    "query",
    "path",
    "not_implemented",
    "router",
    "bp",
    "app",
    "models",
    "handlers",
    "json",
    "re",
];

/// Names the generated Rust code itself uses, besides the language's
/// reserved words (`chamber_edit::symbols::reserved_words`).
const RUST_OWN: &[&str] = &["not_implemented", "router", "call"];

/// Names the generated JavaScript code itself uses, besides the language's
/// reserved words (`chamber_edit::symbols::reserved_words`).
const JS_OWN: &[&str] = &[
    "arguments",
    "eval",
    "app",
    "router",
    "express",
    "notImplemented",
];

/// A Python identifier (`snake_case`, `_` after reserved words and the
/// generated code's own names).
pub fn python(name: &str) -> String {
    avoid(snake(name), Lang::Python, PYTHON_OWN)
}

/// A Rust identifier (`snake_case`, `_` after keywords).
pub fn rust(name: &str) -> String {
    avoid(snake(name), Lang::Rust, RUST_OWN)
}

/// A JavaScript identifier (`camelCase`, `_` after reserved words).
pub fn js(name: &str) -> String {
    avoid(camel(name), Lang::JavaScript, JS_OWN)
}

/// A Go exported name (`PascalCase`; `_` after the package's own `NewMux`).
pub fn go(name: &str) -> String {
    avoid(pascal(name), Lang::Go, &["NewMux"])
}

fn avoid(name: String, lang: Lang, own: &[&str]) -> String {
    if reserved_words(lang).contains(&name.as_str()) || own.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

/// The first pair of `items` whose `key` is the same, for refusing specs
/// whose names collide once made into identifiers.
pub fn clash<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> String,
    label: impl Fn(&T) -> String,
) -> Option<String> {
    let mut seen: std::collections::BTreeMap<String, &'a T> = std::collections::BTreeMap::new();
    for item in items {
        if let Some(other) = seen.insert(key(item), item) {
            return Some(format!(
                "{} and {} both become `{}`",
                label(other),
                label(item),
                key(item)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(words("HTTPServerError2"), ["http", "server", "error2"]);
        assert_eq!(snake("listUsers"), "list_users");
        assert_eq!(snake("get-user by_id"), "get_user_by_id");
        assert_eq!(camel("list_users"), "listUsers");
        assert_eq!(pascal("user.v1"), "UserV1");
        assert_eq!(pascal("2fa"), "N2fa");
        assert_eq!(python("class"), "class_");
        assert_eq!(rust("type"), "type_");
        assert_eq!(js("delete"), "delete_");
        assert_eq!(snake("!!"), "n_");
    }
}
