//! The providers Chamber knows by name: built-in definitions with their
//! environment conventions, merged with `[providers.NAME]` from config.

use std::collections::BTreeMap;

use chamber_config::Config;

/// The `base_url_source` of a provider that uses its built-in address.
pub const BUILTIN_BASE_URL_SOURCE: &str = "built-in default";

/// A provider Chamber can talk to, fully described.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderDef {
    /// Name used in config, flags and `provider:model` references.
    pub name: String,
    /// Wire format (`openai-chat`, `openai-responses`, `anthropic`, `gemini`).
    pub wire: String,
    /// Base URL used when neither config nor environment gives one.
    pub default_base_url: String,
    /// Environment variable that overrides the base URL.
    pub base_url_env: Option<String>,
    /// Base URL from config, which beats the environment.
    pub config_base_url: String,
    /// Environment variable holding the API key; `None` sends no key.
    pub api_key_env: Option<String>,
    /// Model used when none is named.
    pub default_model: String,
    /// Extra headers sent with every request.
    pub headers: BTreeMap<String, String>,
    /// Whether answers are streamed.
    pub stream: bool,
    /// `built-in`, `config`, or `built-in + config` when config overrides it.
    pub source: String,
}

/// A built-in: name, wire, default URL, URL variable, key variable, default model.
struct Builtin(
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

const BUILTINS: &[Builtin] = &[
    Builtin(
        "openai",
        "openai-chat",
        "https://api.openai.com/v1",
        Some("OPENAI_BASE_URL"),
        Some("OPENAI_API_KEY"),
        "gpt-4o-mini",
    ),
    Builtin(
        "openai-responses",
        "openai-responses",
        "https://api.openai.com/v1",
        Some("OPENAI_BASE_URL"),
        Some("OPENAI_API_KEY"),
        "gpt-4o-mini",
    ),
    Builtin(
        "anthropic",
        "anthropic",
        "https://api.anthropic.com",
        Some("ANTHROPIC_BASE_URL"),
        Some("ANTHROPIC_API_KEY"),
        "claude-sonnet-4-5",
    ),
    Builtin(
        "gemini",
        "gemini",
        "https://generativelanguage.googleapis.com",
        Some("GOOGLE_GEMINI_BASE_URL"),
        Some("GEMINI_API_KEY"),
        "gemini-2.5-flash",
    ),
    Builtin(
        "openrouter",
        "openai-chat",
        "https://openrouter.ai/api/v1",
        Some("OPENROUTER_BASE_URL"),
        Some("OPENROUTER_API_KEY"),
        "openai/gpt-4o-mini",
    ),
    Builtin(
        "ollama",
        "openai-chat",
        "http://127.0.0.1:11434/v1",
        Some("OLLAMA_HOST"),
        None,
        "qwen2.5-coder:7b",
    ),
];

/// The definition of provider `name` (built-in, config, or both merged);
/// `None` for unknown names and for `local`/`auto`, which are not HTTP
/// providers of their own.
pub fn provider_def(config: &Config, name: &str) -> Option<ProviderDef> {
    let builtin = BUILTINS.iter().find(|b| b.0 == name);
    let custom = config.providers.get(name);
    let mut def = match (builtin, custom) {
        (None, None) => return None,
        (Some(b), _) => ProviderDef {
            name: b.0.into(),
            wire: b.1.into(),
            default_base_url: b.2.into(),
            base_url_env: b.3.map(String::from),
            config_base_url: String::new(),
            api_key_env: b.4.map(String::from),
            default_model: b.5.into(),
            headers: BTreeMap::new(),
            stream: true,
            source: "built-in".into(),
        },
        (None, Some(_)) => ProviderDef {
            name: name.into(),
            wire: String::new(),
            default_base_url: String::new(),
            base_url_env: None,
            config_base_url: String::new(),
            api_key_env: None,
            default_model: String::new(),
            headers: BTreeMap::new(),
            stream: true,
            source: "config".into(),
        },
    };
    if let Some(c) = custom {
        if builtin.is_some() {
            def.source = "built-in + config".into();
        }
        if !c.wire.is_empty() {
            def.wire = c.wire.clone();
        }
        def.config_base_url = c.base_url.clone();
        if !c.api_key_env.is_empty() {
            def.api_key_env = Some(c.api_key_env.clone());
        }
        if !c.default_model.is_empty() {
            def.default_model = c.default_model.clone();
        } else if def.default_model.is_empty() {
            def.default_model = c.models.keys().next().cloned().unwrap_or_default();
        }
        def.headers.extend(c.headers.clone());
        if let Some(s) = c.stream {
            def.stream = s;
        }
    }
    Some(def)
}

/// Every provider: built-ins first, then config-only ones.
pub fn all_provider_defs(config: &Config) -> Vec<ProviderDef> {
    BUILTINS
        .iter()
        .map(|b| b.0.to_string())
        .chain(
            config
                .providers
                .keys()
                .filter(|k| !BUILTINS.iter().any(|b| b.0 == k.as_str()))
                .cloned(),
        )
        .filter_map(|n| provider_def(config, &n))
        .collect()
}

impl ProviderDef {
    /// The base URL to use and where it came from: config, then the
    /// environment, then the built-in default.
    pub fn base_url(&self, get_env: &dyn Fn(&str) -> Option<String>) -> (String, String) {
        if !self.config_base_url.is_empty() {
            return (
                self.config_base_url.clone(),
                format!("providers.{}.base_url", self.name),
            );
        }
        if let Some(var) = &self.base_url_env
            && let Some(v) = get_env(var).filter(|v| !v.is_empty())
        {
            let url = if var == "OLLAMA_HOST" {
                ollama_url(&v)
            } else {
                v
            };
            return (url, var.clone());
        }
        (
            self.default_base_url.clone(),
            BUILTIN_BASE_URL_SOURCE.into(),
        )
    }

    /// Whether its key variable is set (or it needs none).
    pub fn key_present(&self, get_env: &dyn Fn(&str) -> Option<String>) -> bool {
        match &self.api_key_env {
            Some(var) => get_env(var).is_some_and(|v| !v.is_empty()),
            None => true,
        }
    }
}

/// `OLLAMA_HOST` holds `host:port` or a URL; the OpenAI API lives under `/v1`.
fn ollama_url(host: &str) -> String {
    let h = host.trim_end_matches('/');
    let with_scheme = if h.contains("://") {
        h.to_string()
    } else {
        format!("http://{h}")
    };
    if with_scheme.ends_with("/v1") {
        with_scheme
    } else {
        format!("{with_scheme}/v1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_match_the_config_list() {
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.0).collect();
        assert_eq!(names, chamber_config::BUILTIN_PROVIDERS);
        for b in BUILTINS {
            assert!(chamber_config::WIRE_FORMATS.contains(&b.1), "{}", b.0);
        }
    }

    #[test]
    fn config_overrides_and_defines_providers() {
        let config: Config = toml::from_str(
            r#"
            [providers.anthropic]
            base_url = "http://proxy:8080"
            headers = { "X-Team" = "core" }
            [providers.vllm]
            wire = "openai-chat"
            base_url = "http://gpu:8000/v1"
            [providers.vllm.models."qwen3-coder"]
            input = 0.0
        "#,
        )
        .unwrap();
        let a = provider_def(&config, "anthropic").unwrap();
        assert_eq!(a.source, "built-in + config");
        let env = |k: &str| (k == "ANTHROPIC_BASE_URL").then(|| "http://env".to_string());
        assert_eq!(a.base_url(&env).0, "http://proxy:8080", "config beats env");
        assert_eq!(a.headers["X-Team"], "core");
        let v = provider_def(&config, "vllm").unwrap();
        assert_eq!(
            (v.wire.as_str(), v.default_model.as_str()),
            ("openai-chat", "qwen3-coder")
        );
        assert!(
            v.key_present(&|_| None),
            "no key variable means none needed"
        );
        assert!(provider_def(&config, "nope").is_none());
        assert_eq!(all_provider_defs(&config).len(), BUILTINS.len() + 1);
    }

    #[test]
    fn environment_conventions() {
        let config = Config::default();
        let o = provider_def(&config, "ollama").unwrap();
        let env = |k: &str| (k == "OLLAMA_HOST").then(|| "10.1.1.1:11434".to_string());
        assert_eq!(o.base_url(&env).0, "http://10.1.1.1:11434/v1");
        let g = provider_def(&config, "gemini").unwrap();
        let env = |k: &str| (k == "GOOGLE_GEMINI_BASE_URL").then(|| "http://g".to_string());
        assert_eq!(
            g.base_url(&env),
            ("http://g".into(), "GOOGLE_GEMINI_BASE_URL".into())
        );
        assert!(!g.key_present(&|_| None));
        assert!(g.key_present(&|k| (k == "GEMINI_API_KEY").then(|| "k".into())));
    }
}
