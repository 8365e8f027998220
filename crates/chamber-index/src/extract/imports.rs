//! Import targets as written, per language: Python `import`/`from`, JS/TS
//! `import`/`export … from`/`require`/`import()`, Go import specs, Rust
//! `use` (braces expanded), `mod x;` and `extern crate`.

use tree_sitter::Node;

/// The targets one `@import.KIND` capture stands for.
pub(super) fn targets(kind: &str, node: Node<'_>, text: &str) -> Vec<String> {
    let node_text = text.get(node.byte_range()).unwrap_or("");
    match kind {
        "string" => {
            let target = node_text.trim_matches(|c| c == '"' || c == '\'' || c == '`');
            if target.is_empty() {
                Vec::new()
            } else {
                vec![target.to_owned()]
            }
        }
        "python" => python_import(node, text),
        "python_from" => python_from(node, text),
        "rust_use" => rust_use(node_text),
        "rust_mod" => vec![format!("self::{node_text}")],
        "rust_crate" => vec![node_text.to_owned()],
        _ => Vec::new(),
    }
}

/// The dotted module of a `dotted_name` or `aliased_import` node.
fn module_name(node: Node<'_>, text: &str) -> Option<String> {
    let name = if node.kind() == "aliased_import" {
        node.child_by_field_name("name")?
    } else {
        node
    };
    text.get(name.byte_range()).map(str::to_owned)
}

/// `import a.b, c as d` → `a.b`, `c`.
fn python_import(node: Node<'_>, text: &str) -> Vec<String> {
    let mut cursor = node.walk();
    node.children_by_field_name("name", &mut cursor)
        .filter_map(|n| module_name(n, text))
        .collect()
}

/// `from a.b import c, d` → `a.b.c`, `a.b.d` (the resolver falls back to
/// `a.b` when `c` is not a module); `from . import x` → `.x`;
/// `from a import *` → `a`.
fn python_from(node: Node<'_>, text: &str) -> Vec<String> {
    let Some(module) = node
        .child_by_field_name("module_name")
        .and_then(|m| text.get(m.byte_range()))
    else {
        return Vec::new();
    };
    let mut cursor = node.walk();
    let names: Vec<String> = node
        .children_by_field_name("name", &mut cursor)
        .filter_map(|n| module_name(n, text))
        .collect();
    if names.is_empty() {
        return vec![module.to_owned()];
    }
    names
        .into_iter()
        .map(|name| {
            if module.ends_with('.') {
                format!("{module}{name}")
            } else {
                format!("{module}.{name}")
            }
        })
        .collect()
}

/// `use a::{b, c::{d, self}} as x;` → `a::b`, `a::c::d`, `a::c`.
fn rust_use(text: &str) -> Vec<String> {
    let compact: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    expand(compact.trim_start_matches("::"), "", &mut out);
    out
}

fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let close = tree.rfind('}').unwrap_or(tree.len());
        let inner = tree.get(open + 1..close).unwrap_or("");
        let base = join(prefix, head);
        for part in split_top_level(inner) {
            expand(part, &base, out);
        }
        return;
    }
    let item = tree.split(" as ").next().unwrap_or("").trim();
    if item.is_empty() || item == "*" {
        if !prefix.is_empty() {
            out.push(prefix.to_owned());
        }
        return;
    }
    let item = item.trim_end_matches("::*");
    if item == "self" {
        if !prefix.is_empty() {
            out.push(prefix.to_owned());
        }
    } else {
        out.push(join(prefix, item));
    }
}

fn join(prefix: &str, item: &str) -> String {
    match (prefix.is_empty(), item.is_empty()) {
        (true, _) => item.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}::{item}"),
    }
}

/// Splits `a, b::{c, d}, e` at the commas outside braces.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::rust_use;

    #[test]
    fn rust_use_trees_expand() {
        assert_eq!(
            rust_use("crate::store::{Store, sqlite::{self, Pool as P}, *}"),
            [
                "crate::store::Store",
                "crate::store::sqlite",
                "crate::store::sqlite::Pool",
                "crate::store"
            ]
        );
        assert_eq!(rust_use("std::io::Write as _"), ["std::io::Write"]);
        assert_eq!(rust_use("::serde::Serialize"), ["serde::Serialize"]);
        assert_eq!(rust_use("super::*"), ["super"]);
    }
}
