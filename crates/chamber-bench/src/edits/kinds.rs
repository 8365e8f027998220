//! The patch formats an edit is rendered in and the ways a patch (or the
//! file) is perturbed, as models get them wrong.

/// A patch format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `*** Begin Patch` / `*** Update File:` with `@@` hunks.
    ApplyPatch,
    /// `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` blocks.
    SearchReplace,
    /// `---`/`+++`/`@@ -a,b +c,d @@`.
    UnifiedDiff,
    /// The whole new file.
    WholeFile,
}

impl Format {
    /// Every format, in report order.
    pub const ALL: [Format; 4] = [
        Format::ApplyPatch,
        Format::SearchReplace,
        Format::UnifiedDiff,
        Format::WholeFile,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::ApplyPatch => "apply_patch",
            Format::SearchReplace => "search_replace",
            Format::UnifiedDiff => "unified_diff",
            Format::WholeFile => "whole_file",
        }
    }
}

/// A way the patch (or the file) differs from the clean case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Perturbation {
    /// The patch exactly as the diff gives it.
    Clean,
    /// Trailing whitespace added to (or stripped from) lines to match.
    TrailingWhitespace,
    /// The whole hunk indented by ±2/4 spaces, or tabs and spaces swapped.
    Indentation,
    /// Unified diff `@@` line numbers off by 5 to 50.
    LineNumbers,
    /// One context line slightly different from the file.
    StaleContext,
    /// Context lines dropped.
    MissingContext,
    /// The middle of a long unchanged run written as `...`.
    Elision,
    /// The file has CRLF line endings, the patch LF.
    Crlf,
    /// The changed block also occurs elsewhere in the file.
    Duplicate,
}

impl Perturbation {
    /// Every perturbation, in report order.
    pub const ALL: [Perturbation; 9] = [
        Perturbation::Clean,
        Perturbation::TrailingWhitespace,
        Perturbation::Indentation,
        Perturbation::LineNumbers,
        Perturbation::StaleContext,
        Perturbation::MissingContext,
        Perturbation::Elision,
        Perturbation::Crlf,
        Perturbation::Duplicate,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::Clean => "clean",
            Perturbation::TrailingWhitespace => "trailing_ws",
            Perturbation::Indentation => "indentation",
            Perturbation::LineNumbers => "line_numbers",
            Perturbation::StaleContext => "stale_context",
            Perturbation::MissingContext => "missing_context",
            Perturbation::Elision => "elision",
            Perturbation::Crlf => "crlf",
            Perturbation::Duplicate => "duplicate",
        }
    }

    /// Whether the perturbation makes sense for `format`.
    pub fn applies(self, format: Format) -> bool {
        match (self, format) {
            (Perturbation::Clean, _) => true,
            (_, Format::WholeFile) => false,
            (Perturbation::LineNumbers, f) => f == Format::UnifiedDiff,
            (Perturbation::Elision, f) => f != Format::UnifiedDiff,
            _ => true,
        }
    }
}
