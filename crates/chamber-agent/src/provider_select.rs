use std::sync::Arc;
use std::time::Duration;

use chamber_config::Config;
use chamber_llm::{LlmError, OpenAiChat, OpenAiSettings, Provider};
use serde::Serialize;

/// The provider a command will use, and why, for `status` and the trace.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderChoice {
    /// Provider name.
    pub provider: String,
    /// Model name.
    pub model: String,
    /// Base URL requests go to.
    pub base_url: String,
    /// Where the base URL came from.
    pub base_url_source: String,
    /// Whether an API key was found (never the key itself).
    pub api_key_present: bool,
    /// The variable the key is read from.
    pub api_key_env: String,
}

/// Resolves provider settings from config and environment:
/// `provider.base_url` (config or flag) > `OPENAI_BASE_URL` > OpenAI's API.
pub fn select_provider(
    config: &Config,
    get_env: impl Fn(&str) -> Option<String>,
) -> Result<(Arc<dyn Provider>, ProviderChoice), LlmError> {
    let p = &config.provider;
    let env_url = get_env("OPENAI_BASE_URL").filter(|v| !v.is_empty());
    let (base_url, base_url_source) = if !p.base_url.is_empty() {
        (p.base_url.clone(), "provider.base_url".to_string())
    } else if let Some(url) = env_url {
        (url, "OPENAI_BASE_URL".to_string())
    } else {
        (
            "https://api.openai.com/v1".to_string(),
            "built-in default".to_string(),
        )
    };
    let api_key = get_env(&p.api_key_env).filter(|v| !v.is_empty());
    let choice = ProviderChoice {
        provider: p.name.clone(),
        model: p.model.clone(),
        base_url: base_url.clone(),
        base_url_source,
        api_key_present: api_key.is_some(),
        api_key_env: p.api_key_env.clone(),
    };
    let provider = OpenAiChat::new(OpenAiSettings {
        base_url,
        api_key,
        request_timeout: Duration::from_secs(p.request_timeout_secs.max(1)),
    })?;
    Ok((Arc::new(provider), choice))
}
