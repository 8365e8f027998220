//! [`Index`]: one repository's index on disk (`.chamber/index/`: SQLite
//! `index.db` and the tantivy `fulltext/` directory), and the queries the
//! repo map, retrieval and the CLI run against it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tokio::sync::Mutex;

use crate::error::IndexError;
use crate::facts::{Import, Reference, SearchHit, Snapshot, Symbol};
use crate::fulltext::FullText;
use crate::options::IndexOptions;
use crate::resolve::Resolver;
use crate::split::identifier_terms;
use crate::store::{Store, SymbolFilter};
use crate::walk::Rules;

/// Matching symbols returned per search hit.
const HIT_SYMBOLS: usize = 20;
/// Lines of a file returned per search hit.
const HIT_LINES: usize = 5;
/// Longest line text returned in a search hit, in characters.
const HIT_LINE_CHARS: usize = 200;

/// An open index of one repository. Cheap to query concurrently; updates
/// are serialised.
pub struct Index {
    pub(crate) root: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) rules: Rules,
    pub(crate) options: IndexOptions,
    pub(crate) store: Store,
    pub(crate) fulltext: FullText,
    pub(crate) updating: Mutex<()>,
}

impl Index {
    /// Opens (creating when missing) the index of `root`, stored in
    /// `<root>/.chamber/index/`. Nothing is indexed until [`Index::update`].
    pub async fn open(root: &Path, options: IndexOptions) -> Result<Index, IndexError> {
        let dir = root.join(".chamber").join("index");
        Self::open_at(root, &dir, options).await
    }

    /// Opens an index of `root` stored in `index_dir` (benchmarks index
    /// throwaway checkouts without writing into them).
    pub async fn open_at(
        root: &Path,
        index_dir: &Path,
        options: IndexOptions,
    ) -> Result<Index, IndexError> {
        let root = root.canonicalize().map_err(|e| IndexError::io(root, e))?;
        std::fs::create_dir_all(index_dir).map_err(|e| IndexError::io(index_dir, e))?;
        let dir = index_dir
            .canonicalize()
            .map_err(|e| IndexError::io(index_dir, e))?;
        let rules = Rules::new(&root, &options)?.skipping(&dir);
        let (store, reset) = Store::open(&dir).await?;
        let (fulltext, rebuilt) = FullText::open(&dir.join("fulltext"))?;
        if rebuilt && !reset {
            store.mark_all_pending().await?;
        }
        if reset && !rebuilt {
            // A fresh database: whatever the full-text index holds is stale.
            let mut writer = fulltext.writer(0)?;
            writer.delete_all_documents()?;
            writer.commit()?;
        }
        Ok(Index {
            root,
            dir,
            rules,
            options,
            store,
            fulltext,
            updating: Mutex::new(()),
        })
    }

    /// The repository root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the index is stored.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options the index walks with.
    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// Everything the index knows, with imports resolved against the
    /// current file set (a Go package import becomes one import per file of
    /// the package).
    pub async fn snapshot(&self) -> Result<Snapshot, IndexError> {
        let files = self.store.file_entries().await?;
        let mut symbols = self.store.symbols(SymbolFilter::All).await?;
        symbols.sort_by(|a, b| a.path.cmp(&b.path).then(a.start_line.cmp(&b.start_line)));
        let references = self.store.references(None).await?;
        let raw = self.store.imports().await?;
        let go_mod: Vec<(String, String)> = files
            .iter()
            .filter(|f| f.path == "go.mod" || f.path.ends_with("/go.mod"))
            .filter_map(|f| {
                std::fs::read_to_string(self.root.join(&f.path))
                    .ok()
                    .map(|text| (f.path.clone(), text))
            })
            .collect();
        let resolver = Resolver::new(files.iter().map(|f| f.path.as_str()), &go_mod);
        let mut imports = Vec::with_capacity(raw.len());
        for (path, target) in raw {
            let resolved = resolver.resolve(&path, &target);
            if resolved.is_empty() {
                imports.push(Import {
                    path,
                    target,
                    resolved: None,
                });
            } else {
                for file in resolved {
                    imports.push(Import {
                        path: path.clone(),
                        target: target.clone(),
                        resolved: Some(file),
                    });
                }
            }
        }
        Ok(Snapshot {
            files,
            symbols,
            references,
            imports,
        })
    }

    /// The definitions in one file, in line order.
    pub async fn file_symbols(&self, path: &str) -> Result<Vec<Symbol>, IndexError> {
        self.store.symbols(SymbolFilter::Path(path)).await
    }

    /// The definitions of a name, in every file.
    pub async fn definitions(&self, name: &str) -> Result<Vec<Symbol>, IndexError> {
        self.store.symbols(SymbolFilter::Name(name)).await
    }

    /// The references to a name, in every file.
    pub async fn references(&self, name: &str) -> Result<Vec<Reference>, IndexError> {
        self.store.references(Some(name)).await
    }

    /// Whether `path` is an indexed file.
    pub async fn has_file(&self, path: &str) -> Result<bool, IndexError> {
        self.store.is_indexed(path).await
    }

    /// Full-text search: BM25 over content, path and symbol names, all
    /// identifier-split (`parseRequest` finds `parse_request`), with path
    /// and symbol matches boosted. Any text is a valid query; one with no
    /// words finds nothing. Each hit carries the file's symbols whose names
    /// match and its first few matching lines.
    pub async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, IndexError> {
        let mut terms = identifier_terms(query);
        let mut seen = HashSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        let ranked = self.fulltext.search(&terms, limit)?;
        let wanted: HashSet<&str> = terms.iter().map(String::as_str).collect();
        let mut hits = Vec::with_capacity(ranked.len());
        for (path, score) in ranked {
            let symbols = self
                .store
                .symbols_where(&path, |name| matches_terms(name, &wanted), HIT_SYMBOLS)
                .await?;
            let lines = match tokio::fs::read(self.root.join(&path)).await {
                Ok(bytes) => matching_lines(&String::from_utf8_lossy(&bytes), &wanted),
                // Removed since the last update: not a result any more.
                Err(_) => continue,
            };
            hits.push(SearchHit {
                path,
                score,
                symbols,
                lines,
            });
        }
        Ok(hits)
    }
}

/// Whether any identifier term of `text` is wanted.
fn matches_terms(text: &str, wanted: &HashSet<&str>) -> bool {
    identifier_terms(text)
        .iter()
        .any(|t| wanted.contains(t.as_str()))
}

/// The first lines of `text` containing a wanted term, numbered from 1.
fn matching_lines(text: &str, wanted: &HashSet<&str>) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Every term of a line is a lowercase substring of it: a cheap
        // test first, the split only for lines that pass it.
        let lower = line.to_lowercase();
        if wanted.iter().any(|t| lower.contains(t)) && matches_terms(line, wanted) {
            let trimmed = line.trim();
            let shown: String = trimmed.chars().take(HIT_LINE_CHARS).collect();
            out.push((u32::try_from(i + 1).unwrap_or(u32::MAX), shown));
            if out.len() == HIT_LINES {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
