//! Symbol addressing and symbol-level (AST) edits.
//!
//! A symbol is named by a path of segments joined by `::` or `.`, both
//! accepted in every language: `function`, `Class.method`,
//! `Outer.Inner.method`, `module::function`, `Type::method`. Rust methods in
//! `impl Foo` blocks are `Foo::bar` (or `Foo.bar`); those of a trait impl
//! also answer to `<Foo as Trait>::bar`, which is how they are displayed;
//! an impl block itself is `impl Foo` / `impl Trait for Foo`. Go methods are
//! addressed through their receiver type (`(s *Server) Start` is
//! `Server.Start`).
//!
//! Lookup prefers symbols whose whole path equals the query, then symbols
//! whose path ends with it (`bar` finds `Foo::bar` when it is the only one).
//! Two or more matches are an error listing the candidates; a trailing
//! `@LINE` (`fmt@42`) picks the one whose span covers that line. A name that
//! matches nothing is an error listing the most similar names in the file.
//!
//! A symbol's span includes its leading documentation: Rust `///` / `/** */`
//! doc comments and `#[...]` attributes, Python decorators, JS/TS `/** */`
//! JSDoc comments and decorators, and Go `//` comments directly above it
//! (no blank line between), plus a comment trailing its last line.
//!
//! Every edit returns the new text and is re-parsed first: an edit that adds
//! syntax errors is refused ([`SymbolError::Rejected`]), following
//! [`crate::syntax::check_edit`].

mod classify;
mod edit;
mod extract;
mod layout;
mod lookup;
mod rename;

use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::syntax::{Lang, ParseError, SyntaxRejection};

pub use edit::{
    SymbolEdit, delete_symbol, insert_after_symbol, insert_before_symbol, replace_symbol,
};
pub use rename::{Renamed, rename_symbol, reserved_words};

/// What kind of definition a [`Symbol`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A free function (or an arrow function / function expression bound
    /// to a name).
    Function,
    /// A function defined in a class, impl, trait or interface.
    Method,
    /// A class.
    Class,
    /// A struct (Rust, Go).
    Struct,
    /// An enum.
    Enum,
    /// A Rust union.
    Union,
    /// A Rust trait.
    Trait,
    /// An interface (TypeScript, Go).
    Interface,
    /// A Rust `impl` block.
    Impl,
    /// A module or namespace.
    Module,
    /// A type alias or other named type.
    TypeAlias,
    /// A constant or static.
    Constant,
    /// A module-level variable.
    Variable,
    /// A `macro_rules!` macro.
    Macro,
}

impl SymbolKind {
    /// The lowercase word used in messages ("method", "struct", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Class => "class",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Union => "union",
            SymbolKind::Trait => "trait",
            SymbolKind::Interface => "interface",
            SymbolKind::Impl => "impl",
            SymbolKind::Module => "module",
            SymbolKind::TypeAlias => "type",
            SymbolKind::Constant => "constant",
            SymbolKind::Variable => "variable",
            SymbolKind::Macro => "macro",
        }
    }

    /// Whether functions defined directly inside this kind are methods.
    fn holds_methods(self) -> bool {
        matches!(
            self,
            SymbolKind::Class
                | SymbolKind::Impl
                | SymbolKind::Trait
                | SymbolKind::Interface
                | SymbolKind::Struct
        )
    }
}

impl fmt::Display for SymbolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One path segment of a symbol: its name, and for the items of a Rust
/// trait impl the qualified form (`<Foo as Display>`) it also answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) name: String,
    pub(crate) alias: Option<String>,
}

impl Segment {
    pub(crate) fn plain(name: impl Into<String>) -> Self {
        Segment {
            name: name.into(),
            alias: None,
        }
    }

    fn display(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// Where a symbol sits among its siblings; drives blank-line handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Another statement/item precedes it in the same block.
    pub(crate) has_prev: bool,
    /// Another statement/item follows it in the same block.
    pub(crate) has_next: bool,
    /// It is a direct child of the file's root node.
    pub(crate) top_level: bool,
}

/// A definition found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Its own name (`bar`; `impl Display for Foo` for an impl block).
    pub name: String,
    /// Its full path as displayed (`Foo::bar`, `<Foo as Display>::fmt`,
    /// `Outer.Inner.method`), joined with `::` in Rust and `.` elsewhere.
    pub path: String,
    /// What it is.
    pub kind: SymbolKind,
    /// 1-based line where the definition itself starts (after its docs).
    pub line: usize,
    /// 1-based line where it ends.
    pub end_line: usize,
    /// Byte range of the whole symbol: leading docs, attributes and
    /// decorators included, plus a comment trailing its last line.
    pub span: Range<usize>,
    /// Byte range of the definition without its leading docs, attributes
    /// and decorators.
    pub definition: Range<usize>,
    pub(crate) segments: Vec<Segment>,
    pub(crate) placement: Placement,
}

impl Symbol {
    /// A short description for messages: the path, kind and line.
    pub fn summary(&self) -> SymbolSummary {
        SymbolSummary {
            path: self.path.clone(),
            kind: self.kind,
            line: self.line,
        }
    }
}

/// A symbol as named in an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSummary {
    /// Its full path.
    pub path: String,
    /// What it is.
    pub kind: SymbolKind,
    /// 1-based line of its definition.
    pub line: usize,
}

impl fmt::Display for SymbolSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({}, line {})", self.path, self.kind, self.line)
    }
}

/// Why a symbol lookup or edit failed. The messages are written for the
/// model and say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum SymbolError {
    /// The file could not be parsed at all.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The symbol path is not well formed.
    #[error("`{query}` is not a symbol path: {reason}")]
    InvalidQuery {
        /// The path as given.
        query: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing matches the path.
    #[error(
        "no symbol `{query}` in this file. {}",
        closest_list(.closest)
    )]
    NotFound {
        /// The path as given.
        query: String,
        /// The most similar symbols, best first (empty when the file
        /// defines none).
        closest: Vec<SymbolSummary>,
    },
    /// More than one symbol matches the path.
    #[error(
        "`{query}` is ambiguous: it matches {} symbols: {}. Use a longer path, or add \
         `@LINE` to pick one (e.g. `{query}@{}`).",
        .candidates.len(),
        summary_list(.candidates),
        .candidates.first().map_or(1, |c| c.line)
    )]
    Ambiguous {
        /// The path as given.
        query: String,
        /// Every matching symbol.
        candidates: Vec<SymbolSummary>,
    },
    /// The new name for a rename is not an identifier of the language.
    #[error("`{name}` is not a valid {language} identifier: {reason}")]
    InvalidIdentifier {
        /// The rejected name.
        name: String,
        /// The language of the file.
        language: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A rename found nothing to rename.
    #[error(
        "no identifier `{name}` in this file (strings and comments are never renamed); \
         nothing was changed"
    )]
    NoOccurrences {
        /// The name looked for.
        name: String,
    },
    /// The code to insert or replace with is empty.
    #[error("the new code is empty; use delete to remove a symbol")]
    EmptyCode,
    /// The edited text would have new syntax errors; nothing was changed.
    #[error(transparent)]
    Rejected(#[from] SyntaxRejection),
}

impl SymbolError {
    /// The same error, naming `path` as the edited file where the message
    /// names one (a [`SymbolError::Rejected`] edit).
    #[must_use]
    pub fn with_path(self, path: &Path) -> Self {
        match self {
            SymbolError::Rejected(rejection) => SymbolError::Rejected(rejection.with_path(path)),
            other => other,
        }
    }
}

fn summary_list(items: &[SymbolSummary]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn closest_list(items: &[SymbolSummary]) -> String {
    if items.is_empty() {
        "The file defines no symbols Chamber can address.".to_owned()
    } else {
        format!("Closest symbols that exist: {}.", summary_list(items))
    }
}

/// Every symbol defined in `text`, in document order.
pub fn list_symbols(lang: Lang, text: &str) -> Result<Vec<Symbol>, SymbolError> {
    let tree = lang.parse(text)?;
    Ok(extract::symbols(lang, &tree, text))
}

/// The one symbol of `text` that `query` names (see the module docs for
/// the path syntax and the matching rules).
pub fn find_symbol(lang: Lang, text: &str, query: &str) -> Result<Symbol, SymbolError> {
    let symbols = list_symbols(lang, text)?;
    lookup::resolve(&symbols, query).cloned()
}
