//! Settings for many providers: custom provider definitions, fallback,
//! routing by role, price overrides and run budgets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Provider names Chamber knows without configuration (besides `auto` and
/// `local`). The agent's provider catalogue defines each one.
pub const BUILTIN_PROVIDERS: &[&str] = &[
    "openai",
    "openai-responses",
    "anthropic",
    "gemini",
    "openrouter",
    "ollama",
];

/// Wire formats a custom provider may speak.
pub const WIRE_FORMATS: &[&str] = &["openai-chat", "openai-responses", "anthropic", "gemini"];

/// A provider defined in config under `[providers.NAME]`, or overrides of a
/// built-in one of the same name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CustomProvider {
    /// Wire format: `openai-chat`, `openai-responses`, `anthropic` or
    /// `gemini`. Required for a new provider; a built-in's own when empty.
    pub wire: String,
    /// API base URL (for `openai-*` up to and including `/v1`).
    pub base_url: String,
    /// Environment variable holding the API key; empty means none is sent.
    pub api_key_env: String,
    /// Extra HTTP headers sent with every request.
    pub headers: BTreeMap<String, String>,
    /// Model used when the request names none.
    pub default_model: String,
    /// Set false for servers that cannot stream; answers are then read whole.
    pub stream: Option<bool>,
    /// Models this provider serves, with their window and prices.
    pub models: BTreeMap<String, ModelSpec>,
}

/// What Chamber knows about one model: window, prices (USD per million
/// tokens) and declared traits used by `--prefer`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSpec {
    /// Context window in tokens.
    pub context_window: Option<u64>,
    /// Price of a million prompt tokens.
    pub input: Option<f64>,
    /// Price of a million generated tokens.
    pub output: Option<f64>,
    /// Price of a million prompt tokens read from the cache.
    pub cached: Option<f64>,
    /// Declared speed, 1 (slow) to 5 (fast).
    pub speed: Option<u8>,
    /// Declared quality, 1 (weak) to 5 (best).
    pub quality: Option<u8>,
}

/// Which model does which kind of work, and when work moves up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    /// Model for planning, re-planning, review and escalation, as
    /// `provider:model` (or a model of the main provider). Empty means the
    /// main model.
    pub strategic: String,
    /// Model for edits and tool use. Empty means the main model.
    pub tactical: String,
    /// Failed attempts at one step before that step moves to the strategic
    /// model; 0 never escalates.
    pub escalate_after: u32,
    /// `cheap`, `fast` or `best`: pick the main model from the price table
    /// among providers that have a key; empty keeps the configured model.
    pub prefer: String,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            strategic: String::new(),
            tactical: String::new(),
            escalate_after: 2,
            prefer: String::new(),
        }
    }
}

/// What to do when a model request fails for good.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FallbackConfig {
    /// Ordered `provider:model` pairs tried after the main one.
    pub chain: Vec<String>,
    /// Error classes that move a request to the next pair (codes as in
    /// `chamber stats`: `rate_limited`, `overloaded`, `server_error`,
    /// `network`, `timeout`, `malformed_stream`, `auth`, `permission`,
    /// `model_not_found`, `context_too_long`, `invalid_request`).
    pub on: Vec<String>,
}

impl Default for FallbackConfig {
    fn default() -> Self {
        Self {
            chain: Vec::new(),
            on: [
                "rate_limited",
                "overloaded",
                "server_error",
                "network",
                "timeout",
                "malformed_stream",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// Limits on one run; zero means no limit. Flags (`--budget-cost`,
/// `--budget-time`, `--budget-tokens`) override these.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    /// Most USD a run may spend on models.
    pub cost_usd: f64,
    /// Longest a run may take, in seconds.
    pub time_secs: u64,
    /// Most tokens (prompt + completion) a run may use.
    pub tokens: u64,
    /// Fraction of a limit at which a warning is recorded.
    pub warn_at: f64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            cost_usd: 0.0,
            time_secs: 0,
            tokens: 0,
            warn_at: 0.8,
        }
    }
}

/// Error codes accepted in `fallback.on`.
pub const ERROR_CLASSES: &[&str] = &[
    "auth",
    "permission",
    "model_not_found",
    "rate_limited",
    "overloaded",
    "context_too_long",
    "invalid_request",
    "server_error",
    "network",
    "timeout",
    "malformed_stream",
    "response_too_large",
    "answer_timeout",
    "unexpected_reply",
];

/// Checks the provider-related sections; `known` says whether a provider
/// name is built in or defined.
pub(crate) fn check_providers(
    providers: &BTreeMap<String, CustomProvider>,
    routing: &RoutingConfig,
    fallback: &FallbackConfig,
    budget: &BudgetConfig,
) -> Result<(), String> {
    for (name, p) in providers {
        if name == "auto" || name == "local" {
            return Err(format!(
                "[providers.{name}]: \"{name}\" is reserved; pick another name"
            ));
        }
        let builtin = BUILTIN_PROVIDERS.contains(&name.as_str());
        if p.wire.is_empty() && !builtin {
            return Err(format!(
                "[providers.{name}] needs wire = one of {}",
                WIRE_FORMATS.join(", ")
            ));
        }
        if !p.wire.is_empty() && !WIRE_FORMATS.contains(&p.wire.as_str()) {
            return Err(format!(
                "providers.{name}.wire = {:?}: expected one of {}",
                p.wire,
                WIRE_FORMATS.join(", ")
            ));
        }
        if p.base_url.is_empty() && !builtin {
            return Err(format!("[providers.{name}] needs base_url"));
        }
        for (model, spec) in &p.models {
            for (field, v) in [
                ("input", spec.input),
                ("output", spec.output),
                ("cached", spec.cached),
            ] {
                if v.is_some_and(|v| !(v >= 0.0 && v.is_finite())) {
                    return Err(format!(
                        "providers.{name}.models.{model:?}.{field} must be a price >= 0"
                    ));
                }
            }
            for (field, v) in [("speed", spec.speed), ("quality", spec.quality)] {
                if v.is_some_and(|v| !(1..=5).contains(&v)) {
                    return Err(format!(
                        "providers.{name}.models.{model:?}.{field} must be 1 to 5"
                    ));
                }
            }
        }
    }
    if !matches!(routing.prefer.as_str(), "" | "cheap" | "fast" | "best") {
        return Err(format!(
            "routing.prefer = {:?}: expected \"cheap\", \"fast\" or \"best\"",
            routing.prefer
        ));
    }
    for class in &fallback.on {
        if !ERROR_CLASSES.contains(&class.as_str()) {
            return Err(format!(
                "fallback.on has {class:?}: expected error classes from {}",
                ERROR_CLASSES.join(", ")
            ));
        }
    }
    if !(budget.cost_usd >= 0.0 && budget.cost_usd.is_finite()) {
        return Err("budget.cost_usd must be >= 0".into());
    }
    if !(budget.warn_at > 0.0 && budget.warn_at <= 1.0) {
        return Err("budget.warn_at must be above 0 and at most 1".into());
    }
    Ok(())
}

/// Whether `name` is a provider Chamber can use under this config.
pub(crate) fn provider_known(name: &str, providers: &BTreeMap<String, CustomProvider>) -> bool {
    matches!(name, "auto" | "local")
        || BUILTIN_PROVIDERS.contains(&name)
        || providers.contains_key(name)
}

#[cfg(test)]
mod tests {
    use crate::Config;

    fn parse(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn custom_provider_with_models_and_routing_parses_and_checks() {
        let c = parse(
            r#"
            [provider]
            name = "my-vllm"
            [providers.my-vllm]
            wire = "openai-chat"
            base_url = "http://10.0.0.5:8000/v1"
            api_key_env = "VLLM_KEY"
            headers = { "X-Team" = "core" }
            [providers.my-vllm.models."qwen3-coder"]
            context_window = 131072
            input = 0.2
            output = 0.6
            [routing]
            strategic = "anthropic:claude-sonnet-4-5"
            escalate_after = 3
            [fallback]
            chain = ["openai:gpt-4o-mini"]
            on = ["rate_limited", "auth"]
            [budget]
            cost_usd = 0.25
            [models."gpt-4o-mini"]
            input = 0.1
        "#,
        );
        c.check().unwrap();
        let p = &c.providers["my-vllm"];
        assert_eq!(p.headers["X-Team"], "core");
        assert_eq!(p.models["qwen3-coder"].context_window, Some(131072));
        assert_eq!(c.routing.escalate_after, 3);
        assert_eq!(c.models["gpt-4o-mini"].input, Some(0.1));
    }

    #[test]
    fn bad_provider_settings_name_the_key() {
        let err = |t: &str| parse(t).check().unwrap_err();
        assert!(err("[provider]\nname = \"nope\"").contains("provider.name"));
        assert!(
            err("[providers.x]\nwire = \"soap\"\nbase_url = \"http://h\"")
                .contains("providers.x.wire")
        );
        assert!(err("[providers.x]\nbase_url = \"http://h\"").contains("needs wire"));
        assert!(err("[providers.x]\nwire = \"gemini\"").contains("needs base_url"));
        assert!(err("[fallback]\non = [\"sometimes\"]").contains("fallback.on"));
        assert!(err("[routing]\nprefer = \"shiny\"").contains("routing.prefer"));
        assert!(err("[budget]\ncost_usd = -1.0").contains("budget.cost_usd"));
        assert!(err("[providers.local]\nwire = \"gemini\"").contains("reserved"));
        // A built-in may be overridden without restating its wire.
        parse("[providers.anthropic]\nbase_url = \"http://proxy\"")
            .check()
            .unwrap();
    }
}
