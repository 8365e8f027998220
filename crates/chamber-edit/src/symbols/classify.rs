//! Which syntax nodes are definitions, per language, and what they are
//! called.

use tree_sitter::Node;

use super::{Segment, SymbolKind};
use crate::syntax::Lang;

/// A definition node, as recognised by [`classify`].
pub(crate) struct Def<'t> {
    /// What it defines.
    pub(crate) kind: SymbolKind,
    /// Its own path segment.
    pub(crate) segment: Segment,
    /// The segment the symbols nested in it get (an impl block's is its
    /// type, not `impl Foo`).
    pub(crate) child_segment: Segment,
    /// A scope replacing the lexical one (a Go method's receiver type).
    pub(crate) owner: Option<Segment>,
    /// The node whose extent is the symbol (an `export` statement, a
    /// decorated definition, ...).
    pub(crate) outer: Node<'t>,
    /// The node whose descendants hold the nested symbols.
    pub(crate) body: Node<'t>,
}

impl<'t> Def<'t> {
    fn new(kind: SymbolKind, name: String, node: Node<'t>) -> Self {
        Def {
            kind,
            segment: Segment::plain(name.clone()),
            child_segment: Segment::plain(name),
            owner: None,
            outer: node,
            body: node,
        }
    }

    fn wrapped_in(mut self, outer: Node<'t>) -> Self {
        self.outer = outer;
        self
    }
}

/// The text of `node`.
pub(crate) fn node_text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

fn field_text(node: Node<'_>, field: &str, src: &str) -> Option<String> {
    let name = node.child_by_field_name(field)?;
    let text = node_text(name, src).trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A function, or a method when its parent holds methods.
fn function_kind(parent: Option<SymbolKind>) -> SymbolKind {
    if parent.is_some_and(SymbolKind::holds_methods) {
        SymbolKind::Method
    } else {
        SymbolKind::Function
    }
}

/// The definition `node` is, if any; `parent` is the kind of the symbol
/// enclosing it (`None` at module level).
pub(crate) fn classify<'t>(
    lang: Lang,
    node: Node<'t>,
    src: &str,
    parent: Option<SymbolKind>,
) -> Option<Def<'t>> {
    match lang {
        Lang::Rust => rust(node, src, parent),
        Lang::Python => python(node, src, parent),
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => script(node, src, parent),
        Lang::Go => go(node, src, parent),
    }
}

fn named<'t>(kind: SymbolKind, node: Node<'t>, src: &str) -> Option<Def<'t>> {
    Some(Def::new(kind, field_text(node, "name", src)?, node))
}

fn rust<'t>(node: Node<'t>, src: &str, parent: Option<SymbolKind>) -> Option<Def<'t>> {
    let kind = match node.kind() {
        "function_item" | "function_signature_item" => function_kind(parent),
        "struct_item" => SymbolKind::Struct,
        "enum_item" => SymbolKind::Enum,
        "union_item" => SymbolKind::Union,
        "trait_item" => SymbolKind::Trait,
        "type_item" => SymbolKind::TypeAlias,
        "mod_item" => SymbolKind::Module,
        "const_item" | "static_item" => SymbolKind::Constant,
        "macro_definition" => SymbolKind::Macro,
        "impl_item" => return rust_impl(node, src),
        _ => return None,
    };
    named(kind, node, src)
}

/// `impl Foo` / `impl Trait for Foo`: its items are `Foo::item`, those of
/// a trait impl also `<Foo as Trait>::item`.
fn rust_impl<'t>(node: Node<'t>, src: &str) -> Option<Def<'t>> {
    let ty = base_type_name(node.child_by_field_name("type")?, src);
    let tr = node
        .child_by_field_name("trait")
        .map(|t| base_type_name(t, src));
    let (name, alias) = match tr {
        Some(tr) => (
            format!("impl {tr} for {ty}"),
            Some(format!("<{ty} as {tr}>")),
        ),
        None => (format!("impl {ty}"), None),
    };
    Some(Def {
        kind: SymbolKind::Impl,
        segment: Segment::plain(name),
        child_segment: Segment { name: ty, alias },
        owner: None,
        outer: node,
        body: node,
    })
}

/// The bare name of a type: `Foo` for `Foo<T>`, `&mut Foo`, `*Foo`,
/// `a::b::Foo` or `Foo[T]`.
pub(crate) fn base_type_name(mut node: Node<'_>, src: &str) -> String {
    loop {
        let next = match node.kind() {
            "generic_type" | "reference_type" | "pointer_type" | "parenthesized_type" => node
                .child_by_field_name("type")
                .or_else(|| node.named_child(0)),
            "scoped_type_identifier" | "scoped_identifier" | "qualified_type" => {
                node.child_by_field_name("name")
            }
            _ => None,
        };
        match next {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node_text(node, src)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn python<'t>(node: Node<'t>, src: &str, parent: Option<SymbolKind>) -> Option<Def<'t>> {
    match node.kind() {
        "function_definition" => named(function_kind(parent), node, src),
        "class_definition" => named(SymbolKind::Class, node, src),
        "decorated_definition" => {
            let inner = node.child_by_field_name("definition")?;
            Some(python(inner, src, parent)?.wrapped_in(node))
        }
        _ => None,
    }
}

/// TypeScript, TSX and JavaScript share their definition nodes.
fn script<'t>(node: Node<'t>, src: &str, parent: Option<SymbolKind>) -> Option<Def<'t>> {
    match node.kind() {
        "function_declaration" | "generator_function_declaration" | "function_signature" => {
            named(SymbolKind::Function, node, src)
        }
        "class_declaration" | "abstract_class_declaration" => named(SymbolKind::Class, node, src),
        "method_definition" | "abstract_method_signature" | "method_signature" => {
            named(SymbolKind::Method, node, src)
        }
        "public_field_definition" | "field_definition" => {
            let value = node.child_by_field_name("value")?;
            if !is_function_value(value) {
                return None;
            }
            let name =
                field_text(node, "name", src).or_else(|| field_text(node, "property", src))?;
            Some(Def::new(SymbolKind::Method, name, node))
        }
        "interface_declaration" => named(SymbolKind::Interface, node, src),
        "type_alias_declaration" => named(SymbolKind::TypeAlias, node, src),
        "enum_declaration" => named(SymbolKind::Enum, node, src),
        "internal_module" | "module" => named(SymbolKind::Module, node, src),
        "expression_statement" | "ambient_declaration" => {
            let inner = node.named_child(0)?;
            if node.kind() == "expression_statement" && inner.kind() != "internal_module" {
                return None;
            }
            Some(script(inner, src, parent)?.wrapped_in(node))
        }
        "export_statement" => {
            let inner = node.child_by_field_name("declaration")?;
            Some(script(inner, src, parent)?.wrapped_in(node))
        }
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = node.walk();
            let declarators: Vec<Node<'t>> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "variable_declarator")
                .collect();
            match declarators.as_slice() {
                [only] => Some(declarator(*only, src, parent)?.wrapped_in(node)),
                _ => None,
            }
        }
        "variable_declarator" => declarator(node, src, parent),
        _ => None,
    }
}

fn is_function_value(value: Node<'_>) -> bool {
    matches!(
        value.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

/// `const f = () => ...`, `let C = class {}`, or a module-level variable.
fn declarator<'t>(node: Node<'t>, src: &str, parent: Option<SymbolKind>) -> Option<Def<'t>> {
    let name_node = node.child_by_field_name("name")?;
    if name_node.kind() != "identifier" {
        return None;
    }
    let name = node_text(name_node, src).to_owned();
    let value = node.child_by_field_name("value");
    match value {
        Some(v) if is_function_value(v) => {
            let mut def = Def::new(SymbolKind::Function, name, node);
            def.body = v;
            Some(def)
        }
        Some(v) if v.kind() == "class" => {
            let mut def = Def::new(SymbolKind::Class, name, node);
            def.body = v;
            Some(def)
        }
        _ if matches!(parent, None | Some(SymbolKind::Module)) => {
            Some(Def::new(SymbolKind::Variable, name, node))
        }
        _ => None,
    }
}

fn go<'t>(node: Node<'t>, src: &str, parent: Option<SymbolKind>) -> Option<Def<'t>> {
    match node.kind() {
        "function_declaration" => named(SymbolKind::Function, node, src),
        "method_declaration" => {
            let receiver = node
                .child_by_field_name("receiver")?
                .named_children(&mut node.walk())
                .find(|c| c.kind() == "parameter_declaration")?
                .child_by_field_name("type")?;
            let mut def = named(SymbolKind::Method, node, src)?;
            def.owner = Some(Segment::plain(base_type_name(receiver, src)));
            Some(def)
        }
        "method_elem" | "method_spec" => named(SymbolKind::Method, node, src),
        "type_spec" | "type_alias" => {
            let kind = match node.child_by_field_name("type").map(|t| t.kind()) {
                Some("struct_type") => SymbolKind::Struct,
                Some("interface_type") => SymbolKind::Interface,
                _ => SymbolKind::TypeAlias,
            };
            named(kind, node, src)
        }
        "type_declaration" => {
            let spec = single_child(node, &["type_spec", "type_alias"])?;
            Some(go(spec, src, parent)?.wrapped_in(node))
        }
        "const_declaration" | "var_declaration" if parent.is_none() => {
            let spec = single_child(node, &["const_spec", "var_spec"])?;
            Some(go(spec, src, parent)?.wrapped_in(node))
        }
        "const_spec" | "var_spec" if parent.is_none() => {
            let mut cursor = node.walk();
            let names: Vec<Node<'t>> = node.children_by_field_name("name", &mut cursor).collect();
            let [name] = names.as_slice() else {
                return None;
            };
            let kind = if node.kind() == "const_spec" {
                SymbolKind::Constant
            } else {
                SymbolKind::Variable
            };
            Some(Def::new(kind, node_text(*name, src).to_owned(), node))
        }
        _ => None,
    }
}

/// The only named child of `node` whose kind is one of `kinds`.
fn single_child<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let found: Vec<Node<'t>> = node
        .named_children(&mut cursor)
        .filter(|c| kinds.contains(&c.kind()))
        .collect();
    match found.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}
