//! Symbols, references and imports of one file, from the grammar's tags
//! query. Pure and synchronous: the indexer runs it on parser threads, and
//! retrieval may run it on text that is not on disk.

mod imports;
mod queries;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use chamber_edit::syntax::Lang;
use tree_sitter::{Node, Parser, QueryCursor, StreamingIterator};

use crate::facts::{Import, Reference, Symbol};
use queries::Role;

/// The longest signature kept, in characters.
const SIGNATURE_CHARS: usize = 200;

/// What one file defines, uses and imports. Imports are as written
/// (`resolved` is `None`); the index resolves them against the whole
/// repository when it builds a [`crate::Snapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    /// Definitions, in document order.
    pub symbols: Vec<Symbol>,
    /// References, in document order.
    pub references: Vec<Reference>,
    /// Imports and module declarations, in document order.
    pub imports: Vec<Import>,
}

/// The index's name for a language (`rust`, `python`, `typescript`, `tsx`,
/// `javascript`, `go`), as stored in [`crate::FileEntry::lang`].
pub fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "rust",
        Lang::Python => "python",
        Lang::TypeScript => "typescript",
        Lang::Tsx => "tsx",
        Lang::JavaScript => "javascript",
        Lang::Go => "go",
    }
}

/// The language of a stored name (the inverse of [`lang_name`]).
pub fn lang_from_name(name: &str) -> Option<Lang> {
    match name {
        "rust" => Some(Lang::Rust),
        "python" => Some(Lang::Python),
        "typescript" => Some(Lang::TypeScript),
        "tsx" => Some(Lang::Tsx),
        "javascript" => Some(Lang::JavaScript),
        "go" => Some(Lang::Go),
        _ => None,
    }
}

/// The language of a repository path, by extension.
pub fn lang_of_path(path: &str) -> Option<Lang> {
    Lang::from_path(std::path::Path::new(path))
}

thread_local! {
    /// One parser per language per thread, reused across files.
    static PARSERS: RefCell<[Option<Parser>; 6]> = const { RefCell::new([None, None, None, None, None, None]) };
    /// One query cursor per thread.
    static CURSOR: RefCell<QueryCursor> = RefCell::new(QueryCursor::new());
}

/// Extracts the definitions, references and imports of `text`, the content
/// of the file at `path` (relative, `/`-separated). Broken code still
/// yields what tree-sitter's error recovery can see; a file the parser
/// cannot handle at all yields nothing.
pub fn extract(lang: Lang, path: &str, text: &str) -> FileFacts {
    let Some(tags) = queries::tags(lang) else {
        return FileFacts::default();
    };
    let tree = PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let slot = &mut parsers[queries::slot(lang)];
        if slot.is_none() {
            *slot = lang.parser().ok();
        }
        slot.as_mut().and_then(|p| p.parse(text, None))
    });
    let Some(tree) = tree else {
        return FileFacts::default();
    };
    let mut collector = Collector::new(lang, path, text);
    CURSOR.with(|cursor| {
        let mut cursor = cursor.borrow_mut();
        let mut matches = cursor.matches(&tags.query, tree.root_node(), text.as_bytes());
        while let Some(m) = matches.next() {
            let mut name = None;
            let mut role = None;
            for capture in m.captures() {
                match &tags.roles[capture.index as usize] {
                    Role::Name => name = Some(capture.node),
                    Role::Other => {}
                    other => role = Some((other, capture.node)),
                }
            }
            if let Some((role, node)) = role {
                collector.add(role, node, name);
            }
        }
    });
    collector.finish()
}

/// A definition or scope before qualification.
struct Def {
    kind: String,
    name: String,
    start: usize,
    end: usize,
    start_line: u32,
    end_line: u32,
    signature: String,
    /// A scope (Rust `impl`) qualifies names but is not a symbol.
    scope_only: bool,
}

/// Gathers one file's matches, then qualifies names and drops duplicates.
struct Collector<'t> {
    lang: Lang,
    path: &'t str,
    text: &'t str,
    defs: Vec<Def>,
    /// Definition (start, end, name start) → index in `defs`.
    def_keys: HashMap<(usize, usize, usize), usize>,
    /// Start bytes of definition names: a name there is not a reference.
    def_names: HashSet<usize>,
    refs: Vec<(usize, Reference)>,
    imports: Vec<Import>,
}

impl<'t> Collector<'t> {
    fn new(lang: Lang, path: &'t str, text: &'t str) -> Self {
        Self {
            lang,
            path,
            text,
            defs: Vec::new(),
            def_keys: HashMap::new(),
            def_names: HashSet::new(),
            refs: Vec::new(),
            imports: Vec::new(),
        }
    }

    fn text_of(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn add(&mut self, role: &Role, node: Node<'_>, name: Option<Node<'_>>) {
        match role {
            Role::Def(kind) => {
                if let Some(name) = name {
                    self.add_def(kind, node, name, false);
                }
            }
            Role::Scope => {
                if let Some(name) = name {
                    self.add_def("scope", node, name, true);
                }
            }
            Role::Ref(kind) => {
                if let Some(name) = name {
                    let text = self.text_of(name);
                    if !text.is_empty() {
                        let reference = Reference {
                            path: self.path.to_owned(),
                            name: text.to_owned(),
                            line: line_of(name),
                            kind: kind.clone(),
                        };
                        self.refs.push((name.start_byte(), reference));
                    }
                }
            }
            Role::Import(kind) => {
                for target in imports::targets(kind, node, self.text) {
                    self.imports.push(Import {
                        path: self.path.to_owned(),
                        target,
                        resolved: None,
                    });
                }
            }
            Role::Name | Role::Other => {}
        }
    }

    fn add_def(&mut self, capture_kind: &str, node: Node<'_>, name: Node<'_>, scope_only: bool) {
        let name_text = if scope_only {
            scope_name(self.text_of(name))
        } else {
            self.text_of(name).to_owned()
        };
        if name_text.is_empty() {
            return;
        }
        let kind = refine_kind(node, capture_kind);
        let key = (node.start_byte(), node.end_byte(), name.start_byte());
        if let Some(&i) = self.def_keys.get(&key) {
            // The same node matched twice (Rust methods match both the
            // method and the function pattern): keep the specific kind.
            if self.defs[i].kind == "function" && kind == "method" {
                self.defs[i].kind = kind;
            }
            return;
        }
        if !scope_only {
            self.def_names.insert(name.start_byte());
        }
        self.def_keys.insert(key, self.defs.len());
        self.defs.push(Def {
            kind,
            name: name_text,
            start: node.start_byte(),
            end: node.end_byte(),
            start_line: line_of(node),
            end_line: u32::try_from(node.end_position().row + 1).unwrap_or(u32::MAX),
            signature: signature(self.text, node.start_byte()),
            scope_only,
        });
        if self.lang == Lang::Go
            && node.kind() == "method_declaration"
            && let Some(receiver) = go_receiver(node, self.text)
        {
            let last = self.defs.len() - 1;
            self.defs[last].name = format!("{receiver}\u{0}{}", self.defs[last].name);
        }
    }

    fn finish(mut self) -> FileFacts {
        let separator = if self.lang == Lang::Rust { "::" } else { "." };
        let mut order: Vec<usize> = (0..self.defs.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.defs[a], &self.defs[b]);
            a.start.cmp(&b.start).then(b.end.cmp(&a.end))
        });
        let mut stack: Vec<usize> = Vec::new();
        let mut symbols = Vec::with_capacity(self.defs.len());
        for i in order {
            let (start, end) = (self.defs[i].start, self.defs[i].end);
            while let Some(&top) = stack.last() {
                if self.defs[top].end <= start || self.defs[top].end < end {
                    stack.pop();
                } else {
                    break;
                }
            }
            if self.lang == Lang::Python
                && self.defs[i].kind == "function"
                && stack.last().is_some_and(|&t| self.defs[t].kind == "class")
            {
                self.defs[i].kind = "method".to_owned();
            }
            let mut parts: Vec<&str> = stack.iter().map(|&s| self.defs[s].name.as_str()).collect();
            // A Go method carries its receiver type before a NUL.
            let (receiver, name) = match self.defs[i].name.split_once('\u{0}') {
                Some((receiver, name)) => (Some(receiver.to_owned()), name.to_owned()),
                None => (None, self.defs[i].name.clone()),
            };
            if let Some(receiver) = &receiver {
                parts.push(receiver);
            }
            parts.push(&name);
            let qualified = parts.join(separator);
            if !self.defs[i].scope_only {
                let def = &self.defs[i];
                symbols.push(Symbol {
                    path: self.path.to_owned(),
                    kind: def.kind.clone(),
                    name: name.clone(),
                    qualified,
                    start_line: def.start_line,
                    end_line: def.end_line,
                    signature: def.signature.clone(),
                });
            }
            if receiver.is_some() {
                self.defs[i].name = name;
            }
            stack.push(i);
        }
        symbols.sort_by(|a, b| {
            a.start_line
                .cmp(&b.start_line)
                .then(a.end_line.cmp(&b.end_line))
        });
        let mut seen = HashSet::new();
        let def_names = &self.def_names;
        let mut refs: Vec<(usize, Reference)> = self
            .refs
            .into_iter()
            .filter(|(start, _)| !def_names.contains(start) && seen.insert(*start))
            .collect();
        refs.sort_by_key(|(start, _)| *start);
        FileFacts {
            symbols,
            references: refs.into_iter().map(|(_, r)| r).collect(),
            imports: self.imports,
        }
    }
}

/// 1-based line of a node's start.
fn line_of(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX)
}

/// The definition's first line from its start, trimmed and capped.
fn signature(text: &str, start: usize) -> String {
    let rest = text.get(start..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("").trim();
    if line.chars().count() > SIGNATURE_CHARS {
        line.chars().take(SIGNATURE_CHARS).collect()
    } else {
        line.to_owned()
    }
}

/// The kind of a definition, from its node where that says more than the
/// capture (`@definition.class` on a Rust `struct_item` is a struct).
fn refine_kind(node: Node<'_>, capture_kind: &str) -> String {
    let kind = match node.kind() {
        "struct_item" => "struct",
        "enum_item" | "enum_declaration" => "enum",
        "union_item" => "union",
        "type_item" | "type_alias_declaration" | "associated_type" => "type",
        "trait_item" => "trait",
        "mod_item" | "module" | "internal_module" => "module",
        "macro_definition" => "macro",
        "const_item" => "constant",
        "static_item" => "static",
        "class_definition" | "class_declaration" | "class" | "abstract_class_declaration" => {
            "class"
        }
        "interface_declaration" => "interface",
        "method_declaration"
        | "method_definition"
        | "method_signature"
        | "abstract_method_signature"
        | "method_elem"
        | "function_signature_item" => "method",
        "type_spec" => match node.child_by_field_name("type").map(|t| t.kind()) {
            Some("struct_type") => "struct",
            Some("interface_type") => "interface",
            _ => "type",
        },
        _ => capture_kind,
    };
    kind.to_owned()
}

/// The type an `impl` block is for: `impl<T> Display for &'a Foo<T>` → `Foo`.
fn scope_name(type_text: &str) -> String {
    let head = type_text.split('<').next().unwrap_or("");
    let last = head.split_whitespace().last().unwrap_or("");
    let last = last.trim_start_matches('&');
    last.rsplit("::").next().unwrap_or("").to_owned()
}

/// The receiver type of a Go method: `func (s *Server) Run()` → `Server`.
fn go_receiver(method: Node<'_>, text: &str) -> Option<String> {
    let receiver = method.child_by_field_name("receiver")?;
    let mut stack = vec![receiver];
    while let Some(node) = stack.pop() {
        if node.kind() == "type_identifier" {
            return text.get(node.byte_range()).map(str::to_owned);
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
