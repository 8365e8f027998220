//! The BM25 full-text index (tantivy) over file content, path and symbol
//! names, all through one identifier-splitting tokenizer so `parseRequest`,
//! `parse_request` and "parse request" meet. Queries are built from terms,
//! never parsed, so no user text can make a query fail.

use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::error::IndexError;
use crate::split::identifier_terms;

/// The tokenizer's registered name.
const TOKENIZER: &str = "chamber_ident";
/// Longest token indexed, in bytes (longer runs are data, not names).
const MAX_TOKEN_BYTES: usize = 64;
/// Boost of a match in the path.
const PATH_BOOST: f32 = 2.0;
/// Boost of a match in a defined symbol's name.
const SYMBOL_BOOST: f32 = 3.0;
/// The writer's memory budget for a build.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// The writer's memory budget for a few files (tantivy's minimum): a big
/// arena costs more to set up than a small update takes.
const SMALL_WRITER_MEMORY: usize = 15 * 1024 * 1024;
/// Up to this many files, an update gets the small writer.
const SMALL_UPDATE_FILES: usize = 64;

/// The fields of a document (one per file).
#[derive(Clone, Copy)]
struct Fields {
    /// The exact path, for deletion and display.
    key: Field,
    path: Field,
    content: Field,
    symbols: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let text = TextOptions::default().set_indexing_options(indexing);
    let fields = Fields {
        key: builder.add_text_field("key", STRING | STORED),
        path: builder.add_text_field("path", text.clone()),
        content: builder.add_text_field("content", text.clone()),
        symbols: builder.add_text_field("symbols", text),
    };
    (builder.build(), fields)
}

/// The open full-text index and a reader kept for searches.
pub(crate) struct FullText {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl FullText {
    /// Opens the index in `dir`, creating it when missing. An index that
    /// cannot be opened (damaged, older schema) is removed and created
    /// anew; the second value says so, and every file must then be added
    /// again.
    pub fn open(dir: &Path) -> Result<(FullText, bool), IndexError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
        let existing = dir.join("meta.json").exists();
        let opened = if existing {
            Index::open_in_dir(dir)
                .ok()
                .filter(|index| index.schema() == schema)
        } else {
            None
        };
        let (index, rebuilt) = match opened {
            Some(index) => (index, false),
            None => {
                if existing {
                    std::fs::remove_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
                    std::fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
                }
                (Index::create_in_dir(dir, schema)?, true)
            }
        };
        index
            .tokenizers()
            .register(TOKENIZER, TextAnalyzer::from(IdentTokenizer::default()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok((
            FullText {
                index,
                reader,
                fields,
            },
            rebuilt,
        ))
    }

    /// A writer for an update of `files` files (holds the index's lock
    /// until dropped).
    pub fn writer(&self, files: usize) -> Result<IndexWriter, IndexError> {
        if files <= SMALL_UPDATE_FILES {
            // No merges either: waiting for one would cost a watcher's
            // update far more than the update itself; the next big update
            // merges the small segments.
            let writer = self.index.writer_with_num_threads(1, SMALL_WRITER_MEMORY)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            Ok(writer)
        } else {
            Ok(self.index.writer_with_num_threads(1, WRITER_MEMORY)?)
        }
    }

    /// Queues removal of `path`'s document.
    pub fn delete(&self, writer: &IndexWriter, path: &str) {
        writer.delete_term(Term::from_field_text(self.fields.key, path));
    }

    /// Queues `path`'s document, replacing any older one when `replace`.
    pub fn add(
        &self,
        writer: &IndexWriter,
        path: &str,
        content: &str,
        symbol_names: &str,
        replace: bool,
    ) -> Result<(), IndexError> {
        if replace {
            self.delete(writer, path);
        }
        let mut doc = TantivyDocument::default();
        doc.add_text(self.fields.key, path);
        doc.add_text(self.fields.path, path);
        doc.add_text(self.fields.content, content);
        doc.add_text(self.fields.symbols, symbol_names);
        writer.add_document(doc)?;
        Ok(())
    }

    /// Makes committed changes visible to searches.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// The best `limit` files for `terms` (already split), by BM25 with
    /// path and symbol boosts.
    pub fn search(&self, terms: &[String], limit: usize) -> Result<Vec<(String, f32)>, IndexError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            for (field, boost) in [
                (self.fields.content, 1.0),
                (self.fields.path, PATH_BOOST),
                (self.fields.symbols, SYMBOL_BOOST),
            ] {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(path) = doc.get_first(self.fields.key).and_then(|v| v.as_str()) {
                hits.push((path.to_owned(), score));
            }
        }
        Ok(hits)
    }

    /// Number of documents visible to searches.
    #[cfg(test)]
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// Splits text into identifier terms ([`identifier_terms`]).
#[derive(Clone, Default)]
struct IdentTokenizer {
    tokens: Vec<Token>,
}

/// The tokens of one text.
struct IdentStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for IdentTokenizer {
    type TokenStream<'a> = IdentStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdentStream<'a> {
        self.tokens.clear();
        for (position, term) in identifier_terms(text).into_iter().enumerate() {
            if term.len() > MAX_TOKEN_BYTES {
                continue;
            }
            self.tokens.push(Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text: term,
                position_length: 1,
            });
        }
        IdentStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for IdentStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
