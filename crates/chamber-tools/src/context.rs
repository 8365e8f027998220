//! What every tool call runs against: the workspace root, shell limits and
//! the write journal.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chamber_protocol::OutputStream;

use crate::journal::Journal;

/// Receives live shell output as it arrives, so the CLI and event log can show
/// progress before a long command finishes.
pub type OutputSink = Arc<dyn Fn(OutputStream, &str) + Send + Sync>;

/// The environment a tool call runs in; one per run, shared by all calls.
#[derive(Clone)]
pub struct ToolContext {
    /// Workspace root; every path argument resolves inside it.
    pub root: PathBuf,
    /// Default time limit for `shell` when the call gives none.
    pub shell_timeout: Duration,
    /// Bytes of output kept per stream (head and tail); the middle is dropped.
    pub output_cap: usize,
    /// Where live shell output goes, if anywhere.
    pub output: Option<OutputSink>,
    /// Records files' content before the tools change them (see
    /// [`ToolContext::before_change`]); `None` records nothing.
    pub journal: Option<Arc<Journal>>,
    /// Refuse edits that add syntax errors to Rust, Python, TypeScript,
    /// JavaScript or Go files (checked with tree-sitter before writing).
    pub syntax_check: bool,
    /// Whether `shell` runs commands in the sandbox (default: unconfined).
    pub sandbox: crate::sandbox::ShellSandbox,
    /// Environment variables `shell` passes on although they look secret.
    pub env_allow: Vec<String>,
    /// Where file writes are announced before they happen (see
    /// [`ToolContext::before_change`]); `None` announces nothing.
    pub intents: Option<crate::journal::IntentSender>,
}

impl ToolContext {
    /// A context rooted at `root` with a 120 s shell timeout, a 32 KiB output
    /// cap, no live output sink, no journal, syntax checks on, and commands
    /// unconfined (with the environment scrubbed).
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            shell_timeout: Duration::from_secs(120),
            output_cap: 32 * 1024,
            output: None,
            journal: None,
            syntax_check: true,
            sandbox: crate::sandbox::ShellSandbox::Off,
            env_allow: Vec::new(),
            intents: None,
        }
    }
}

impl fmt::Debug for ToolContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolContext")
            .field("root", &self.root)
            .field("shell_timeout", &self.shell_timeout)
            .field("output_cap", &self.output_cap)
            .field("output", &self.output.as_ref().map(|_| "<sink>"))
            .field("journal", &self.journal.is_some())
            .field("syntax_check", &self.syntax_check)
            .field("sandbox", &self.sandbox)
            .field("env_allow", &self.env_allow)
            .field("intents", &self.intents.is_some())
            .finish()
    }
}
