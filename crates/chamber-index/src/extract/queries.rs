//! The tags queries: each grammar's own `TAGS_QUERY` (TypeScript's with
//! JavaScript's appended), plus Chamber's patterns for what those leave
//! out (constants, fields, type aliases, more reference kinds), `@scope.*`
//! captures for blocks that qualify names without being definitions (Rust
//! `impl`), and `@import.*` captures for the module graph.

use std::sync::OnceLock;

use chamber_edit::syntax::Lang;
use tree_sitter::Query;

const RUST_EXTRA: &str = r#"
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.static
(function_signature_item name: (identifier) @name) @definition.method
(associated_type name: (type_identifier) @name) @definition.type
(enum_variant name: (identifier) @name) @definition.variant
(field_declaration name: (field_identifier) @name) @definition.field
(macro_definition name: (identifier) @name) @definition.macro
(impl_item type: (_) @name) @scope.impl
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(scoped_identifier path: (identifier) @name) @reference.path
(type_identifier) @name @reference.type
(use_declaration argument: (_) @import.rust_use)
(mod_item name: (identifier) @import.rust_mod !body)
(extern_crate_declaration name: (identifier) @import.rust_crate)
"#;

const PYTHON_EXTRA: &str = r#"
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
(module (if_statement [(block (expression_statement (assignment left: (identifier) @name) @definition.constant))
  (else_clause (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))]))
(module (try_statement [(block (expression_statement (assignment left: (identifier) @name) @definition.constant))
  (except_clause (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))]))
(module (expression_statement (assignment left: (pattern_list (identifier) @name)) @definition.constant))
(class_definition superclasses: (argument_list (identifier) @name)) @reference.class
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @name))) @reference.class
(decorator (identifier) @name) @reference.call
(type (identifier) @name) @reference.type
(import_statement) @import.python
(import_from_statement) @import.python_from
"#;

const JS_EXTRA: &str = r#"
(import_statement source: (string) @import.string)
(export_statement source: (string) @import.string)
((call_expression function: (identifier) @_require arguments: (arguments . (string) @import.string))
  (#eq? @_require "require"))
(call_expression function: (import) arguments: (arguments . (string) @import.string))
(class_heritage (identifier) @name) @reference.class
"#;

const TS_EXTRA: &str = r#"
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(internal_module name: (identifier) @name) @definition.module
(type_identifier) @name @reference.type
(import_statement source: (string) @import.string)
(export_statement source: (string) @import.string)
((call_expression function: (identifier) @_require arguments: (arguments . (string) @import.string))
  (#eq? @_require "require"))
(call_expression function: (import) arguments: (arguments . (string) @import.string))
"#;

const GO_EXTRA: &str = r#"
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(field_declaration name: (field_identifier) @name) @definition.field
(method_elem name: (field_identifier) @name) @definition.method
(import_spec path: (_) @import.string)
"#;

/// The full query source of a language.
fn source(lang: Lang) -> String {
    match lang {
        Lang::Rust => format!("{}\n{RUST_EXTRA}", tree_sitter_rust::TAGS_QUERY),
        Lang::Python => format!("{}\n{PYTHON_EXTRA}", tree_sitter_python::TAGS_QUERY),
        Lang::JavaScript => format!("{}\n{JS_EXTRA}", tree_sitter_javascript::TAGS_QUERY),
        Lang::TypeScript | Lang::Tsx => format!(
            "{}\n{}\n{TS_EXTRA}",
            tree_sitter_typescript::TAGS_QUERY,
            tree_sitter_javascript::TAGS_QUERY
        ),
        Lang::Go => format!("{}\n{GO_EXTRA}", tree_sitter_go::TAGS_QUERY),
    }
}

/// What a capture means to the extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// `@name`: the defined or referenced name.
    Name,
    /// `@definition.KIND`: the whole definition node.
    Def(String),
    /// `@reference.KIND`: a use of the name.
    Ref(String),
    /// `@scope.*`: a block that qualifies the names inside it.
    Scope,
    /// `@import.KIND`: a module dependency, parsed by kind.
    Import(String),
    /// Anything else (`@doc`, helper captures).
    Other,
}

/// A compiled query with the role of each of its captures.
pub(crate) struct Tags {
    /// The query.
    pub query: Query,
    /// Role of capture `i`.
    pub roles: Vec<Role>,
}

impl Tags {
    fn new(lang: Lang) -> Option<Tags> {
        let query = Query::new(&lang.language(), &source(lang)).ok()?;
        let roles = query
            .capture_names()
            .iter()
            .map(|name| role_of(name))
            .collect();
        Some(Tags { query, roles })
    }
}

fn role_of(name: &str) -> Role {
    if name == "name" {
        Role::Name
    } else if let Some(kind) = name.strip_prefix("definition.") {
        Role::Def(kind.to_owned())
    } else if let Some(kind) = name.strip_prefix("reference.") {
        Role::Ref(kind.to_owned())
    } else if name.starts_with("scope.") {
        Role::Scope
    } else if let Some(kind) = name.strip_prefix("import.") {
        Role::Import(kind.to_owned())
    } else {
        Role::Other
    }
}

/// One compiled query per language, built on first use and shared by every
/// parser thread.
static QUERIES: [OnceLock<Option<Tags>>; 6] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// A stable small index per language (for per-language tables).
pub(crate) fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Rust => 0,
        Lang::Python => 1,
        Lang::TypeScript => 2,
        Lang::Tsx => 3,
        Lang::JavaScript => 4,
        Lang::Go => 5,
    }
}

/// The compiled tags query of `lang` (`None` only if a grammar rejects it,
/// which the unit tests rule out for the bundled grammars).
pub(crate) fn tags(lang: Lang) -> Option<&'static Tags> {
    QUERIES[slot(lang)].get_or_init(|| Tags::new(lang)).as_ref()
}

/// The compile error of `lang`'s query, for tests.
#[cfg(test)]
pub(crate) fn compile_error(lang: Lang) -> Option<String> {
    Query::new(&lang.language(), &source(lang))
        .err()
        .map(|e| e.to_string())
}
