use std::sync::Arc;
use std::time::Duration;

use chamber_config::Config;
use chamber_llm::{LlmError, OpenAiChat, OpenAiSettings, Provider, ToolCallMode, ToolModeProvider};
use serde::Serialize;

/// The model a remote provider uses when none is configured.
pub const DEFAULT_REMOTE_MODEL: &str = "gpt-4o-mini";

/// The provider a command will use, and why, for `status`, `doctor` and the
/// trace.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderChoice {
    /// Provider name (`openai` or `local`).
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Base URL requests go to (for the local model: known once it runs).
    pub base_url: String,
    /// Where the base URL came from.
    pub base_url_source: String,
    /// Whether an API key was found (never the key itself).
    pub api_key_present: bool,
    /// The variable the key is read from.
    pub api_key_env: String,
    /// Why this provider won.
    pub reason: String,
    /// Whether this is the built-in local model.
    pub local: bool,
    /// How tool calls are obtained.
    pub tool_mode: ToolCallMode,
}

/// Decides which provider to use. Precedence: an explicit choice
/// (`provider.name`, or a base URL from flag/config) > a server or API key
/// in the environment > the built-in local model.
pub fn choose_provider(
    config: &Config,
    get_env: impl Fn(&str) -> Option<String>,
) -> ProviderChoice {
    let p = &config.provider;
    let env = |k: &str| get_env(k).filter(|v| !v.is_empty());
    let api_key_present = env(&p.api_key_env).is_some();
    let env_url = env("OPENAI_BASE_URL");
    let (local, reason) = match p.name.as_str() {
        "local" => (true, "provider.name = \"local\"".to_string()),
        "openai" => (false, "provider.name = \"openai\"".to_string()),
        _ if !p.base_url.is_empty() => (
            false,
            "provider.base_url is set (flag or config)".to_string(),
        ),
        _ if env_url.is_some() => (false, "OPENAI_BASE_URL is set".to_string()),
        _ if api_key_present => (false, format!("{} is set", p.api_key_env)),
        _ => (
            true,
            format!(
                "no provider configured and no {} or OPENAI_BASE_URL in the environment",
                p.api_key_env
            ),
        ),
    };
    let (base_url, base_url_source) = if local {
        (
            String::new(),
            "local llama-server, started on demand".to_string(),
        )
    } else if !p.base_url.is_empty() {
        (p.base_url.clone(), "provider.base_url".to_string())
    } else if let Some(url) = env_url {
        (url, "OPENAI_BASE_URL".to_string())
    } else {
        (
            "https://api.openai.com/v1".to_string(),
            "built-in default".to_string(),
        )
    };
    let model = match (p.model.is_empty(), local) {
        (false, _) => p.model.clone(),
        (true, true) => config.local.model.clone(),
        (true, false) => DEFAULT_REMOTE_MODEL.to_string(),
    };
    let tool_mode = match p.tool_mode.parse::<ToolCallMode>() {
        Ok(mode) => mode,
        // `auto`: small local models write calls as text, so constrain them.
        Err(_) if local => ToolCallMode::JsonSchema,
        Err(_) => ToolCallMode::Native,
    };
    ProviderChoice {
        provider: if local { "local" } else { "openai" }.to_string(),
        model,
        base_url,
        base_url_source,
        api_key_present: api_key_present && !local,
        api_key_env: p.api_key_env.clone(),
        reason,
        local,
        tool_mode,
    }
}

/// Builds the OpenAI-compatible client for `choice` (whose `base_url` must
/// be known by now), wrapped for its tool-call mode.
pub fn build_provider(
    config: &Config,
    choice: &ProviderChoice,
    get_env: impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn Provider>, LlmError> {
    let api_key = if choice.local {
        None
    } else {
        get_env(&config.provider.api_key_env).filter(|v| !v.is_empty())
    };
    let client = OpenAiChat::new(OpenAiSettings {
        base_url: choice.base_url.clone(),
        api_key,
        request_timeout: Duration::from_secs(config.provider.request_timeout_secs.max(1)),
    })?;
    Ok(with_tool_mode(Arc::new(client), choice.tool_mode))
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
}
