/// Receives installer progress. Library code never prints: the CLI turns
/// these calls into progress bars, tests into assertions.
pub trait InstallProgress: Send + Sync {
    /// A new stage begins (`"download"`, `"build"`, `"verify"`…), with detail.
    fn stage(&self, stage: &str, detail: &str);
    /// Progress inside the stage; `total` is unknown for some stages.
    fn advance(&self, done: u64, total: Option<u64>);
    /// The stage ended; `summary` says how.
    fn finish(&self, summary: &str);
}

/// Progress that goes nowhere, for callers that do not show any.
pub struct NoProgress;

impl InstallProgress for NoProgress {
    fn stage(&self, _stage: &str, _detail: &str) {}
    fn advance(&self, _done: u64, _total: Option<u64>) {}
    fn finish(&self, _summary: &str) {}
}
