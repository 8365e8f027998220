//! The codebase index: files, symbols, references, BM25 search, the repo
//! map and the context builder that chooses what the model sees.

mod facts;

pub use facts::{FileEntry, Import, Reference, SearchHit, Snapshot, Symbol};
