//! How a running benchmark talks to its front end without printing: live
//! progress goes through [`Progress`], and text meant for people is styled
//! through [`Paint`], so the front end decides where it goes and how it looks.

/// The emphasis of a piece of report text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Headings and totals.
    Head,
    /// A success mark (solved, correct).
    Good,
    /// A failure mark (failed, wrong).
    Bad,
}

/// Styles report text; a terminal front end colors it, others leave it plain.
pub trait Paint {
    /// `text` shown with `tone`.
    fn paint(&self, tone: Tone, text: &str) -> String;
}

/// Receives what a benchmark does while it runs: a case starting and each
/// finished case's table row.
pub trait Progress: Paint + Send + Sync {
    /// A case starts (a task, an exercise, an edit); `label` names it.
    fn begin(&self, label: &str);
    /// The table row of a finished case.
    fn row(&self, line: &str);
}

/// Plain text and no progress, for tests and callers without a screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl Paint for Plain {
    fn paint(&self, _tone: Tone, text: &str) -> String {
        text.to_string()
    }
}

impl Progress for Plain {
    fn begin(&self, _label: &str) {}

    fn row(&self, _line: &str) {}
}
