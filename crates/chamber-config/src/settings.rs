use serde::{Deserialize, Serialize};

/// Every setting Chamber reads. Each section rejects unknown keys so a typo
/// is an error naming the key, not a silently ignored line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which model provider and model to use.
    pub provider: ProviderConfig,
    /// Limits of the run loop.
    pub agent: AgentConfig,
    /// How runs use git.
    pub git: GitConfig,
    /// When Chamber asks before acting.
    pub approval: ApprovalConfig,
    /// Log files.
    pub logging: LoggingConfig,
}

/// The model provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// Provider name; `openai` covers every OpenAI-compatible server.
    pub name: String,
    /// Model name sent to the provider.
    pub model: String,
    /// API base URL; empty means `OPENAI_BASE_URL` or the provider's default.
    pub base_url: String,
    /// Environment variable holding the API key.
    pub api_key_env: String,
    /// Whole-request timeout.
    pub request_timeout_secs: u64,
    /// Longest silence tolerated inside a streamed answer.
    pub idle_timeout_secs: u64,
    /// Retries of transient errors (rate limits, 5xx, network).
    pub max_retries: u32,
    /// First retry delay; it doubles each attempt, with jitter.
    pub retry_base_ms: u64,
    /// Ask for plans with `response_format: json_schema` (constrained output).
    pub structured_plan: bool,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            name: "openai".into(),
            model: "gpt-4o-mini".into(),
            base_url: String::new(),
            api_key_env: "OPENAI_API_KEY".into(),
            request_timeout_secs: 300,
            idle_timeout_secs: 120,
            max_retries: 3,
            retry_base_ms: 500,
            structured_plan: true,
        }
    }
}

/// Limits of the run loop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// Model turns allowed per plan step before the step counts as failed.
    pub max_turns_per_step: u32,
    /// Re-plans allowed after a step fails, before the run stops.
    pub max_replans: u32,
    /// Attempts at getting a valid plan from the model.
    pub plan_attempts: u32,
    /// Default time limit of a shell command.
    pub shell_timeout_secs: u64,
    /// Bytes of each output stream kept per tool call.
    pub output_cap_bytes: usize,
    /// Instruction files read into the context, relative to the project root.
    pub instruction_files: Vec<String>,
    /// Entries of the project tree shown to the model.
    pub tree_max_entries: usize,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            max_turns_per_step: 12,
            max_replans: 1,
            plan_attempts: 3,
            shell_timeout_secs: 120,
            output_cap_bytes: 32 * 1024,
            instruction_files: vec![
                "AGENTS.md".into(),
                "CLAUDE.md".into(),
                ".chamber/instructions.md".into(),
            ],
            tree_max_entries: 200,
        }
    }
}

/// How runs use git.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GitConfig {
    /// Prefix of run branches; the run's short id follows it.
    pub branch_prefix: String,
    /// Commit the run's changes at the end.
    pub commit: bool,
}

impl Default for GitConfig {
    fn default() -> Self {
        Self {
            branch_prefix: "chamber/".into(),
            commit: true,
        }
    }
}

/// When Chamber asks before acting.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalConfig {
    /// `ask` (the default) asks before writes and unlisted commands; `auto`
    /// approves the plan and whatever the policy allows, like `--yes`.
    pub mode: String,
    /// Name recorded as approver for interactive approvals; empty means `$USER`.
    pub approver: String,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        Self {
            mode: "ask".into(),
            approver: String::new(),
        }
    }
}

/// Log files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// Level written to the log files (`error`…`trace`, or an env-filter string).
    pub file_level: String,
    /// Daily log files kept.
    pub max_files: usize,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            file_level: "info".into(),
            max_files: 7,
        }
    }
}

impl Config {
    /// Checks values that parse but make no sense.
    pub fn check(&self) -> Result<(), String> {
        if !matches!(self.approval.mode.as_str(), "ask" | "auto") {
            return Err(format!(
                "approval.mode = {:?}: expected \"ask\" or \"auto\"",
                self.approval.mode
            ));
        }
        if self.provider.name != "openai" {
            return Err(format!(
                "provider.name = {:?}: this build supports \"openai\" (any OpenAI-compatible server)",
                self.provider.name
            ));
        }
        if self.agent.max_turns_per_step == 0 {
            return Err("agent.max_turns_per_step must be at least 1".into());
        }
        if self.agent.plan_attempts == 0 {
            return Err("agent.plan_attempts must be at least 1".into());
        }
        Ok(())
    }
}
