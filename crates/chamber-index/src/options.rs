//! What an index walks and skips, from the `[index]` config section or
//! built by hand (benchmarks and tests).

use chamber_config::IndexConfig;

/// The walk's rules: size limit, user globs and the generated-file rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOptions {
    /// Files larger than this are not indexed (default 1 MiB).
    pub max_file_bytes: u64,
    /// Extra `.gitignore`-style patterns of paths never indexed.
    pub exclude: Vec<String>,
    /// `.gitignore`-style patterns that override the generated, minified
    /// and vendored rules.
    pub include: Vec<String>,
    /// Skip generated, minified and vendored files (default true).
    pub skip_generated: bool,
    /// Parser threads; 0 means one per available core.
    pub threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self::from_config(&IndexConfig::default())
    }
}

impl IndexOptions {
    /// The options the `[index]` config section asks for.
    pub fn from_config(config: &IndexConfig) -> Self {
        Self {
            max_file_bytes: config.max_file_bytes,
            exclude: config.exclude.clone(),
            include: config.include.clone(),
            skip_generated: config.skip_generated,
            threads: 0,
        }
    }

    /// The number of parser threads to start (at least 1).
    pub(crate) fn worker_count(&self) -> usize {
        if self.threads > 0 {
            return self.threads;
        }
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }
}
