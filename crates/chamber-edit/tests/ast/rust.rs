use std::path::Path;

use chamber_edit::symbols::{
    SymbolError, SymbolKind, delete_symbol, find_symbol, insert_after_symbol, insert_before_symbol,
    list_symbols, rename_symbol, replace_symbol,
};
use chamber_edit::syntax::Lang;

const SRC: &str = r#"//! Connection pooling.

use std::fmt;

/// The most connections a pool opens.
pub const MAX: usize = 8;

/// A pooled connection.
#[derive(Clone)]
pub struct Conn {
    id: u32,
}

impl Conn {
    /// Creates a connection.
    pub fn new(id: u32) -> Self {
        Conn { id }
    }

    /// The connection's id.
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl fmt::Display for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Conn #{}", self.id)
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn").field("id", &self.id).finish()
    }
}

pub mod pool {
    use super::Conn;

    /// Opens `n` connections.
    pub fn open(n: u32) -> Vec<Conn> {
        (0..n).map(Conn::new).collect()
    }
}

pub trait Named {
    fn name(&self) -> String;
}

fn main() {
    // Conn is the pooled type
    let c = Conn::new(1);
    println!("{}", c.id());
}
"#;

fn span_text(query: &str) -> String {
    let s = find_symbol(Lang::Rust, SRC, query).unwrap_or_else(|e| panic!("{query}: {e}"));
    SRC[s.span].to_owned()
}

#[test]
fn finds_items_methods_and_impls() {
    let new = find_symbol(Lang::Rust, SRC, "Conn::new").unwrap();
    assert_eq!(
        (new.kind, new.path.as_str(), new.line),
        (SymbolKind::Method, "Conn::new", 16)
    );
    assert_eq!(find_symbol(Lang::Rust, SRC, "Conn.id").unwrap().line, 21);
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "pool::open").unwrap().kind,
        SymbolKind::Function
    );
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "Conn").unwrap().kind,
        SymbolKind::Struct
    );
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "MAX").unwrap().kind,
        SymbolKind::Constant
    );
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "Named::name").unwrap().kind,
        SymbolKind::Method
    );
    assert_eq!(find_symbol(Lang::Rust, SRC, "impl Conn").unwrap().line, 14);
    let display = find_symbol(Lang::Rust, SRC, "impl fmt::Display for Conn").unwrap();
    assert_eq!((display.kind, display.line), (SymbolKind::Impl, 26));
    let fmt = find_symbol(Lang::Rust, SRC, "<Conn as Debug>::fmt").unwrap();
    assert_eq!((fmt.path.as_str(), fmt.line), ("<Conn as Debug>::fmt", 33));
    // A bare name is found when it is unique.
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "open").unwrap().path,
        "pool::open"
    );
    assert_eq!(
        find_symbol(Lang::Rust, SRC, "fmt@27").unwrap().path,
        "<Conn as Display>::fmt"
    );
    let all = list_symbols(Lang::Rust, SRC).unwrap();
    assert!(
        all.iter()
            .any(|s| s.path == "main" && s.kind == SymbolKind::Function)
    );
}

#[test]
fn spans_include_docs_and_attributes() {
    assert_eq!(
        span_text("Conn"),
        "/// A pooled connection.\n#[derive(Clone)]\npub struct Conn {\n    id: u32,\n}"
    );
    assert!(span_text("Conn::new").starts_with("/// Creates a connection.\n    pub fn new"));
    assert!(span_text("MAX").starts_with("/// The most"));
}

#[test]
fn ambiguous_and_missing_names_explain_themselves() {
    let err = find_symbol(Lang::Rust, SRC, "Conn::fmt").unwrap_err();
    let SymbolError::Ambiguous { candidates, .. } = &err else {
        panic!("expected ambiguity, got {err}");
    };
    assert_eq!(candidates.len(), 2);
    let msg = err.to_string();
    assert!(
        msg.contains("`<Conn as Display>::fmt` (method, line 27)"),
        "{msg}"
    );
    assert!(
        msg.contains("`<Conn as Debug>::fmt` (method, line 33)"),
        "{msg}"
    );
    assert!(msg.contains("@LINE"), "{msg}");

    let err = find_symbol(Lang::Rust, SRC, "Conn::nwe").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SymbolError::NotFound { .. }));
    assert!(msg.contains("no symbol `Conn::nwe`"), "{msg}");
    assert!(msg.contains("`Conn::new` (method, line 16)"), "{msg}");
}

#[test]
fn replace_keeps_docs_unless_new_code_brings_its_own() {
    let out = replace_symbol(
        Lang::Rust,
        SRC,
        "Conn::id",
        "pub fn id(&self) -> u32 {\n    self.id + 1\n}\n",
    )
    .unwrap();
    assert!(out.text.contains(
        "    /// The connection's id.\n    pub fn id(&self) -> u32 {\n        self.id + 1\n    }\n}\n"
    ));
    assert_eq!((out.start_line, out.end_line), (21, 23));

    let out = replace_symbol(
        Lang::Rust,
        SRC,
        "Conn::id",
        "/// The id, plus one.\n#[inline]\npub fn id(&self) -> u32 {\n    self.id + 1\n}",
    )
    .unwrap();
    assert!(!out.text.contains("The connection's id"));
    assert!(out.text.contains(
        "    }\n\n    /// The id, plus one.\n    #[inline]\n    pub fn id(&self) -> u32 {\n        self.id + 1\n    }\n}\n"
    ));
}

#[test]
fn inserts_siblings_with_a_blank_line() {
    let code = "/// Closes it.\npub fn close(self) {}";
    let out = insert_after_symbol(Lang::Rust, SRC, "Conn::new", code).unwrap();
    assert!(out.text.contains(
        "        Conn { id }\n    }\n\n    /// Closes it.\n    pub fn close(self) {}\n\n    /// The connection's id.\n"
    ));
    let out = insert_after_symbol(Lang::Rust, SRC, "Conn::id", code).unwrap();
    assert!(
        out.text.contains(
            "        self.id\n    }\n\n    /// Closes it.\n    pub fn close(self) {}\n}\n"
        )
    );

    let out = insert_before_symbol(Lang::Rust, SRC, "main", "#[test]\nfn smoke() {}").unwrap();
    assert!(
        out.text
            .contains("}\n\n#[test]\nfn smoke() {}\n\nfn main() {\n")
    );
    let main_line = find_symbol(Lang::Rust, SRC, "main").unwrap().line;
    assert_eq!((out.start_line, out.end_line), (main_line, main_line + 1));
}

#[test]
fn delete_removes_docs_and_collapses_blank_lines() {
    let out = delete_symbol(Lang::Rust, SRC, "Conn::id").unwrap();
    assert!(
        out.text
            .contains("        Conn { id }\n    }\n}\n\nimpl fmt::Display")
    );
    let out = delete_symbol(Lang::Rust, SRC, "Conn::new").unwrap();
    assert!(
        out.text
            .contains("impl Conn {\n    /// The connection's id.\n")
    );
    let out = delete_symbol(Lang::Rust, SRC, "pool::open").unwrap();
    assert!(
        out.text
            .contains("pub mod pool {\n    use super::Conn;\n}\n\npub trait")
    );
    assert!(
        list_symbols(Lang::Rust, &out.text)
            .unwrap()
            .iter()
            .all(|s| s.name != "open")
    );
}

#[test]
fn rename_skips_strings_and_comments() {
    let out = rename_symbol(Lang::Rust, SRC, "Conn", "Connection").unwrap();
    // struct, impl Conn, 2 trait impls, constructor expression, `use`, the
    // return type, `Conn::new` twice.
    assert_eq!(out.occurrences, 9);
    assert!(out.text.contains("pub struct Connection {"));
    assert!(out.text.contains("impl fmt::Display for Connection {"));
    assert!(out.text.contains("(0..n).map(Connection::new)"));
    assert!(out.text.contains("\"Conn #{}\""));
    assert!(out.text.contains("debug_struct(\"Conn\")"));
    assert!(out.text.contains("// Conn is the pooled type"));
    assert!(out.lines.contains(&10));

    let err = rename_symbol(Lang::Rust, SRC, "Conn", "fn").unwrap_err();
    assert!(err.to_string().contains("reserved word"), "{err}");
    let err = rename_symbol(Lang::Rust, SRC, "Conn", "Conn-2").unwrap_err();
    assert!(matches!(err, SymbolError::InvalidIdentifier { .. }));
    let err = rename_symbol(Lang::Rust, SRC, "Missing", "Other").unwrap_err();
    assert!(matches!(err, SymbolError::NoOccurrences { .. }));
    assert!(rename_symbol(Lang::Rust, SRC, "Conn", "r#type").is_ok());
}

#[test]
fn edits_that_break_syntax_are_refused() {
    let err = replace_symbol(
        Lang::Rust,
        SRC,
        "Conn::id",
        "pub fn id(&self) -> u32 {\n    self.id +\n",
    )
    .unwrap_err();
    let SymbolError::Rejected(rejection) = &err else {
        panic!("expected a rejection, got {err}");
    };
    assert_eq!(rejection.before_count, 0);
    let msg = err.to_string();
    assert!(msg.starts_with("line 22, column "), "{msg}");
    assert!(
        msg.contains("the edit was not applied; fix the syntax and retry"),
        "{msg}"
    );
    let named = err.with_path(Path::new("src/pool.rs")).to_string();
    assert!(named.starts_with("src/pool.rs:22:"), "{named}");
}
