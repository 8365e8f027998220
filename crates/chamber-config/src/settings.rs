use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::providers::{
    BudgetConfig, CustomProvider, FallbackConfig, ModelSpec, RoutingConfig, check_providers,
    provider_known,
};

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
    pub approval: crate::approval::ApprovalConfig,
    /// Log files.
    pub logging: LoggingConfig,
    /// The built-in local model.
    pub local: LocalConfig,
    /// Custom providers, and overrides of built-in ones, by name.
    pub providers: BTreeMap<String, CustomProvider>,
    /// Model metadata and price overrides by model name (prices in USD per
    /// million tokens), on top of the shipped price table.
    pub models: BTreeMap<String, ModelSpec>,
    /// Which model plans and which acts; escalation; `--prefer`.
    pub routing: RoutingConfig,
    /// Other provider/model pairs to try when a request fails.
    pub fallback: FallbackConfig,
    /// Cost, time and token limits per run.
    pub budget: BudgetConfig,
    /// How `chamber test` runs the project's tests.
    pub test: TestConfig,
    /// How `chamber review` judges a change.
    pub review: crate::review::ReviewConfig,
    /// How shell commands are sandboxed.
    pub sandbox: crate::sandbox::SandboxConfig,
    /// What the redactor hides.
    pub secrets: crate::secrets::SecretsConfig,
    /// Protected paths, the two-person rule and write lanes.
    pub paths: crate::paths::PathsConfig,
    /// What the codebase index walks and skips, and the context budget.
    pub index: crate::index::IndexConfig,
    /// What the context builder sends with each run.
    pub context: crate::context::ContextConfig,
    /// The HTTP service and its task queue.
    pub server: crate::server::ServerConfig,
    /// MCP servers whose tools runs may use.
    pub mcp: crate::mcp::McpConfig,
    /// Structured tools for git, package managers and containers.
    pub adapters: crate::adapters::AdaptersConfig,
    /// The local usage log (user config and environment only).
    pub telemetry: crate::telemetry::TelemetryConfig,
}

/// The model provider.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// `auto` (an explicit base URL, else an API key in the environment,
    /// else the local model), `local` (the built-in model), a built-in
    /// provider (`openai`, `openai-responses`, `anthropic`, `gemini`,
    /// `openrouter`, `ollama`) or a name defined under `[providers]`.
    pub name: String,
    /// Model name; empty means the provider's default (`gpt-4o-mini` for
    /// OpenAI, `local.model` for the local model).
    pub model: String,
    /// API base URL; empty means `OPENAI_BASE_URL` or the provider's default.
    pub base_url: String,
    /// Environment variable holding the API key; empty means the
    /// provider's own (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, …).
    pub api_key_env: String,
    /// Whole-request timeout.
    pub request_timeout_secs: u64,
    /// Longest silence tolerated inside a streamed answer.
    pub idle_timeout_secs: u64,
    /// Longest time one answer may take, from the request to its end (an
    /// endless or trickling stream ends here).
    pub answer_timeout_secs: u64,
    /// Most bytes of one answer (text, reasoning and tool-call arguments),
    /// and of one whole reply or streamed event read into memory.
    pub max_response_bytes: u64,
    /// Most bytes of the arguments of one tool call.
    pub max_tool_call_bytes: u64,
    /// Retries of transient errors (rate limits, 5xx, network).
    pub max_retries: u32,
    /// First retry delay; it doubles each attempt, with jitter.
    pub retry_base_ms: u64,
    /// Ask for plans with `response_format: json_schema` (constrained output).
    pub structured_plan: bool,
    /// How tool calls are obtained: `auto` (native for remote providers,
    /// `json_schema` for the local model), `native`, `json_schema`
    /// (constrained decoding) or `text` (extracted from the answer).
    pub tool_mode: String,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            name: "auto".into(),
            model: String::new(),
            base_url: String::new(),
            api_key_env: String::new(),
            request_timeout_secs: 300,
            idle_timeout_secs: 120,
            answer_timeout_secs: 900,
            max_response_bytes: 8 * 1024 * 1024,
            max_tool_call_bytes: 1024 * 1024,
            max_retries: 3,
            retry_base_ms: 500,
            structured_plan: true,
            tool_mode: "auto".into(),
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
    /// How the model writes partial edits: `auto` (apply_patch for OpenAI's
    /// GPT-4.1/GPT-5/o-series, search_replace otherwise), `apply_patch`,
    /// `search_replace`, `udiff` or `whole`.
    pub edit_format: String,
    /// Offer the symbol-level edit tools (replace/insert/delete/rename a
    /// function or class by name) to remote models.
    pub symbol_edits: bool,
    /// Refuse edits that add syntax errors (Rust, Python, TypeScript,
    /// JavaScript, Go), with the error's location.
    pub syntax_check: bool,
    /// How a run is driven: `loop` (the model plans and calls tools),
    /// `direct` (the harness finds the files, asks the model for one file's
    /// new content at a time, runs the tests and feeds back the failure) or
    /// `auto` (direct for small models, see `docs/architecture.md`).
    pub strategy: String,
    /// Attempts made in direct mode when the project has tests; the best by
    /// the tests (pass count, then diff size) is applied.
    pub candidates: u32,
    /// Rounds of write → test → feedback per direct-mode attempt.
    pub direct_rounds: u32,
    /// Keep `.chamber/playbook.md`: notes a completed run appends (the test
    /// command that worked, the files it changed), read into every run's context.
    pub playbook: bool,
    /// Run plan steps that depend on none of each other at the same time,
    /// each in its own git worktree, merged back by a 3-way merge. Only for
    /// plans that declare dependencies, remote models and `edit`/`analyze`
    /// steps; a conflict re-runs the later step on top.
    pub parallel_steps: bool,
    /// Map plan steps whose intent is known (run the tests, format,
    /// install a package, commit, read a file) to fixed tool calls, without
    /// asking the model for them.
    pub actionizer: bool,
    /// Size cap of the playbook in bytes: past it the oldest entries Chamber
    /// wrote are dropped; lines a person wrote never are.
    pub playbook_max_bytes: usize,
    /// Share of the model's context window a step's history may fill before
    /// its old turns are summarised (context compaction); `0` turns
    /// compaction off, leaving only the trimming of old tool results.
    pub compact_at: f64,
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
            edit_format: "auto".into(),
            symbol_edits: true,
            syntax_check: true,
            strategy: "auto".into(),
            candidates: 1,
            direct_rounds: 3,
            playbook: true,
            parallel_steps: true,
            actionizer: true,
            playbook_max_bytes: 4096,
            compact_at: 0.7,
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
    /// `squash` (the default): one commit at the end of a run; `per_step`:
    /// a commit after each completed step.
    pub commit_mode: String,
}

impl Default for GitConfig {
    fn default() -> Self {
        Self {
            branch_prefix: "chamber/".into(),
            commit: true,
            commit_mode: "squash".into(),
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

/// How `chamber test` runs the project's tests. Both keys empty (the
/// default) means: detect the command from the project's files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TestConfig {
    /// The test command, run with `bash -c` in the project root.
    pub command: String,
    /// Which parser reads its output: `cargo_test`, `nextest`, `pytest`,
    /// `unittest`, `jest`, `vitest`, `go_test` or `generic`; empty means
    /// guessed from the command.
    pub runner: String,
    /// Most fix rounds of `chamber fix` and `chamber run --verify`.
    pub max_fix_rounds: u32,
    /// The fix loop stops after this many rounds in a row that did not
    /// lower the number of failing tests.
    pub max_no_progress: u32,
    /// Longest a test run may take in the fix loop, in seconds.
    pub timeout_secs: u64,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            command: String::new(),
            runner: String::new(),
            max_fix_rounds: 5,
            max_no_progress: 2,
            timeout_secs: 600,
        }
    }
}

/// The built-in local model (see `chamber model`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LocalConfig {
    /// Model served when the local provider is used.
    pub model: String,
    /// Generation threads; 0 picks one on 2 cores, else half the cores.
    pub threads: u32,
    /// Context window in tokens.
    pub context: u32,
    /// Stop an on-demand server after this many idle seconds.
    pub idle_stop_secs: u64,
    /// Longest wait for the server to load the model.
    pub startup_timeout_secs: u64,
    /// Python interpreter whose pip fetches packages.
    pub python: String,
    /// Parallel jobs when building llama-server; 0 means one per core.
    pub build_jobs: usize,
}

impl Default for LocalConfig {
    fn default() -> Self {
        Self {
            model: "qwen2.5-coder-0.5b".into(),
            threads: 0,
            context: 8192,
            idle_stop_secs: 600,
            startup_timeout_secs: 180,
            python: "python3".into(),
            build_jobs: 0,
        }
    }
}

impl Config {
    /// Checks that `provider.name` names a provider: `auto`, `local`, a
    /// built-in one or one under `[providers.NAME]`.
    pub fn check_provider_name(&self) -> Result<(), String> {
        if provider_known(&self.provider.name, &self.providers) {
            return Ok(());
        }
        let mut names: Vec<&str> = vec!["auto", "local"];
        names.extend(crate::providers::BUILTIN_PROVIDERS);
        names.extend(self.providers.keys().map(String::as_str));
        Err(format!(
            "provider.name = {:?}: expected one of {} (define others under [providers.NAME])",
            self.provider.name,
            names.join(", ")
        ))
    }

    /// Checks values that parse but make no sense.
    pub fn check(&self) -> Result<(), String> {
        self.approval.check()?;
        self.paths.check(&self.approval)?;
        self.check_provider_name()?;
        check_providers(&self.providers, &self.routing, &self.fallback, &self.budget)?;
        self.sandbox.check()?;
        self.mcp.check()?;
        if !matches!(
            self.provider.tool_mode.as_str(),
            "auto" | "native" | "json_schema" | "text"
        ) {
            return Err(format!(
                "provider.tool_mode = {:?}: expected \"auto\", \"native\", \"json_schema\" or \"text\"",
                self.provider.tool_mode
            ));
        }
        if self.local.context < 512 {
            return Err("local.context must be at least 512 tokens".into());
        }
        if !matches!(
            self.agent.edit_format.as_str(),
            "auto" | "apply_patch" | "search_replace" | "udiff" | "whole"
        ) {
            return Err(format!(
                "agent.edit_format = {:?}: expected \"auto\", \"apply_patch\", \"search_replace\", \"udiff\" or \"whole\"",
                self.agent.edit_format
            ));
        }
        if !matches!(self.git.commit_mode.as_str(), "squash" | "per_step") {
            return Err(format!(
                "git.commit_mode = {:?}: expected \"squash\" or \"per_step\"",
                self.git.commit_mode
            ));
        }
        if self.agent.max_turns_per_step == 0 {
            return Err("agent.max_turns_per_step must be at least 1".into());
        }
        if self.agent.playbook_max_bytes < 256 {
            return Err("agent.playbook_max_bytes must be at least 256".into());
        }
        if self.agent.plan_attempts == 0 {
            return Err("agent.plan_attempts must be at least 1".into());
        }
        if !matches!(self.agent.strategy.as_str(), "auto" | "loop" | "direct") {
            return Err(format!(
                "agent.strategy = {:?}: expected \"auto\", \"loop\" or \"direct\"",
                self.agent.strategy
            ));
        }
        if !(1..=8).contains(&self.agent.candidates) {
            return Err("agent.candidates must be between 1 and 8".into());
        }
        if self.agent.direct_rounds == 0 {
            return Err("agent.direct_rounds must be at least 1".into());
        }
        if !(0.0..=0.95).contains(&self.agent.compact_at) {
            return Err(format!(
                "agent.compact_at = {}: expected a share of the context window from 0 (off) to 0.95",
                self.agent.compact_at
            ));
        }
        Ok(())
    }
}
