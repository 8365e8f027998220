//! The codebase index: files, symbols, references, BM25 search, the repo
//! map and the context builder that chooses what the model sees.

pub mod context;
mod error;
mod extract;
mod facts;
mod fulltext;
mod index;
pub mod map;
mod options;
mod pipeline;
mod related;
mod resolve;
pub mod retrieve;
mod split;
mod store;
mod update;
mod walk;

pub use chamber_edit::syntax::Lang;
pub use error::IndexError;
pub use extract::{FileFacts, extract, lang_from_name, lang_name, lang_of_path};
pub use facts::{FileEntry, Import, Reference, SearchHit, Snapshot, Symbol};
pub use index::Index;
pub use options::IndexOptions;
pub use related::related_tests;
pub use resolve::Resolver;
pub use split::{identifier_terms, split_identifier};
pub use update::{Progress, UpdateStats};
pub use walk::is_test_path;
