//! The facts the index keeps about a repository. Everything downstream (the
//! repo map, retrieval, the context builder, the CLI) reads these types.

use serde::{Deserialize, Serialize};

/// One indexed file: what the walk saw and what the parser made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// Language name (`rust`, `python`, `typescript`, `tsx`, `javascript`,
    /// `go`), or `None` for text the parser does not know.
    pub lang: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content; decides whether a file is re-parsed.
    pub hash: String,
    /// Modification time, nanoseconds since the epoch (a fast pre-check).
    pub mtime_ns: i64,
    /// Whether the file is a test (by path and naming conventions).
    pub is_test: bool,
}

/// A definition found by the grammar's tags query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// File the symbol is defined in.
    pub path: String,
    /// `function`, `method`, `class`, `struct`, `enum`, `trait`,
    /// `interface`, `type`, `module`, `constant`, `macro`, …
    pub kind: String,
    /// Bare name (`parse`).
    pub name: String,
    /// Name with its enclosing definitions (`Parser.parse`, `impl Foo::new`
    /// becomes `Foo::new`).
    pub qualified: String,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, 1-based, inclusive.
    pub end_line: u32,
    /// The definition's first line, trimmed (its signature).
    pub signature: String,
}

/// A use of a name: a call, a type mention, an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// File the reference is in.
    pub path: String,
    /// The name referred to.
    pub name: String,
    /// Line, 1-based.
    pub line: u32,
    /// `call`, `type`, `implementation`, `import`, …
    pub kind: String,
}

/// An import or module dependency of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// File that imports.
    pub path: String,
    /// The module as written (`os.path`, `./util`, `crate::store`).
    pub target: String,
    /// The repository file it resolves to, when it does.
    pub resolved: Option<String>,
}

/// Everything the index knows, loaded at once for whole-repo work (the
/// repo map's PageRank, retrieval).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every indexed file, sorted by path.
    pub files: Vec<FileEntry>,
    /// Every definition.
    pub symbols: Vec<Symbol>,
    /// Every reference.
    pub references: Vec<Reference>,
    /// Every import.
    pub imports: Vec<Import>,
}

/// One result of a full-text search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The file.
    pub path: String,
    /// BM25 score (higher is better).
    pub score: f32,
    /// Symbols defined in the file whose names match the query (at most 20).
    pub symbols: Vec<Symbol>,
    /// `(line number, text)` of lines that match the query, first few only.
    pub lines: Vec<(u32, String)>,
}
