use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A request by the model to run one tool.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ToolCall {
    /// The provider's call id, echoed back with the result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments exactly as the model wrote them (JSON text, possibly invalid).
    pub arguments: String,
}

/// The outcome of one tool call: the same shape for every tool, so the model,
/// the trace and the dashboard read it one way.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ToolResult {
    /// How the call ended.
    pub status: ToolStatus,
    /// Output meant for the model (file contents, command stdout, listings).
    #[serde(default)]
    pub stdout: String,
    /// Command stderr, if any.
    #[serde(default)]
    pub stderr: String,
    /// Process exit code, for commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// What went wrong and how to fix it, when `status` is not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Paths the call created or changed, relative to the workspace.
    #[serde(default)]
    pub artifacts: Vec<String>,
    /// Wall-clock time of the call.
    pub duration_ms: u64,
    /// Directory the call ran in.
    #[serde(default)]
    pub cwd: String,
}

/// How a tool call ended.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// It worked (for commands: exit code 0).
    #[default]
    Ok,
    /// It ran and failed, or its arguments were invalid.
    Error,
    /// It was killed after its time limit.
    Timeout,
    /// The policy or the user refused it.
    Denied,
}

impl ToolResult {
    /// A failed result carrying only an error message, for calls that never ran.
    pub fn failure(status: ToolStatus, error: impl Into<String>) -> Self {
        Self {
            status,
            error: Some(error.into()),
            ..Self::default()
        }
    }

    /// Renders the result as the text the model reads back.
    pub fn to_model_text(&self) -> String {
        let mut out = String::new();
        match self.status {
            ToolStatus::Ok => out.push_str("status: ok\n"),
            ToolStatus::Error => out.push_str("status: error\n"),
            ToolStatus::Timeout => out.push_str("status: timeout\n"),
            ToolStatus::Denied => out.push_str("status: denied\n"),
        }
        if let Some(code) = self.exit_code {
            out.push_str(&format!("exit_code: {code}\n"));
        }
        if let Some(err) = &self.error {
            out.push_str(&format!("error: {err}\n"));
        }
        if !self.stdout.is_empty() {
            out.push_str(&self.stdout);
            if !self.stdout.ends_with('\n') {
                out.push('\n');
            }
        }
        if !self.stderr.is_empty() {
            out.push_str("stderr:\n");
            out.push_str(&self.stderr);
        }
        out
    }
}
