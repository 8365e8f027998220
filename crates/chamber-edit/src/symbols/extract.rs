//! Walks a syntax tree and turns its definitions into [`Symbol`]s with
//! their paths and spans.

use tree_sitter::{Node, Tree};

use super::classify::{Def, classify, node_text};
use super::{Placement, Segment, Symbol, SymbolKind};
use crate::syntax::Lang;

/// A scope symbols can be nested in.
struct Scope {
    parent: Option<usize>,
    segment: Segment,
    kind: SymbolKind,
}

/// Every symbol of `tree` (parsed from `src`), in document order.
pub(crate) fn symbols(lang: Lang, tree: &Tree, src: &str) -> Vec<Symbol> {
    let mut scopes: Vec<Scope> = Vec::new();
    let mut out = Vec::new();
    // An explicit stack (pre-order, children pushed in reverse) so that a
    // deeply nested file cannot exhaust the call stack.
    let mut stack: Vec<(Node<'_>, Option<usize>)> = Vec::new();
    push_children(&mut stack, tree.root_node(), None);
    while let Some((node, scope)) = stack.pop() {
        let parent_kind = scope.and_then(|i| scopes.get(i)).map(|s| s.kind);
        let Some(def) = classify(lang, node, src, parent_kind) else {
            push_children(&mut stack, node, scope);
            continue;
        };
        let lexical = match &def.owner {
            Some(owner) => {
                scopes.push(Scope {
                    parent: None,
                    segment: owner.clone(),
                    kind: SymbolKind::Struct,
                });
                Some(scopes.len() - 1)
            }
            None => scope,
        };
        let mut segments = scope_path(&scopes, lexical);
        segments.push(def.segment.clone());
        out.push(build(lang, &def, segments, src));
        scopes.push(Scope {
            parent: lexical,
            segment: def.child_segment.clone(),
            kind: def.kind,
        });
        push_children(&mut stack, def.body, Some(scopes.len() - 1));
    }
    out
}

fn push_children<'t>(
    stack: &mut Vec<(Node<'t>, Option<usize>)>,
    node: Node<'t>,
    scope: Option<usize>,
) {
    let mut cursor = node.walk();
    let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
    stack.extend(children.into_iter().rev().map(|c| (c, scope)));
}

/// The segments of `scope` and its ancestors, outermost first.
fn scope_path(scopes: &[Scope], mut scope: Option<usize>) -> Vec<Segment> {
    let mut path = Vec::new();
    while let Some(entry) = scope.and_then(|i| scopes.get(i)) {
        path.push(entry.segment.clone());
        scope = entry.parent;
    }
    path.reverse();
    path
}

/// The separator used to display paths in `lang`.
pub(crate) fn separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "::",
        _ => ".",
    }
}

fn build(lang: Lang, def: &Def<'_>, segments: Vec<Segment>, src: &str) -> Symbol {
    let outer = def.outer;
    let mut first = outer;
    while let Some(prev) = first.prev_sibling() {
        let docs = is_leading_trivia(lang, prev, src)
            && last_row(prev) + 1 >= first.start_position().row
            && starts_line(prev, src);
        if !docs {
            break;
        }
        first = prev;
    }
    let mut last = outer;
    if let Some(next) = outer.next_sibling()
        && is_comment(next)
        && next.start_position().row == last_row(outer)
    {
        last = next;
    }
    let start = first.start_byte();
    let mut end = last.end_byte();
    // Line comments may own their newline; the span stops before it.
    while end > start && matches!(src.as_bytes().get(end - 1), Some(b'\n' | b'\r')) {
        end -= 1;
    }
    let (definition_start, definition_row) = definition_start(outer);
    let path = segments
        .iter()
        .map(Segment::display)
        .collect::<Vec<_>>()
        .join(separator(lang));
    Symbol {
        name: def.segment.name.clone(),
        path,
        kind: def.kind,
        line: definition_row + 1,
        end_line: last_row(outer) + 1,
        span: start..end,
        definition: definition_start..outer.end_byte(),
        segments,
        placement: Placement {
            has_prev: first.prev_named_sibling().is_some(),
            has_next: last.next_named_sibling().is_some(),
            top_level: outer.parent().is_some_and(|p| p.parent().is_none()),
        },
    }
}

fn is_comment(node: Node<'_>) -> bool {
    matches!(node.kind(), "comment" | "line_comment" | "block_comment")
}

/// Whether `node` is documentation or an annotation that belongs to the
/// definition right below it.
fn is_leading_trivia(lang: Lang, node: Node<'_>, src: &str) -> bool {
    match lang {
        Lang::Rust => {
            node.kind() == "attribute_item"
                || (is_comment(node) && node.child_by_field_name("outer").is_some())
        }
        Lang::Python => false,
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => {
            node.kind() == "decorator"
                || (node.kind() == "comment" && node_text(node, src).starts_with("/**"))
        }
        Lang::Go => node.kind() == "comment",
    }
}

/// The row of the last character of `node`.
fn last_row(node: Node<'_>) -> usize {
    let end = node.end_position();
    if end.column == 0 && node.end_byte() > node.start_byte() {
        end.row.saturating_sub(1)
    } else {
        end.row
    }
}

/// Whether only whitespace precedes `node` on its first line.
fn starts_line(node: Node<'_>, src: &str) -> bool {
    let start = node.start_byte();
    let line_start = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    src.get(line_start..start)
        .is_some_and(|s| s.trim().is_empty())
}

/// Where the definition proper starts inside `outer`: after the
/// decorators (Python decorated definitions, JS/TS decorators). Returns
/// its byte offset and 0-based row.
fn definition_start(outer: Node<'_>) -> (usize, usize) {
    let mut cursor = outer.walk();
    let start = outer
        .children(&mut cursor)
        .find(|c| !matches!(c.kind(), "decorator" | "comment" | "attribute_item"))
        .unwrap_or(outer);
    (start.start_byte(), start.start_position().row)
}
