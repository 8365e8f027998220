//! Which provider and model a command uses, and why: the main choice from
//! `provider.*`, and `provider:model` references from routing and fallback.

use std::sync::Arc;
use std::time::Duration;

use chamber_config::Config;
use chamber_llm::{HttpSettings, LlmError, Provider, ToolCallMode, ToolModeProvider, Wire};
use serde::Serialize;

use super::catalogue::{ProviderDef, all_provider_defs, provider_def};

/// The model a remote provider uses when none is configured.
pub const DEFAULT_REMOTE_MODEL: &str = "gpt-4o-mini";

/// The provider a command will use, and why, for `status`, `doctor` and the
/// trace.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderChoice {
    /// Provider name (`openai`, `anthropic`, `local`, a custom name…).
    pub provider: String,
    /// Wire format (`openai-chat` for the local model).
    pub wire: String,
    /// Model name.
    pub model: String,
    /// Base URL requests go to (for the local model: known once it runs).
    pub base_url: String,
    /// Where the base URL came from.
    pub base_url_source: String,
    /// Whether an API key was found (never the key itself).
    pub api_key_present: bool,
    /// The variable the key is read from (empty when none is needed).
    pub api_key_env: String,
    /// Why this provider won.
    pub reason: String,
    /// Whether this is the built-in local model.
    pub local: bool,
    /// How tool calls are obtained.
    pub tool_mode: ToolCallMode,
    /// Extra headers.
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// Whether answers are streamed.
    pub stream: bool,
}

impl ProviderChoice {
    /// `provider:model`, as in config and events.
    pub fn label(&self) -> String {
        format!("{}:{}", self.provider, self.model)
    }
}

/// Auto-detection order: the first provider whose key (or URL) variable is set.
const AUTO_ORDER: &[(&str, &str)] = &[
    ("openai", "OPENAI_BASE_URL"),
    ("openai", "OPENAI_API_KEY"),
    ("anthropic", "ANTHROPIC_API_KEY"),
    ("gemini", "GEMINI_API_KEY"),
    ("openrouter", "OPENROUTER_API_KEY"),
    ("ollama", "OLLAMA_HOST"),
];

/// Decides the main provider. Precedence: an explicit choice
/// (`provider.name`, or a base URL from flag/config, which means an
/// OpenAI-compatible server) > a provider whose key is in the environment >
/// the built-in local model.
pub fn choose_provider(
    config: &Config,
    get_env: impl Fn(&str) -> Option<String>,
) -> ProviderChoice {
    let env = |k: &str| get_env(k).filter(|v| !v.is_empty());
    let p = &config.provider;
    let (name, reason) = match p.name.as_str() {
        "auto" if !p.base_url.is_empty() => (
            "openai".to_string(),
            "provider.base_url is set (flag or config)".to_string(),
        ),
        "auto" => match AUTO_ORDER.iter().find(|(_, var)| env(var).is_some()) {
            Some((name, var)) => (name.to_string(), format!("{var} is set")),
            None => (
                "local".to_string(),
                "no provider configured and no API key (OPENAI_API_KEY, ANTHROPIC_API_KEY, \
                 GEMINI_API_KEY, OPENROUTER_API_KEY) or OPENAI_BASE_URL in the environment"
                    .to_string(),
            ),
        },
        other => (other.to_string(), format!("provider.name = {other:?}")),
    };
    let mut choice = choice_for(config, &name, &p.model, &env);
    if !choice.local {
        if !p.base_url.is_empty() {
            choice.base_url = p.base_url.clone();
            choice.base_url_source = "provider.base_url".into();
        }
        if !p.api_key_env.is_empty() {
            choice.api_key_env = p.api_key_env.clone();
            choice.api_key_present = env(&p.api_key_env).is_some();
        }
    }
    choice.reason = reason;
    choice
}

/// The choice for provider `name` and `model` (empty: its default model).
/// Unknown names resolve to an OpenAI-compatible provider of that name
/// with no base URL, which `build_provider` reports.
pub fn choice_for(
    config: &Config,
    name: &str,
    model: &str,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> ProviderChoice {
    let local = name == "local";
    let def = provider_def(config, name);
    let model = match (model.is_empty(), local, &def) {
        (false, _, _) => model.to_string(),
        (true, true, _) => config.local.model.clone(),
        (true, false, Some(d)) if !d.default_model.is_empty() => d.default_model.clone(),
        (true, false, _) => DEFAULT_REMOTE_MODEL.to_string(),
    };
    let tool_mode = match config.provider.tool_mode.parse::<ToolCallMode>() {
        Ok(mode) => mode,
        // `auto`: small local models write calls as text, so constrain them.
        Err(_) if local => ToolCallMode::JsonSchema,
        Err(_) => ToolCallMode::Native,
    };
    let (base_url, base_url_source) = match (&def, local) {
        (_, true) => (
            String::new(),
            "local llama-server, started on demand".to_string(),
        ),
        (Some(d), false) => d.base_url(get_env),
        (None, false) => (String::new(), "unknown provider".to_string()),
    };
    let key_env = def
        .as_ref()
        .and_then(|d| d.api_key_env.clone())
        .unwrap_or_default();
    ProviderChoice {
        provider: name.to_string(),
        wire: def
            .as_ref()
            .map(|d| d.wire.clone())
            .unwrap_or_else(|| "openai-chat".into()),
        model,
        base_url,
        base_url_source,
        api_key_present: !local && def.as_ref().is_some_and(|d| d.key_present(get_env)),
        api_key_env: key_env,
        reason: String::new(),
        local,
        tool_mode,
        headers: def
            .as_ref()
            .map(|d| d.headers.clone().into_iter().collect())
            .unwrap_or_default(),
        stream: def.as_ref().is_none_or(|d| d.stream),
    }
}

/// Splits a `provider:model` reference. The part before the first `:` must
/// name a provider (built-in, configured or `local`); otherwise the whole
/// text is a model of `default_provider` (Ollama tags like `qwen2.5:7b`).
pub fn parse_model_ref(config: &Config, text: &str, default_provider: &str) -> (String, String) {
    if let Some((head, rest)) = text.split_once(':') {
        let known = head == "local"
            || all_provider_defs(config)
                .iter()
                .any(|d: &ProviderDef| d.name == head);
        if known {
            return (head.to_string(), rest.to_string());
        }
    }
    (default_provider.to_string(), text.to_string())
}

/// Builds the client for `choice` (whose `base_url` must be known by now),
/// wrapped for its tool-call mode.
pub fn build_provider(
    config: &Config,
    choice: &ProviderChoice,
    get_env: impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn Provider>, LlmError> {
    if choice.base_url.is_empty() {
        return Err(LlmError::new(
            chamber_llm::ErrorKind::InvalidRequest,
            format!(
                "provider {:?} has no base URL; define it under [providers.{}] with wire and base_url",
                choice.provider, choice.provider
            ),
        ));
    }
    let wire: Wire = choice.wire.parse().map_err(|e: chamber_llm::UnknownWire| {
        LlmError::new(chamber_llm::ErrorKind::InvalidRequest, e.to_string())
    })?;
    let api_key = if choice.local || choice.api_key_env.is_empty() {
        None
    } else {
        get_env(&choice.api_key_env).filter(|v| !v.is_empty())
    };
    let client = chamber_llm::build_adapter(
        &choice.provider,
        wire,
        HttpSettings {
            base_url: choice.base_url.clone(),
            api_key,
            headers: choice.headers.clone(),
            request_timeout: Duration::from_secs(config.provider.request_timeout_secs.max(1)),
            stream: choice.stream,
            max_response_bytes: answer_limits(&config.provider).max_bytes,
        },
    )?;
    Ok(with_tool_mode(client, choice.tool_mode))
}

/// The time and size bounds of one answer, from `[provider]`
/// (`answer_timeout_secs`, `max_response_bytes`, `max_tool_call_bytes`).
pub fn answer_limits(provider: &chamber_config::ProviderConfig) -> chamber_llm::AnswerLimits {
    let bytes = |n: u64| usize::try_from(n.max(1)).unwrap_or(usize::MAX);
    chamber_llm::AnswerLimits {
        timeout: Duration::from_secs(provider.answer_timeout_secs.max(1)),
        max_bytes: bytes(provider.max_response_bytes),
        max_tool_call_bytes: bytes(provider.max_tool_call_bytes),
    }
}

/// Wraps a provider so tool calls arrive structured whatever the server does.
pub fn with_tool_mode(provider: Arc<dyn Provider>, mode: ToolCallMode) -> Arc<dyn Provider> {
    match mode {
        ToolCallMode::Native => provider,
        mode => Arc::new(ToolModeProvider::new(provider, mode)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn precedence_is_explicit_then_environment_then_local() {
        let mut c = Config::default();
        let ch = choose_provider(&c, env(&[]));
        assert!(ch.local);
        assert_eq!(ch.model, "qwen2.5-coder-0.5b");
        assert_eq!(ch.tool_mode, ToolCallMode::JsonSchema);
        let ch = choose_provider(&c, env(&[("OPENAI_API_KEY", "sk-x")]));
        assert!(!ch.local && ch.reason.contains("OPENAI_API_KEY"));
        assert_eq!(ch.model, DEFAULT_REMOTE_MODEL);
        assert_eq!(ch.tool_mode, ToolCallMode::Native);
        let ch = choose_provider(&c, env(&[("OPENAI_BASE_URL", "http://h/v1")]));
        assert_eq!(ch.base_url, "http://h/v1");
        let ch = choose_provider(&c, env(&[("ANTHROPIC_API_KEY", "k")]));
        assert_eq!(
            (ch.provider.as_str(), ch.wire.as_str()),
            ("anthropic", "anthropic")
        );
        assert_eq!(ch.api_key_env, "ANTHROPIC_API_KEY");
        assert!(ch.api_key_present);
        c.provider.name = "local".into();
        let ch = choose_provider(&c, env(&[("OPENAI_API_KEY", "sk-x")]));
        assert!(ch.local, "explicit local beats a key in the environment");
        assert!(!ch.api_key_present);
        c.provider.name = "auto".into();
        c.provider.base_url = "http://flag/v1".into();
        let ch = choose_provider(&c, env(&[]));
        assert!(!ch.local && ch.base_url == "http://flag/v1");
        c.provider.tool_mode = "text".into();
        assert_eq!(choose_provider(&c, env(&[])).tool_mode, ToolCallMode::Text);
    }

    #[test]
    fn model_refs_split_only_on_known_providers() {
        let c = Config::default();
        assert_eq!(
            parse_model_ref(&c, "anthropic:claude-haiku-4-5", "openai"),
            ("anthropic".into(), "claude-haiku-4-5".into())
        );
        assert_eq!(
            parse_model_ref(&c, "qwen2.5:7b", "ollama"),
            ("ollama".into(), "qwen2.5:7b".into())
        );
        assert_eq!(
            parse_model_ref(&c, "local:smollm2-135m", "openai"),
            ("local".into(), "smollm2-135m".into())
        );
        assert_eq!(
            parse_model_ref(&c, "gpt-4o", "openai"),
            ("openai".into(), "gpt-4o".into())
        );
    }
}
